"""The values that travel from the engine to the app, the command line and the exporters.

They are frozen dataclasses so a worker thread can hand them to the GUI thread without
anyone mutating them half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Caption:
    """One generated caption.

    ``score`` is the mean log-probability per emitted word (end token included), so
    captions of different lengths compare; values near 0 are confident, below about
    -1.5 deserve a human look. ``attention`` has one (grid_h, grid_w) map per word of
    ``words``, each summing to 1.
    """

    text: str
    words: tuple[str, ...]
    score: float
    log_prob: float
    attention: np.ndarray

    def __post_init__(self) -> None:
        if self.attention.ndim != 3 or self.attention.shape[0] != len(self.words):
            raise ValueError(
                f"attention must be (words, grid_h, grid_w), got {self.attention.shape} "
                f"for {len(self.words)} words"
            )


@dataclass(frozen=True)
class CaptionResult:
    """The outcome for one input path: a caption, or a message a person can act on."""

    path: Path
    caption: Caption | None
    error: str | None
    provider: str
    milliseconds: float
    image_size: tuple[int, int] | None = None

    @property
    def ok(self) -> bool:
        return self.caption is not None
