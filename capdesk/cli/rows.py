"""One row of ``capdesk caption`` output: export it (when asked), tell the library, write it.

Shared by the in-process run (:mod:`capdesk.cli.caption`) and the ``--workers`` /
``--cluster`` run (:mod:`capdesk.cli.distributed`), so both write the same rows the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from capdesk.cli.progress import Progress
from capdesk.domain import CaptionRecord
from capdesk.export import CsvWriter, ExportOptions, JsonlWriter, export_records, path_text
from capdesk.library import Library


def write_row(record: CaptionRecord, exports: ExportOptions | None, progress: Progress,
              writer: CsvWriter | JsonlWriter, library: Library | None) -> None:
    """Export (when asked) and write one row; the library hears of the export first."""
    written: tuple[Path, ...] = ()
    if exports is not None and record.error is None and record.caption:
        record, written = _export(record, exports, progress)
        if library is not None and written:
            library.record_export([record.path], exports.output_dir or "in place",
                                  sorted(f.value for f in exports.formats))
    writer.write_row(record, written)


def manifest_hash(directory: Path) -> str:
    """sha256 of the model's manifest.json: which model made a caption, exactly."""
    try:
        return hashlib.sha256((directory / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return ""


def _export(record: CaptionRecord, options: ExportOptions,
            progress: Progress) -> tuple[CaptionRecord, tuple[Path, ...]]:
    """Write this image's alt text / sidecar now, so an interrupted run keeps what is done.

    A failure is reported on stderr and in the row's ``error`` (the caption stays).
    """
    outcome = export_records([record], options).outcomes[0]
    if outcome.errors:
        message = "; ".join(outcome.errors)
        progress.message(f"capdesk: {path_text(record.path)}: not written: {message}")
        return replace(record, error=f"not written: {message}"), outcome.written
    return record, outcome.written
