"""What the library gives back: a known caption, per-folder counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from capdesk.domain.flags import FLAG_MESSAGES, Flag, make_flag
from capdesk.domain.records import CaptionRecord

LIBRARY_PROVIDER = "library"
"""The ``provider`` of a row whose caption came from the library, not from a model run
(``capdesk caption --library`` skipped the photo); its ``milliseconds`` is null."""


class KnownCaption(NamedTuple):
    """One image's caption in one language as the library holds it.

    A NamedTuple, not a dataclass: opening a 10,000-photo folder builds one per photo,
    and a frozen dataclass's __init__ costs several times more.
    """

    path: Path
    image_id: int
    lang: str = "en"
    model_text: str | None = None
    score: float | None = None
    model_name: str = ""
    model_hash: str = ""
    captioned_at: str | None = None
    person_text: str | None = None
    edited: bool = False
    reviewed: bool = False
    reviewed_at: str | None = None
    #: What the engine said about the model's caption (docs/TRUST.md): its trust estimate
    #: and flag codes; the text read in the photo (None: not read) and a person's
    #: correction of it (None: not edited).
    trust: float | None = None
    flag_codes: tuple[str, ...] = ()
    visible_text: str | None = None
    person_visible_text: str | None = None

    @property
    def text(self) -> str:
        """The person's words when they edited it, else the model's."""
        if self.edited and self.person_text is not None:
            return self.person_text
        return self.model_text or ""

    @property
    def text_in_photo(self) -> str | None:
        """The read text as the person corrected it, else as the reader found it."""
        if self.person_visible_text is not None:
            return self.person_visible_text
        return self.visible_text

    @property
    def flags(self) -> tuple[Flag, ...]:
        """The stored codes with today's messages; a code this capdesk does not know (a
        newer one wrote the file) is left out rather than failing the whole folder."""
        return tuple(make_flag(code) for code in self.flag_codes if code in FLAG_MESSAGES)

    def to_record(self, provider: str = LIBRARY_PROVIDER) -> CaptionRecord:
        """The export row of this caption (:data:`capdesk.export.tables.ROW_FIELDS`)."""
        return CaptionRecord(
            path=self.path,
            caption=self.text,
            edited=self.edited,
            score=self.score,
            model=self.model_name,
            captioned_at=datetime.fromisoformat(self.captioned_at) if self.captioned_at else None,
            reviewed=self.reviewed,
            provider=provider,
            trust=None if self.edited else self.trust,
            flags=self.flags,
            visible_text=self.text_in_photo,
        )


@dataclass(frozen=True)
class FolderCounts:
    """How much of one folder the library knows: the "Library" view's row."""

    folder: str
    images: int
    captioned: int
    edited: int
    reviewed: int
    exported: int
