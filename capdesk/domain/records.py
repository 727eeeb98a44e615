"""What leaves capdesk: one caption per image as a person approved or edited it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class CaptionRecord:
    """The caption to export for one image.

    ``edited`` tells a reviewer's text from the model's; ``score`` is the model's mean
    log-probability per word (None for text a person wrote from scratch).
    """

    path: Path
    caption: str
    edited: bool = False
    score: float | None = None
    model: str = ""
    captioned_at: datetime | None = None
