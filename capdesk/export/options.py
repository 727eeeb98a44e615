"""What an export should do (:class:`ExportOptions`) and what it did (:class:`ExportReport`).

Frozen dataclasses: the Export dialog builds the options on the GUI thread and hands them
to a worker; the report travels back the same way. Nothing here touches the disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from capdesk.export.html_page import HtmlMode
from capdesk.export.sidecars import SIDECAR_EXTENSIONS, SidecarExtension


class ExportFormat(StrEnum):
    """The formats one export can produce; values are the CLI spellings."""

    CSV = "csv"
    JSONL = "jsonl"
    SIDECAR = "sidecar"
    HTML = "html"
    ALT_TEXT = "alt-text"


def parse_formats(values: str | Iterable[str | ExportFormat]) -> frozenset[ExportFormat]:
    """``"alt-text,csv"`` or ``["alt-text", "csv"]`` -> a set of :class:`ExportFormat`.

    For CLI flags and dialog check boxes; raises ValueError naming the known formats.
    """
    items = values.split(",") if isinstance(values, str) else values
    try:
        return frozenset(ExportFormat(str(item).strip()) for item in items if str(item).strip())
    except ValueError as exc:
        known = ", ".join(f.value for f in ExportFormat)
        raise ValueError(f"unknown export format ({exc}); known: {known}") from exc


TABLE_FORMATS = frozenset({ExportFormat.CSV, ExportFormat.JSONL, ExportFormat.HTML})
"""Formats written once per export (one file for all records)."""

IMAGE_FORMATS = frozenset({ExportFormat.SIDECAR, ExportFormat.ALT_TEXT})
"""Formats written once per image."""

_SUFFIXES = {
    ExportFormat.CSV: (".csv",),
    ExportFormat.JSONL: (".jsonl", ".ndjson"),
    ExportFormat.HTML: (".html", ".htm"),
}


@dataclass(frozen=True)
class ExportOptions:
    """Everything the Export dialog or the CLI decides.

    ``formats``: any of :class:`ExportFormat` (strings like ``"alt-text"`` are accepted).
    ``destination``: where the CSV/JSONL/HTML go: a folder (files named
    ``<basename>.csv`` etc.), or a file path when exactly one of those formats is chosen
    and its extension matches. Defaults to ``output_dir`` when that is set.
    ``output_dir``: None writes alt text into the originals and sidecars next to them
    ("in place"); a folder gets copies of the images carrying the alt text, and the
    sidecars, instead; originals are then only read.
    ``skip_existing_alt_text``: leave images alone that already have alt text (embedded
    or a sidecar), so a person's earlier text is never overwritten; a record the person
    edited (``edited``, e.g. that alt text corrected in the app) is written all the same.
    ``verify_pixels``: decode before and after embedding and refuse to save on any
    difference; costs two decodes per image, worth it for someone's photos.
    ``replace_existing``: allow replacing files that already exist (a CSV, sidecars,
    earlier copies); without it such an export is refused before anything is written
    (:mod:`capdesk.export.safety`). Copies over the originals are refused either way.
    """

    formats: frozenset[ExportFormat]
    destination: Path | None = None
    output_dir: Path | None = None
    sidecar_extension: SidecarExtension = "txt"
    csv_bom: bool = False
    html_mode: HtmlMode = "page"
    html_title: str = "Captions"
    basename: str = "captions"
    skip_existing_alt_text: bool = False
    verify_pixels: bool = True
    replace_existing: bool = False

    def __post_init__(self) -> None:
        # Accept plain strings too (``{"csv"}``, ``"alt-text,csv"``): callers from the CLI
        # have strings, and a typo should fail here with the list of known formats.
        object.__setattr__(self, "formats", parse_formats(self.formats))
        for name in ("destination", "output_dir"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))

    @property
    def in_place(self) -> bool:
        """True when images are changed where they are (no output folder)."""
        return self.output_dir is None

    @property
    def table_formats(self) -> list[ExportFormat]:
        """The chosen one-file-per-export formats, in a fixed order."""
        return [
            f
            for f in (ExportFormat.CSV, ExportFormat.JSONL, ExportFormat.HTML)
            if f in self.formats
        ]

    @property
    def image_formats(self) -> list[ExportFormat]:
        """The chosen per-image formats, in the order they are written."""
        return [f for f in (ExportFormat.ALT_TEXT, ExportFormat.SIDECAR) if f in self.formats]

    def table_path(self, fmt: ExportFormat) -> Path:
        """The file ``fmt`` (CSV, JSONL or HTML) is written to."""
        folder = self.destination if self.destination is not None else self.output_dir
        if folder is None:
            raise ValueError(f"{fmt.value} export needs a destination file or folder")
        if folder.suffix.lower() in _SUFFIXES[fmt]:
            return folder
        return folder / f"{self.basename}{_SUFFIXES[fmt][0]}"

    def validate(self) -> None:
        """Raise ValueError with a sentence for the user if the options don't fit together."""
        if not self.formats:
            raise ValueError("choose at least one export format")
        if self.sidecar_extension not in SIDECAR_EXTENSIONS:
            raise ValueError(
                f"sidecar extension must be txt or caption, not {self.sidecar_extension!r}"
            )
        tables = self.table_formats
        if tables and self.destination is None and self.output_dir is None:
            raise ValueError(f"{', '.join(f.value for f in tables)} export needs a destination")
        dest = self.destination
        if dest is not None and dest.suffix and not dest.is_dir():
            matching = [f for f in tables if dest.suffix.lower() in _SUFFIXES[f]]
            if len(tables) != 1 or not matching:
                raise ValueError(
                    f"destination {dest.name} is a file name; give a folder when exporting "
                    f"{', '.join(f.value for f in tables) or 'no table format'}"
                )


class OutcomeStatus(StrEnum):
    """How one record fared."""

    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RecordOutcome:
    """The result for one record: which files were written, or why not."""

    path: Path
    status: OutcomeStatus
    written: tuple[Path, ...] = ()
    errors: tuple[str, ...] = ()
    note: str = ""

    @property
    def message(self) -> str:
        """One line for a log, a table cell or the CLI."""
        if self.status is OutcomeStatus.FAILED:
            return "; ".join(self.errors)
        return self.note or self.status.value


@dataclass(frozen=True)
class ExportReport:
    """Per-record outcomes (same order as the input) plus the table files written."""

    outcomes: tuple[RecordOutcome, ...]
    files: tuple[Path, ...] = ()
    errors: tuple[str, ...] = ()
    cancelled: bool = False

    def count(self, status: OutcomeStatus) -> int:
        """How many records ended with ``status``."""
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    @property
    def failed(self) -> list[RecordOutcome]:
        """The records that failed, for the dialog's error list."""
        return [o for o in self.outcomes if o.status is OutcomeStatus.FAILED]

    @property
    def ok(self) -> bool:
        """True when nothing failed and the export was not cancelled."""
        return not self.cancelled and not self.errors and not self.failed

    def summary(self) -> str:
        """A one-line account such as ``"12 ok, 1 skipped, 2 failed"``."""
        parts = [
            f"{self.count(status)} {status.value}"
            for status in OutcomeStatus
            if self.count(status) or status is OutcomeStatus.OK
        ]
        if self.errors:
            parts.append(f"{len(self.errors)} file error(s)")
        return ", ".join(parts)
