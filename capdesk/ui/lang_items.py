"""One image's caption in one more language: its words, the person's edit, its review.

Plain Python (no Qt), beside :mod:`capdesk.ui.items`. An :class:`~capdesk.ui.items.ImageItem`
keeps the first chosen language in its own fields (``caption``, ``text``, ``edited``,
``reviewed``), because ``CaptionResult.caption`` is that language's caption and the list,
the review counts and the export's ``x-default`` all read those fields; each further
language gets a :class:`LanguageState` in ``item.others``. Each language is edited and
reviewed on its own, and keeps the same rule as the first: a person's words typed while
the image waited for the model win over the model's new caption.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from capdesk.domain import Caption, Language
from capdesk.domain.languages import LANGUAGES_BY_CODE


def language_of(code: str) -> Language:
    """The known language of ``code``, or a left-to-right one named by its code (a model
    folder may ship a language capdesk does not know yet)."""
    return LANGUAGES_BY_CODE.get(code) or Language(code, code, code, code)


def caption_from_text(text: str | None, score: float | None) -> Caption | None:
    """The model's words kept by the library (text only, no attention maps): the
    heatmap stays empty until the photo is captioned again."""
    if not text:
        return None
    words = tuple(text.split())
    return Caption(text, words, score or 0.0, 0.0, np.zeros((len(words), 0, 0), np.float32))


@dataclass
class LanguageState:
    """One language's caption of one image, as the person sees and changes it."""

    language: Language
    caption: Caption | None = None
    text: str = ""
    edited: bool = False
    reviewed: bool = False
    model_name: str = ""
    edit_count: int = 0
    edit_count_when_queued: int | None = None
    #: The text and review came from the library: a person left them in an earlier
    #: session, so a caption run (a photo captioned for another language) keeps them.
    kept: bool = False

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def score(self) -> float | None:
        """The model's mean log-probability per word; None once a person rewrote it."""
        return None if self.edited or self.caption is None else self.caption.score

    def mark_queued(self) -> None:
        self.edit_count_when_queued = self.edit_count

    def cancel(self) -> None:
        self.edit_count_when_queued = None

    def apply(self, caption: Caption, model_name: str = "") -> None:
        """A fresh caption from the model: it replaces the text unless the person edited
        this language while the image waited, or in an earlier session (kept in the
        library); then it only brings its attention maps. A review from the library
        stays when the model says the same again."""
        queued_at, self.edit_count_when_queued = self.edit_count_when_queued, None
        kept, self.kept = self.kept, False
        self.caption = caption
        self.model_name = model_name
        if self.edited and (kept or (queued_at is not None and queued_at != self.edit_count)):
            return
        same_review = kept and self.reviewed and caption.text == self.text
        self.text, self.edited, self.reviewed = caption.text, False, same_review

    def set_text(self, text: str) -> None:
        """A person's edit; editing counts as reviewing."""
        self.edit_count += 1
        self.kept = False
        self.text = text
        self.edited = text != (self.caption.text if self.caption is not None else "")
        self.reviewed = self.edited or self.reviewed

    def use_library(self, text: str, model_text: str | None, score: float | None, *,
                    edited: bool, reviewed: bool, model_name: str) -> bool:
        """Show what the caption library kept; False (nothing changed) once the person or
        the model already gave this language something in this session."""
        if self.edit_count or self.caption is not None:
            return False
        self.caption = caption_from_text(model_text, score)
        self.text = text
        self.edited = edited and text != (model_text or "")
        self.reviewed = reviewed or self.edited
        self.model_name = model_name
        self.kept = True
        return True

    def snapshot(self) -> tuple[str, bool, bool]:
        """What undo restores: the text and the review state."""
        return self.text, self.edited, self.reviewed

    def restore(self, state: tuple[str, bool, bool]) -> None:
        self.text, self.edited, self.reviewed = state

    def copy(self) -> LanguageState:
        return replace(self)
