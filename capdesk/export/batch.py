"""The one entry point the app and the CLI call: :func:`export_records`.

Each record is handled on its own: a read-only file, a damaged JPEG or a full disk fails
that record with a message and the batch goes on. Per-image files (alt text, sidecars)
are written first, record by record, with progress and cancellation between records;
the one-file formats (CSV, JSON Lines, HTML) are written last, for the records processed,
so that the HTML can point at the copies actually made. An image that could not be
captioned gets its CSV / JSON Lines row with the error and counts as failed, so the
report says "2 ok, 1 failed" rather than silently leaving it out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from capdesk.domain.records import CaptionRecord
from capdesk.export.alt_text import has_alt_text, write_alt_text
from capdesk.export.atomic import ExportError
from capdesk.export.html_page import write_html
from capdesk.export.options import (
    ExportFormat,
    ExportOptions,
    ExportReport,
    OutcomeStatus,
    RecordOutcome,
)
from capdesk.export.safety import (
    ExportPlan,
    further_languages,
    image_targets,
    not_captioned,
    plan_export,
)
from capdesk.export.sidecars import write_sidecar
from capdesk.export.tables import write_csv, write_jsonl

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each record."""

CancelCheck = Callable[[], bool]
"""Polled before each record; returning True stops the export there."""


def records_without_alt_text(records: Iterable[CaptionRecord]) -> list[CaptionRecord]:
    """The records whose image has no alt text yet (embedded or sidecar).

    For the dialog's "skip images that already have alt text" option, so it can say how
    many will be written before starting; :attr:`ExportOptions.skip_existing_alt_text`
    does the same filtering inside :func:`export_records`.
    """
    return [record for record in records if not has_alt_text(record.path)]


def export_records(
    records: Iterable[CaptionRecord],
    options: ExportOptions,
    *,
    progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> ExportReport:
    """Export ``records`` as ``options`` say; one :class:`RecordOutcome` per record.

    Raises ValueError for inconsistent options, and its subclass
    :class:`~capdesk.export.safety.ExportRefused` when a copy would replace an original
    or an existing file would be replaced without ``options.replace_existing``; both
    before touching anything. Every file-level problem ends up in the report instead.
    Safe to call from a worker thread: it uses no Qt and only calls
    ``progress``/``should_cancel``, which the caller may turn into signals.
    """
    options.validate()
    items = list(records)
    plan = plan_export(items, options)
    plan.check(replace_existing=options.replace_existing)
    total = len(items)
    outcomes: list[RecordOutcome] = []
    processed: list[CaptionRecord] = []
    copies: dict[Path, Path] = {}
    written: dict[Path, tuple[Path, ...]] = {}
    claimed: dict[Path, Path] = {}
    cancelled = False

    setup_error = _prepare_output_dir(options)
    for index, record in enumerate(items):
        if should_cancel is not None and should_cancel():
            cancelled = True
            outcomes.extend(
                RecordOutcome(rest.path, OutcomeStatus.CANCELLED, note="cancelled")
                for rest in items[index:]
            )
            log.info("export cancelled after %d of %d records", index, total)
            break
        if not_captioned(record):  # its row (with the error) is still written below
            outcome = RecordOutcome(
                record.path, OutcomeStatus.FAILED, errors=(f"not captioned: {record.error}",)
            )
        elif setup_error is not None:
            outcome = RecordOutcome(record.path, OutcomeStatus.FAILED, errors=(setup_error,))
        else:
            outcome = _export_one(record, options, claimed, plan)
        outcomes.append(outcome)
        processed.append(record)
        written[record.path] = outcome.written
        for fmt, target in image_targets(record.path, options, further_languages(record)):
            if fmt is ExportFormat.ALT_TEXT and target in outcome.written:
                copies[record.path] = target
        if progress is not None:
            progress(index + 1, total)

    files, errors = _write_tables(processed, options, copies, written)
    report = ExportReport(tuple(outcomes), tuple(files), tuple(errors), cancelled)
    log.info("export finished: %s", report.summary())
    return report


def _prepare_output_dir(options: ExportOptions) -> str | None:
    """Create the output folder if needed; the error text fails every record if it can't."""
    if options.output_dir is None or not options.image_formats:
        return None
    try:
        options.output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create output folder {options.output_dir}: {exc.strerror or exc}"
    return None


def _export_one(
    record: CaptionRecord, options: ExportOptions, claimed: dict[Path, Path], plan: ExportPlan
) -> RecordOutcome:
    """Alt text, then sidecar, for one record; each failure is collected, not raised."""
    if not options.image_formats:
        return RecordOutcome(record.path, OutcomeStatus.OK)
    if record.path in plan.skipped:
        return RecordOutcome(record.path, OutcomeStatus.SKIPPED, note="already has alt text")
    written: list[Path] = []
    errors: list[str] = []
    further = further_languages(record)
    sidecar_languages = iter((None, *further))
    for fmt, planned in image_targets(record.path, options, further):
        try:
            target = _claim(planned, record.path, claimed)
            if fmt is ExportFormat.ALT_TEXT:
                dest = None if options.in_place else target
                written.append(
                    write_alt_text(
                        record.path,
                        record.alt_text,
                        dest=dest,
                        verify_pixels=options.verify_pixels,
                        extended=record.extended_description,
                        languages=language_entries(record),
                    )
                )
            else:
                lang = next(sidecar_languages)
                text = record.alt_text if lang is None else record.alt_text_in(lang)
                written.append(
                    write_sidecar(
                        record.path,
                        text or "",
                        options.sidecar_extension,
                        folder=target.parent,
                        lang=lang,
                    )
                )
        except ExportError as exc:
            errors.append(f"{fmt.value}: {exc}")
            log.warning("%s: %s failed: %s", record.path, fmt.value, exc)
        except Exception as exc:  # a bug or a native-library surprise must not stop the batch
            errors.append(f"{fmt.value}: unexpected error: {exc}")
            log.exception("%s: %s failed unexpectedly", record.path, fmt.value)
    if errors:
        return RecordOutcome(record.path, OutcomeStatus.FAILED, tuple(written), tuple(errors))
    return RecordOutcome(record.path, OutcomeStatus.OK, tuple(written))


def language_entries(record: CaptionRecord) -> list[tuple[str, str]]:
    """(xml:lang, alt text) of every language of a record for the lang-alt entries; none
    for an English-only record, which keeps the ``x-default``-only form it always had."""
    texts = record.texts
    if [entry.language.code for entry in texts] in ([], ["en"]):
        return []
    entries = [(e.language.xml_lang, record.alt_text_in(e.language.code) or "") for e in texts]
    return [(lang, text) for lang, text in entries if text]


def _claim(target: Path, source: Path, claimed: dict[Path, Path]) -> Path:
    """Refuse to let two different images write the same file in one export.

    ``a/photo.jpg`` and ``b/photo.jpg`` copied into one folder, or ``photo.jpg`` and
    ``photo.png`` both wanting ``photo.txt``, would silently overwrite each other.
    """
    key = target.absolute()
    owner = claimed.setdefault(key, source.absolute())
    if owner != source.absolute():
        raise ExportError(f"{target.name} is already written for another image ({owner.name})")
    return target


def _write_tables(
    records: list[CaptionRecord],
    options: ExportOptions,
    copies: dict[Path, Path],
    written: dict[Path, tuple[Path, ...]],
) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    errors: list[str] = []
    for fmt in options.table_formats:
        dest = options.table_path(fmt)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if fmt is ExportFormat.CSV:
                files.append(write_csv(records, dest, bom=options.csv_bom, written=written))
            elif fmt is ExportFormat.JSONL:
                files.append(write_jsonl(records, dest, written=written))
            else:
                files.append(
                    write_html(
                        [r for r in records if not not_captioned(r)],
                        dest,
                        mode=options.html_mode,
                        title=options.html_title,
                        images=copies,
                    )
                )
        except (ExportError, OSError) as exc:
            errors.append(f"{fmt.value}: {exc}")
            log.warning("could not write %s: %s", dest, exc)
    return files, errors
