"""One row of ``capdesk caption`` output: export it (when asked), tell the library, write it.

Shared by the in-process run (:mod:`capdesk.cli.caption`) and the ``--workers`` /
``--cluster`` run (:mod:`capdesk.cli.distributed`), so both write the same rows the same way.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from capdesk.cli.progress import Progress
from capdesk.domain import CaptionRecord, Language, LanguageText, parse_language_list
from capdesk.engine import load_spec
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


def chosen_languages(args: argparse.Namespace) -> tuple[Language, ...] | None:
    """``--lang`` checked against the model folder's languages before anything runs
    (None: not given, the model's default). Raises ModelError or LanguageError."""
    text = getattr(args, "lang", None)
    if not text:
        return None
    return parse_language_list(text, available=load_spec(args.model).languages)


def language_codes(languages: Sequence[Language] | None) -> tuple[str, ...] | None:
    return None if languages is None else tuple(lang.code for lang in languages)


def planned_records(paths: Sequence[Path], languages: Sequence[Language] | None
                    ) -> list[CaptionRecord]:
    """Empty records for the export plan, naming the languages so that every language's
    sidecar is checked (exists, clashes) before the model is loaded."""
    texts = tuple(LanguageText(lang, "") for lang in languages or ())
    return [CaptionRecord(path, "", languages=texts) for path in paths]


def record_in_library(library: Library, record: CaptionRecord, model_hash: str) -> None:
    """Store the model's caption of ``record`` in the library, one row per language.

    Trust, flags and the read text (issue 18) are what the engine said about the photo and
    the model's own words, so they go on one row only: English's (the model's), or the first
    language's when English was not chosen; the other languages' rows keep none.
    """
    texts = record.texts
    codes = [entry.language.code for entry in texts]
    owner = codes.index("en") if "en" in codes else 0
    for index, entry in enumerate(texts):
        said = index == owner
        library.record_caption(record.path, entry.caption, score=entry.score,
                               model_name=record.model, model_hash=model_hash,
                               lang=entry.language.code, captioned_at=record.captioned_at,
                               trust=record.trust if said else None,
                               flags=[f.code for f in record.flags] if said else (),
                               visible_text=record.visible_text if said else None)


def known_records(library: Library, paths: Sequence[Path],
                  languages: Sequence[Language] | None) -> dict[Path, CaptionRecord]:
    """The photos the library has captioned, unchanged, in every chosen language, as rows
    (the default, English only, as before languages)."""
    if not languages or [lang.code for lang in languages] == ["en"]:
        return {path: known.to_record() for path, known in library.lookup(paths).items()}
    found = [library.lookup(paths, lang=lang.code) for lang in languages]
    rows: dict[Path, CaptionRecord] = {}
    for path in paths:
        entries = [known.get(path) for known in found]
        if any(entry is None for entry in entries):
            continue
        first = entries[0].to_record()  # type: ignore[union-attr]
        texts = tuple(
            LanguageText(lang, entry.text, entry.edited, entry.reviewed, entry.score)
            for lang, entry in zip(languages, entries, strict=True) if entry is not None
        )
        rows[path] = replace(first, languages=texts)
    return rows
