"""What the app knows about one image in the list, and when it needs a human look.

Plain Python (no Qt) so the review rules can be tested and reused without a window.

An image needs a look when the engine flagged its result (docs/TRUST.md): the
``low_confidence`` flag already encodes the one trust threshold chosen on validation data,
so nothing here adds a second one. Only results from model folders without a trust
estimator (``trust`` None) fall back to the old mean-log-probability rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

import numpy as np

from capdesk.domain import Caption, CaptionRecord, CaptionResult, Flag, Language, LanguageText
from capdesk.domain.languages import DEFAULT_LANGUAGE
from capdesk.ui.lang_items import LanguageState, language_of

UNSURE_SCORE = -1.5
"""Fallback only, for results without a trust estimate (model folders without an
estimator): mean log-probability per word below which the model is guessing. On real photos
it almost never fires (docs/TRUST.md), which is why flagged results use ``trust`` instead."""

_FALLBACK_WORDS = frozenset({"<unk>", "unk", "<pad>", "<start>", "<end>", "<bos>", "<eos>"})


class Status(Enum):
    """Where an image is in its life; the value is what the list shows."""

    NEW = "not captioned"
    QUEUED = "queued"
    CAPTIONING = "captioning…"
    DONE = "done"
    EDITED = "edited"
    ERROR = "error"
    CANCELLED = "cancelled"
    EXISTING = "has alt text"


def trust_text(trust: float | None) -> str:
    """``"Trust 23 %"``, or '' when the model folder has no estimator."""
    return "" if trust is None else f"Trust {round(trust * 100)} %"


def unsure_reason(
    caption: Caption | None, *, trust: float | None = None, flags: tuple[Flag, ...] = ()
) -> str | None:
    """Why a caption should be checked first, or None when it looks fine.

    The engine's ``flags`` decide when there are any (their messages are the reason); a
    caption without words or with an unknown-word token is a defect, not an estimate, so
    it is always reported. The score rule applies only when ``trust`` is None: the model
    folder has no calibrated estimator, and the old rule is all there is.
    """
    if caption is None:
        return None
    if flags:
        return "; ".join(flag.message for flag in flags)
    if not caption.text.strip() or not caption.words:
        return "the model produced no words"
    if any(word.lower() in _FALLBACK_WORDS for word in caption.words):
        return "the model fell back to an unknown word"
    if trust is None and caption.score < UNSURE_SCORE:
        return f"the model is unsure (score {caption.score:.2f})"
    return None


@dataclass
class ImageItem:
    """One row of the list. ``text`` is what gets exported: the model's or the person's."""

    path: Path
    status: Status = Status.NEW
    caption: Caption | None = None
    text: str = ""
    edited: bool = False
    reviewed: bool = False
    error: str | None = None
    provider: str = ""
    model_name: str = ""
    captioned_at: datetime | None = None
    #: Counts a person's edits, so a result can tell whether it was asked for before one.
    edit_count: int = 0
    edit_count_when_queued: int | None = None
    #: The engine's estimate and reasons for the current caption (see CaptionResult). They
    #: stay after a review or an edit, as information: a blurred photo is still blurred.
    trust: float | None = None
    flags: tuple[Flag, ...] = ()
    #: The text the reader found in the photo (None: not read) and the person's correction
    #: of it (None: not corrected); :attr:`visible_text` is what the alt text uses.
    reader_text: str | None = None
    person_visible_text: str | None = None
    #: The language of the fields above (the first chosen when it was captioned); the
    #: other chosen languages, each edited and reviewed on its own, are in ``others``.
    language: Language = DEFAULT_LANGUAGE
    others: dict[str, LanguageState] = field(default_factory=dict)
    #: Why the caption shows no heatmap yet (restored from the library: maps are being
    #: worked out, or cannot be); '' otherwise. See ``attention_fill.py``.
    attention_note: str = ""
    #: The alt text found in the file itself ('' when none): a person's words, editable.
    alt_text: str = ""

    @property
    def editable(self) -> bool:
        """Has text a person can edit: a caption, or the file's own alt text."""
        return self.caption is not None or bool(self.text)

    @property
    def visible_text(self) -> str | None:
        """The read text as the person corrected it, else as the reader found it."""
        if self.person_visible_text is not None:
            return self.person_visible_text
        return self.reader_text

    def set_visible_text(self, text: str) -> None:
        """A person's correction of the read text. Not a review: the caption may still be
        wrong. Typing back exactly what the reader found drops the correction."""
        self.person_visible_text = None if text == (self.reader_text or "") else text

    @property
    def read_text_language(self) -> str:
        """The language whose library row keeps trust, flags and the read text: English
        (the model's own words) when chosen, else the item's first (cli/rows.py)."""
        return "en" if "en" in self.language_codes else self.language.code

    @property
    def check_reason(self) -> str | None:
        """Why this caption needs a look (None once reviewed or if fine)."""
        if self.reviewed or self.edited:
            return None
        return unsure_reason(self.caption, trust=self.trust, flags=self.flags)

    @property
    def flagged(self) -> bool:
        """Needs a look: flagged by the engine (or the fallback rule) and not yet reviewed."""
        return self.check_reason is not None

    @property
    def engine_flagged(self) -> bool:
        """Carries engine flags and nobody reviewed it: what F8 visits first."""
        return bool(self.flags) and self.flagged

    def _edited_while_queued(self) -> bool:
        queued_at = self.edit_count_when_queued
        return self.edited and queued_at is not None and self.edit_count != queued_at

    def mark_queued(self) -> None:
        self.status = Status.QUEUED
        self.edit_count_when_queued = self.edit_count
        for state in self.others.values():
            state.mark_queued()

    # -- languages ---------------------------------------------------------------------
    @property
    def language_codes(self) -> tuple[str, ...]:
        """Every language this image has a caption (or an edit) in, its own first."""
        return (self.language.code, *self.others)

    def in_language(self, code: str) -> LanguageState:
        """The caption in ``code`` (a copy for the item's own language, whose fields are
        changed through :meth:`set_text` and the review commands; a blank when none)."""
        if code == self.language.code:
            return LanguageState(self.language, self.caption, self.text, self.edited,
                                 self.reviewed, self.model_name, self.edit_count,
                                 self.edit_count_when_queued)
        return self.others.get(code) or LanguageState(language_of(code))

    def state_for_edit(self, code: str) -> LanguageState:
        """The stored state of a further language (made on first use), for edits."""
        if code not in self.others:
            self.others[code] = LanguageState(language_of(code))
        return self.others[code]

    def _take_first_language(self, result: CaptionResult) -> None:
        """Make the fields hold the result's first language (the order chosen in Settings
        may have changed since the last caption); the one they held moves to ``others``."""
        captions = result.captions
        if not captions or captions[0].lang == self.language.code:
            return
        first = captions[0].language
        kept = self.in_language(self.language.code)
        incoming = self.others.pop(first.code, None) or LanguageState(first)
        if kept.caption is not None or kept.text:
            self.others[kept.code] = kept
        self.language = first
        (self.caption, self.text, self.edited, self.reviewed, self.edit_count,
         self.edit_count_when_queued) = (incoming.caption, incoming.text, incoming.edited,
                                         incoming.reviewed, incoming.edit_count,
                                         incoming.edit_count_when_queued)

    def apply(self, result: CaptionResult, model_name: str = "") -> None:
        """Take a fresh engine result. It replaces an edit made before the image was
        queued (re-captioning was asked for), never one typed while it waited: the
        person's words win and the new caption only brings its attention maps."""
        self.provider = result.provider
        self.captioned_at = datetime.now(UTC)
        self._take_first_language(result)
        for entry in result.captions[1:]:
            self.state_for_edit(entry.lang).apply(entry.caption, model_name)
        edited_while_queued = self._edited_while_queued()
        self.edit_count_when_queued = None
        if result.caption is None:
            if edited_while_queued:
                self.status = Status.EDITED
                return
            self.status = Status.ERROR
            self.error = result.error or "unknown error"
            return
        self.caption = result.caption
        self.trust = result.trust
        self.flags = result.flags
        self.reader_text = result.visible_text  # a correction typed earlier stays
        self.model_name = model_name
        self.error = None
        if edited_while_queued:
            self.status = Status.EDITED
            return
        self.text = result.caption.text
        self.edited = False
        self.reviewed = False
        self.status = Status.DONE

    def cancel(self) -> None:
        """The run stopped before this image: an edit typed while it waited stands."""
        edited_while_queued = self._edited_while_queued()
        self.edit_count_when_queued = None
        for state in self.others.values():
            state.cancel()
        self.status = Status.EDITED if edited_while_queued else Status.CANCELLED

    def use_existing(self, text: str) -> None:
        """Show alt text the image already carries; a person wrote it, so it counts as
        reviewed and is exported as it is unless someone re-captions or edits it."""
        self.text = self.alt_text = text
        self.reviewed = True
        self.status = Status.EXISTING

    def use_library(self, text: str, model_text: str | None, score: float | None, *,
                    edited: bool, reviewed: bool, model_name: str,
                    captioned_at: datetime | None, language: Language | None = None,
                    trust: float | None = None, flags: tuple[Flag, ...] = (),
                    reader_text: str | None = None,
                    person_visible_text: str | None = None) -> None:
        """Show what the caption library kept for this (unchanged) photo: no model run.

        The model's words come back without attention maps (the library keeps text, not
        maps), so the heatmap stays empty until the photo is captioned again. ``language``
        is the one the library was asked about (the first chosen). Trust, flags and the
        read text come back too, so F8 and the status bar count treat the photo as they
        did when it was captioned.
        """
        if language is not None:
            self.language = language
        self.trust, self.flags = trust, flags
        self.reader_text, self.person_visible_text = reader_text, person_visible_text
        if model_text:
            words = tuple(model_text.split())
            self.caption = Caption(model_text, words, score or 0.0, 0.0,
                                   np.zeros((len(words), 0, 0), dtype=np.float32))
        self.text = text
        self.edited = edited and text != (model_text or "")
        self.reviewed = reviewed or self.edited
        self.model_name = model_name
        self.captioned_at = captioned_at
        self.provider = "library"
        self.status = Status.EDITED if self.edited else Status.DONE

    def set_text(self, text: str) -> None:
        """Apply a person's edit; editing counts as reviewing. The text it started from
        (the model's caption, else the file's alt text) typed back is no edit."""
        start = self.caption.text if self.caption else self.alt_text
        self.edit_count += 1
        self.text = text
        self.edited = text != start
        self.reviewed = self.edited or self.reviewed
        if self.status in (Status.DONE, Status.EDITED, Status.EXISTING):
            unedited = Status.DONE if self.caption else Status.EXISTING
            self.status = Status.EDITED if self.edited else unedited

    def record(self, order: Sequence[str] | None = None) -> CaptionRecord:
        """The export view of this item.

        ``trust``, like ``score``, is about the model's caption, so it is dropped once a
        person replaced the text; the flags stay (a blurred photo is still blurred).
        ``order`` (the chosen languages' codes, first = the exports' ``x-default``) picks
        and orders the languages written; None: every language the item has, its own
        first. The record's ``caption`` is the first language's. An image that could not
        be captioned carries its error, so its export row says why.
        """
        texts = self._language_texts(order)
        if texts and texts[0].language.code != self.language.code:
            first = texts[0]  # another language leads: the estimator's trust is not its
            return CaptionRecord(
                path=self.path, caption=first.caption, edited=first.edited, score=first.score,
                model=self.model_name, captioned_at=self.captioned_at,
                reviewed=first.reviewed, provider=self.provider, flags=self.flags,
                visible_text=self.visible_text, languages=texts,
            )
        from_model = not self.edited and self.caption is not None
        return CaptionRecord(
            path=self.path,
            caption=self.text,
            edited=self.edited,
            score=None if self.edited or self.caption is None else self.caption.score,
            model=self.model_name,
            captioned_at=self.captioned_at,
            reviewed=self.reviewed or self.edited,
            provider=self.provider,
            trust=self.trust if from_model else None,
            flags=self.flags,
            visible_text=self.visible_text,
            languages=texts,
            error=self.error if self.status is Status.ERROR and not self.text else None,
        )

    def _language_texts(self, order: Sequence[str] | None) -> tuple[LanguageText, ...]:
        """The languages with text, in ``order`` (None: the item's own first)."""
        codes = self.language_codes if order is None else order
        states = [self.in_language(code) for code in codes]
        return tuple(
            LanguageText(s.language, s.text, s.edited, s.reviewed or s.edited, s.score)
            for s in states if s.text
        )


def next_to_review(items: list[ImageItem], current: Path | None) -> ImageItem | None:
    """The next caption nobody has reviewed, after ``current`` and wrapping around.

    Engine-flagged captions come first (they are the likely mistakes), then those only
    the fallback rules find unsure (no words, an unknown word, a low score without a trust
    estimate), then the rest, each group in list order.
    """
    paths = [item.path for item in items]
    start = paths.index(current) if current in paths else -1
    order = items[start + 1 :] + items[: start + 1]
    waiting = [i for i in order if i.caption is not None and not i.reviewed and i.path != current]
    for tier in (lambda i: i.engine_flagged, lambda i: i.flagged):
        found = next((i for i in waiting if tier(i)), None)
        if found is not None:
            return found
    return waiting[0] if waiting else None


def review_summary(items: list[ImageItem]) -> str:
    """The status bar's counts, e.g. ``24 images · 20 captioned · 3 flagged · 5 reviewed``;
    "flagged" counts the captions that still need a look (a review takes one off)."""
    captioned = sum(1 for i in items if i.caption is not None)
    flagged = sum(1 for i in items if i.flagged)
    reviewed = sum(1 for i in items if i.reviewed)
    errors = sum(1 for i in items if i.status is Status.ERROR)
    text = f"{len(items)} images · {captioned} captioned · {flagged} flagged · {reviewed} reviewed"
    return text + (f" · {errors} errors" if errors else "")
