"""Export captions: tables, sidecars, an HTML page, and alt text inside the images.

No Qt, torch or ONNX Runtime here (import-linter enforces it), so the CLI, the app's
worker thread and tests all call the same code.

Batch entry point (what the CLI and the Export dialog use)::

    from capdesk.export import ExportOptions, export_records

    options = ExportOptions(
        formats=parse_formats("alt-text,sidecar,csv"),  # ExportFormat values
        output_dir=None,            # None: write into the originals ("--in-place");
                                    # a folder: copies carrying the alt text ("--out DIR")
        destination=Path("out"),    # folder (or single file) for csv / jsonl / html
        sidecar_extension="txt",    # or "caption"
        csv_bom=False,              # True for Excel
        skip_existing_alt_text=False,
    )
    report = export_records(records, options, progress=on_progress, should_cancel=is_cancelled)
    for outcome in report.failed:
        print(outcome.path, outcome.message)

``export_records`` raises ValueError only for options that don't fit together (call
``options.validate()`` in the dialog to show the sentence early). Everything that goes
wrong with a file lands in the :class:`ExportReport`: one :class:`RecordOutcome` per
record (``ok``, ``skipped``, ``failed`` with messages, ``cancelled``) plus table errors.

Single-purpose helpers, for the dialog and scripts:

* :func:`check_alt_text` -> list of :class:`AltTextWarning` (empty, over 125 / 250
  characters, starts with "image of"...); :func:`trim_alt_text` keeps whole words;
  :func:`strip_redundant_prefix` removes "A photo of".
* :func:`read_alt_text` -> the image's existing alt text (IPTC alt text, else
  dc:description, else a ``.txt``/``.caption`` sidecar) or None;
  :func:`records_without_alt_text` filters a batch by it;
  :func:`read_header_alt_text` gives the same answer from the metadata block alone
  (what the app uses to show a folder's existing alt text).
* :func:`write_alt_text`, :func:`write_sidecar`, :func:`write_csv`, :func:`write_jsonl`,
  :func:`write_html` for one format at a time; :func:`read_csv`, :func:`read_jsonl` to
  read exports back. :class:`CsvWriter` and :class:`JsonlWriter` write the same rows
  one at a time to an open stream (the CLI streams as it captions); :data:`ROW_FIELDS`
  is the one row schema of both.
* :func:`plan_export` -> :class:`ExportPlan`: which originals would change (and how many
  of those captions are unreviewed), which existing files would be replaced, and whether
  a copy would land on an original (refused). ``export_records`` checks it too and
  raises :class:`ExportRefused`; :func:`default_destination` keeps the dialog's default
  out of the photos' own folder. :func:`unreviewed_flagged` lists the flagged captions
  nobody reviewed (the dialog asks before exporting them; :func:`flagged_message` words it).

Every file is written atomically (temporary file in the same folder, fsync, rename), so
an interrupted export never leaves a half-written photo. See docs/EXPORT.md.
"""

from capdesk.export.alt_text import (
    SUPPORTED_SUFFIXES,
    embed_alt_text,
    has_alt_text,
    read_alt_text,
    read_alt_texts,
    read_embedded_alt_text,
    read_embedded_alt_texts,
    read_embedded_extended_description,
    supports_embedding,
    write_alt_text,
)
from capdesk.export.atomic import ExportError, atomic_write_bytes
from capdesk.export.batch import (
    CancelCheck,
    ProgressCallback,
    export_records,
    records_without_alt_text,
)
from capdesk.export.checks import (
    MAX_LENGTH,
    RECOMMENDED_LENGTH,
    AltTextIssue,
    AltTextWarning,
    check_alt_text,
    strip_redundant_prefix,
    trim_alt_text,
)
from capdesk.export.html_page import html_text, write_html
from capdesk.export.metadata_block import read_header_alt_text, read_header_alt_texts
from capdesk.export.options import (
    ExportFormat,
    ExportOptions,
    ExportReport,
    OutcomeStatus,
    RecordOutcome,
    parse_formats,
)
from capdesk.export.resume import Resumed, ResumeError, cut_torn_row, resume_table
from capdesk.export.safety import (
    COPY_FOLDER_NAME,
    ExportPlan,
    ExportRefused,
    default_destination,
    flagged_message,
    not_captioned,
    onto_photos,
    plan_export,
    unreviewed_flagged,
)
from capdesk.export.sidecars import read_sidecar, sidecar_path, write_sidecar
from capdesk.export.tables import (
    CSV_COLUMNS,
    ROW_FIELDS,
    CsvWriter,
    JsonlWriter,
    csv_text,
    jsonl_text,
    path_text,
    read_csv,
    read_jsonl,
    record_to_json,
    result_record,
    write_csv,
    write_jsonl,
)
from capdesk.export.xmp import texts_by_language

__all__ = [
    "COPY_FOLDER_NAME",
    "CSV_COLUMNS",
    "MAX_LENGTH",
    "RECOMMENDED_LENGTH",
    "ROW_FIELDS",
    "SUPPORTED_SUFFIXES",
    "AltTextIssue",
    "AltTextWarning",
    "CancelCheck",
    "CsvWriter",
    "ExportError",
    "ExportFormat",
    "ExportOptions",
    "ExportPlan",
    "ExportRefused",
    "ExportReport",
    "JsonlWriter",
    "OutcomeStatus",
    "ProgressCallback",
    "RecordOutcome",
    "ResumeError",
    "Resumed",
    "atomic_write_bytes",
    "check_alt_text",
    "csv_text",
    "cut_torn_row",
    "default_destination",
    "embed_alt_text",
    "export_records",
    "flagged_message",
    "has_alt_text",
    "html_text",
    "jsonl_text",
    "not_captioned",
    "onto_photos",
    "parse_formats",
    "path_text",
    "plan_export",
    "read_alt_text",
    "read_alt_texts",
    "read_csv",
    "read_embedded_alt_text",
    "read_embedded_alt_texts",
    "read_embedded_extended_description",
    "read_header_alt_text",
    "read_header_alt_texts",
    "read_jsonl",
    "read_sidecar",
    "record_to_json",
    "records_without_alt_text",
    "result_record",
    "resume_table",
    "sidecar_path",
    "strip_redundant_prefix",
    "supports_embedding",
    "texts_by_language",
    "trim_alt_text",
    "unreviewed_flagged",
    "write_alt_text",
    "write_csv",
    "write_html",
    "write_jsonl",
    "write_sidecar",
]
