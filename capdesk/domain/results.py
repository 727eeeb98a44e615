"""The values that travel from the engine to the app, the command line and the exporters.

They are frozen dataclasses so a worker thread can hand them to the GUI thread without
anyone mutating them half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capdesk.domain.flags import Flag


@dataclass(frozen=True)
class Caption:
    """One generated caption.

    ``score`` is the mean log-probability per emitted word (end token included), so
    captions of different lengths compare; near 0 is confident, but on its own it does not
    tell a wrong caption (``trust`` does that better). ``attention`` has one (grid_h,
    grid_w) map per word of ``words``, each summing to 1. ``token_log_probs`` and
    ``entropies`` hold one value per emitted token (the end token last): each word's
    log-probability and the entropy of the model's next-word distribution. ``trust`` is the
    model folder's calibrated estimate (0–1) that a person would accept the caption, None
    when the folder ships no estimator; ``flags`` are the codes the estimator raised
    (``low_confidence``, ``unfamiliar``).
    """

    text: str
    words: tuple[str, ...]
    score: float
    log_prob: float
    attention: np.ndarray
    token_log_probs: tuple[float, ...] = ()
    entropies: tuple[float, ...] = ()
    trust: float | None = None
    flags: tuple[str, ...] = ()

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
    #: Probability (0–1) that a person would accept the caption; None without an estimator.
    trust: float | None = None
    #: Reasons to look at this caption, photo-quality ones first (``blurred`` …), then the
    #: trust estimate's (``low_confidence``, ``unfamiliar``); each with a message for people.
    flags: tuple[Flag, ...] = ()
    #: The text read in the photo (lines joined by newlines) when reading was asked for and
    #: the text gate passed it; None when not read, "" when read and nothing was found.
    visible_text: str | None = None

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)

    @property
    def ok(self) -> bool:
        return self.caption is not None
