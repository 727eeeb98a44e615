"""The values that travel from the engine to the app, the command line and the exporters.

They are frozen dataclasses so a worker thread can hand them to the GUI thread without
anyone mutating them half-way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from capdesk.domain.flags import Flag
from capdesk.domain.languages import DEFAULT_LANGUAGE, Language


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
class LanguageCaption:
    """The caption of one photo in one language: which language, and its :class:`Caption`.

    The caption keeps everything a language tab shows: text, words (a Chinese word or
    character each), score and log-probability, and one attention map per word. ``trust``
    and trust flags are set on the English caption only (the estimator was fitted on
    English captions; the other languages have none yet).
    """

    language: Language
    caption: Caption

    @property
    def lang(self) -> str:
        return self.language.code

    @property
    def text(self) -> str:
        return self.caption.text

    @property
    def words(self) -> tuple[str, ...]:
        return self.caption.words

    @property
    def score(self) -> float:
        return self.caption.score

    @property
    def log_prob(self) -> float:
        return self.caption.log_prob

    @property
    def attention(self) -> np.ndarray:
        return self.caption.attention


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
    #: It is the English caption's (the estimator knows no other language yet): None when
    #: English was not chosen.
    trust: float | None = None
    #: Reasons to look at this caption, photo-quality ones first (``blurred`` …), then the
    #: trust estimate's (``low_confidence``, ``unfamiliar``); each with a message for people.
    flags: tuple[Flag, ...] = ()
    #: The text read in the photo (lines joined by newlines) when reading was asked for and
    #: the text gate passed it; None when not read, "" when read and nothing was found.
    visible_text: str | None = None
    #: The caption in every chosen language, in the order chosen (the first is the one
    #: written as ``x-default``). ``caption`` is the first entry's caption, so code that
    #: knows one language keeps working; a language whose search produced no words is
    #: left out. Empty for results made without languages (an English-only engine).
    languages: tuple[LanguageCaption, ...] = ()

    @property
    def captions(self) -> tuple[LanguageCaption, ...]:
        """:attr:`languages`, or the English ``caption`` for a result made without them."""
        if self.languages or self.caption is None:
            return self.languages
        return (LanguageCaption(DEFAULT_LANGUAGE, self.caption),)

    def caption_in(self, code: str) -> Caption | None:
        """The caption in language ``code`` (``"zh"``), None when not chosen or empty."""
        for entry in self.captions:
            if entry.language.code == code:
                return entry.caption
        return None

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(entry.language.code for entry in self.captions)

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)

    @property
    def ok(self) -> bool:
        return self.caption is not None
