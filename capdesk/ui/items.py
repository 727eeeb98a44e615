"""What the app knows about one image in the list, and when it needs a human look.

Plain Python (no Qt) so the review rules can be tested and reused without a window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from capdesk.domain import Caption, CaptionRecord, CaptionResult

UNSURE_SCORE = -1.5
"""Mean log-probability per word below which the model is guessing (see Caption.score)."""

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


def unsure_reason(caption: Caption | None) -> str | None:
    """Why a caption should be checked first, or None when it looks fine."""
    if caption is None:
        return None
    if not caption.text.strip() or not caption.words:
        return "the model produced no words"
    if any(word.lower() in _FALLBACK_WORDS for word in caption.words):
        return "the model fell back to an unknown word"
    if caption.score < UNSURE_SCORE:
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

    @property
    def check_reason(self) -> str | None:
        """Why this caption is flagged "check this" (None once reviewed or if fine)."""
        if self.reviewed or self.edited:
            return None
        return unsure_reason(self.caption)

    @property
    def flagged(self) -> bool:
        return self.check_reason is not None

    def _edited_while_queued(self) -> bool:
        queued_at = self.edit_count_when_queued
        return self.edited and queued_at is not None and self.edit_count != queued_at

    def mark_queued(self) -> None:
        self.status = Status.QUEUED
        self.edit_count_when_queued = self.edit_count

    def apply(self, result: CaptionResult, model_name: str = "") -> None:
        """Take a fresh engine result. It replaces an edit made before the image was
        queued (re-captioning was asked for), never one typed while it waited: the
        person's words win and the new caption only brings its attention maps."""
        self.provider = result.provider
        self.captioned_at = datetime.now(UTC)
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
        self.status = Status.EDITED if edited_while_queued else Status.CANCELLED

    def use_existing(self, text: str) -> None:
        """Show alt text the image already carries; a person wrote it, so it counts as
        reviewed and is exported as it is unless someone re-captions or edits it."""
        self.text = text
        self.reviewed = True
        self.status = Status.EXISTING

    def set_text(self, text: str) -> None:
        """Apply a person's edit; editing counts as reviewing."""
        model_text = self.caption.text if self.caption else ""
        self.edit_count += 1
        self.text = text
        self.edited = text != model_text
        self.reviewed = self.edited or self.reviewed
        if self.status in (Status.DONE, Status.EDITED, Status.EXISTING):
            self.status = Status.EDITED if self.edited else Status.DONE

    def record(self) -> CaptionRecord:
        """The export view of this item."""
        return CaptionRecord(
            path=self.path,
            caption=self.text,
            edited=self.edited,
            score=None if self.edited or self.caption is None else self.caption.score,
            model=self.model_name,
            captioned_at=self.captioned_at,
            reviewed=self.reviewed or self.edited,
            provider=self.provider,
        )


def next_to_review(items: list[ImageItem], current: Path | None) -> ImageItem | None:
    """The next caption nobody has reviewed, after ``current`` and wrapping around;
    captions flagged "check this" come first, because they are the likely mistakes."""
    paths = [item.path for item in items]
    start = paths.index(current) if current in paths else -1
    order = items[start + 1 :] + items[: start + 1]
    waiting = [i for i in order if i.caption is not None and not i.reviewed and i.path != current]
    return next((i for i in waiting if i.flagged), waiting[0] if waiting else None)


def review_summary(items: list[ImageItem]) -> str:
    """The status bar's counts, e.g. ``24 images · 20 captioned · 3 to check · 5 reviewed``."""
    captioned = sum(1 for i in items if i.caption is not None)
    flagged = sum(1 for i in items if i.flagged)
    reviewed = sum(1 for i in items if i.reviewed)
    errors = sum(1 for i in items if i.status is Status.ERROR)
    text = f"{len(items)} images · {captioned} captioned · {flagged} to check · {reviewed} reviewed"
    return text + (f" · {errors} errors" if errors else "")
