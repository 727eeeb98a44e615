"""What leaves capdesk: one caption per image as a person approved or edited it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from capdesk.domain.alt_text import compose_alt_text
from capdesk.domain.flags import Flag
from capdesk.domain.languages import DEFAULT_LANGUAGE, Language


@dataclass(frozen=True)
class LanguageText:
    """One language's caption of an image as a person left it: the text, whether they
    edited it and whether they reviewed it (each language is reviewed on its own), and the
    model's mean log-probability per word (None for text a person wrote)."""

    language: Language
    caption: str
    edited: bool = False
    reviewed: bool = False
    score: float | None = None


@dataclass(frozen=True)
class CaptionRecord:
    """The caption to export for one image.

    ``edited`` tells a reviewer's text from the model's; ``reviewed`` says a person looked
    at it (editing counts); ``score`` is the model's mean log-probability per word (None
    for text a person wrote from scratch). ``provider`` and ``milliseconds`` say where and
    how fast it was made, when known. ``error`` is set (and ``caption`` empty) for an
    image that could not be captioned, so the command line can report it in the same
    row format as the rest. ``trust`` (0–1) and ``flags`` are the engine's estimate that a
    person would accept the caption and its reasons to check it (docs/TRUST.md).
    ``visible_text`` is the text read in the photo (None: not read); :attr:`alt_text` and
    :attr:`extended_description` are what an alt-text export writes (caption + the text,
    composed by :func:`~capdesk.domain.alt_text.compose_alt_text`).
    """

    path: Path
    caption: str
    edited: bool = False
    score: float | None = None
    model: str = ""
    captioned_at: datetime | None = None
    reviewed: bool = False
    provider: str = ""
    milliseconds: float | None = None
    error: str | None = None
    trust: float | None = None
    flags: tuple[Flag, ...] = ()
    visible_text: str | None = None
    #: The caption in every chosen language, in order; the first is the ``x-default`` of
    #: the XMP language alternatives and is also ``caption``. Empty: English only.
    languages: tuple[LanguageText, ...] = ()

    @property
    def texts(self) -> tuple[LanguageText, ...]:
        """:attr:`languages`, or ``caption`` as English for a record made without them."""
        if self.languages or self.error is not None:
            return self.languages
        return (
            LanguageText(DEFAULT_LANGUAGE, self.caption, self.edited, self.reviewed, self.score),
        )

    def text_in(self, code: str) -> LanguageText | None:
        """The caption in language ``code``, None when that language was not chosen."""
        return next((entry for entry in self.texts if entry.language.code == code), None)

    def alt_text_in(self, code: str) -> str | None:
        """The short alt text in language ``code`` (its caption + the read text)."""
        entry = self.text_in(code)
        if entry is None:
            return None
        return compose_alt_text(entry.caption, self.visible_text, language=code).alt_text

    @property
    def alt_text(self) -> str:
        """The short alt text: the caption, then " Text: " and as much read text as fits."""
        return compose_alt_text(self.caption, self.visible_text, language=self._first).alt_text

    @property
    def _first(self) -> str:
        """The code of the first language (the caption's), English for records without."""
        return self.languages[0].language.code if self.languages else "en"

    @property
    def extended_description(self) -> str | None:
        """The full read text when it did not fit :attr:`alt_text`, else None."""
        return compose_alt_text(self.caption, self.visible_text, language=self._first).extended
