"""One row per image: CSV (RFC 4180) for spreadsheets and JSON Lines for scripts.

The one writer of each format. The app's export and ``capdesk caption`` both use them, so
a script reading capdesk's rows sees the same fields, in the same order and of the same
types (:data:`ROW_FIELDS`, docs/EXPORT.md) whoever wrote them. :class:`CsvWriter` and
:class:`JsonlWriter` write row by row to an open stream (the command line prints each
image's row as soon as it is captioned); :func:`write_csv` / :func:`write_jsonl` write a
whole list through :func:`~capdesk.export.atomic.atomic_write_bytes`, so a half-written
table never replaces a good one. The readers give back the same :class:`CaptionRecord`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from capdesk.domain.flags import Flag
from capdesk.domain.languages import KNOWN_LANGUAGES, Language, find_language
from capdesk.domain.records import CaptionRecord, LanguageText
from capdesk.domain.results import CaptionResult
from capdesk.export.atomic import ExportError, atomic_write_bytes

log = logging.getLogger(__name__)

ROW_FIELDS = (
    "path",
    "file_name",
    "caption",
    "edited",
    "score",
    "model",
    "time",
    "reviewed",
    "provider",
    "milliseconds",
    "error",
    "written",
    "trust",
    "flags",
    "visible_text",
    "alt_text",
    "languages",
    *(
        f"{name}_{lang.code}"
        for lang in KNOWN_LANGUAGES[1:]
        for name in ("caption", "alt_text", "edited", "reviewed", "score")
    ),
)
"""Field order of every row, CSV header and JSON object alike; fixed so scripts can rely
on it. The first seven are the original app columns, the rest were added after (new ones
always at the end). The unsuffixed caption columns are English; ``languages`` lists the
languages written, in order (the first is the images' ``x-default``); every other known
language has its own ``caption_zh``, ``alt_text_zh``, ``edited_zh``, ``reviewed_zh``,
``score_zh`` (null / empty when that language was not written), so the header is the
same whichever languages a run chose."""
FURTHER_LANGUAGES: tuple[Language, ...] = KNOWN_LANGUAGES[1:]

CSV_COLUMNS = ROW_FIELDS
_REQUIRED = ("path", "file_name", "caption", "edited", "score", "model", "time")

_BOM = "\ufeff"
#: A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
#: injection"); file names come from wherever the photos came from, so text cells that
#: start with one get a leading apostrophe, which spreadsheets show as plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Several files written for one image share a CSV cell, one per line.
_WRITTEN_SEPARATOR = "\n"

Written = Mapping[Path, Sequence[Path]]
"""The files an export wrote for each image (its copy, its sidecar), by image path."""


def path_text(path: Path) -> str:
    """A printable path even when the file name is not valid UTF-8 (bytes become \\xNN).

    ``str(path)`` keeps such bytes as lone surrogates, which UTF-8 cannot encode: one odd
    name from a camera card would otherwise fail the whole table.
    """
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def _score(score: float | None) -> float | None:
    return None if score is None or math.isnan(score) else float(score)


def _milliseconds(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 1)


def _time_text(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def record_to_json(record: CaptionRecord, written: Sequence[Path] = ()) -> dict[str, Any]:
    """The row of one record as a JSON object, keys in :data:`ROW_FIELDS` order.

    ``caption`` is null for an image that could not be captioned (``error`` says why);
    ``score``, ``milliseconds``, ``time``, ``error`` and ``trust`` are null when unknown;
    ``written`` lists the files this export wrote for the image; ``flags`` the reasons to
    check the caption, each ``{"code", "message"}`` (in CSV one ``code: message`` a line);
    ``visible_text`` the text read in the photo (null: not read) and ``alt_text`` what an
    alt-text export writes: the caption, then " Text: " and the read text as far as it fits
    (null for a failed image). ``caption``, ``edited``, ``score`` and ``alt_text`` are the
    English caption's (null / false when English was not written); ``languages`` and the
    ``*_zh`` … columns are described at :data:`ROW_FIELDS`.
    """
    failed = record.error is not None and not record.caption
    english = record.text_in("en")
    row: dict[str, Any] = {
        "path": path_text(record.path),
        "file_name": path_text(Path(record.path.name)),
        "caption": None if failed or english is None else english.caption,
        "edited": english.edited if english is not None else False,
        "score": _score(english.score if english is not None else None),
        "model": record.model,
        "time": _time_text(record.captioned_at) or None,
        "reviewed": english.reviewed if english is not None else False,
        "provider": record.provider,
        "milliseconds": _milliseconds(record.milliseconds),
        "error": record.error,
        "written": [path_text(p) for p in written],
        "trust": None if record.trust is None else round(float(record.trust), 4),
        "flags": [flag.to_dict() for flag in record.flags],
        "visible_text": record.visible_text,
        "alt_text": None if failed or english is None else record.alt_text_in("en"),
        "languages": [entry.language.code for entry in record.texts],
    }
    for lang in FURTHER_LANGUAGES:
        entry = record.text_in(lang.code)
        known = entry is not None and not failed
        row[f"caption_{lang.code}"] = entry.caption if known and entry else None
        row[f"alt_text_{lang.code}"] = record.alt_text_in(lang.code) if known else None
        row[f"edited_{lang.code}"] = entry.edited if known and entry else None
        row[f"reviewed_{lang.code}"] = entry.reviewed if known and entry else None
        row[f"score_{lang.code}"] = _score(entry.score) if known and entry else None
    return row


def _flag_line(flag: Mapping[str, str]) -> str:
    return f"{flag['code']}: {flag['message']}"


def _flags(value: Any) -> tuple[Flag, ...]:
    """Flags from a JSON list of objects or a CSV cell of ``code: message`` lines."""
    if not value:
        return ()
    if isinstance(value, str):
        pairs = [line.partition(": ") for line in value.split(_WRITTEN_SEPARATOR) if line]
        return tuple(Flag(code.strip(), message.strip()) for code, _, message in pairs)
    return tuple(Flag(str(item["code"]), str(item["message"])) for item in value)


def result_record(result: CaptionResult, model: str) -> CaptionRecord:
    """The row of one engine result: the caption, or the error and an empty caption.

    The one place a result becomes a row, for ``capdesk caption`` in process and for the
    workers of ``--workers``/``--cluster``, so both give the same fields.
    """
    caption = result.caption
    languages = tuple(
        LanguageText(entry.language, entry.text, score=entry.score) for entry in result.captions
    )
    return CaptionRecord(
        path=result.path,
        caption=caption.text if caption is not None else "",
        score=caption.score if caption is not None else None,
        model=model if caption is not None else "",
        captioned_at=datetime.now(UTC) if caption is not None else None,
        provider=result.provider,
        milliseconds=result.milliseconds if caption is not None else None,
        error=None if caption is not None else (result.error or "unknown error"),
        trust=result.trust,
        flags=result.flags,
        visible_text=result.visible_text,
        languages=languages if caption is not None else (),
    )


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def read_text_cell(text: str) -> str:
    """A CSV text cell as written, without the apostrophe the formula guard added."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _csv_cells(record: CaptionRecord, written: Sequence[Path]) -> list[str]:
    row = record_to_json(record, written)
    cells = []
    for name in ROW_FIELDS:
        value = row[name]
        if isinstance(value, bool):
            cells.append("true" if value else "false")
        elif isinstance(value, float):
            cells.append(repr(value))  # numbers stay numbers: no formula guard needed
        elif value is None:
            cells.append("")
        elif name == "languages":
            cells.append(",".join(value))
        elif isinstance(value, list):
            lines = [_flag_line(v) if isinstance(v, dict) else str(v) for v in value]
            cells.append(_text_cell(_WRITTEN_SEPARATOR.join(lines)))
        else:
            cells.append(_text_cell(str(value)))
    return cells


class CsvWriter:
    """Writes the header, then one CSV row per :meth:`write_row`, to an open text stream.

    CRLF line ends and quotes only where RFC 4180 needs them; open the stream with
    ``newline=""``. ``bom`` starts the stream with U+FEFF, which Excel needs to open
    UTF-8 (é, 漢字) correctly by double click; other programs are fine without it, hence
    off by default. Text cells a spreadsheet would run as a formula get a leading
    apostrophe (``read_csv`` takes it off again). Each row is flushed, so a reader
    following the file (or a killed run) sees every finished image.
    """

    def __init__(self, stream: TextIO, *, bom: bool = False, header: bool = True) -> None:
        self._stream = stream
        self._csv = csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        if bom:
            stream.write(_BOM)
        if header:  # False: appending to a table that has one (--resume)
            self._csv.writerow(ROW_FIELDS)
        stream.flush()

    def write_row(self, record: CaptionRecord, written: Sequence[Path] = ()) -> None:
        self._csv.writerow(_csv_cells(record, written))
        self._stream.flush()


class JsonlWriter:
    """Writes one compact JSON object per :meth:`write_row` to an open text stream.

    UTF-8 characters are kept as they are (not ``\\u`` escapes); each line is flushed.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write_row(self, record: CaptionRecord, written: Sequence[Path] = ()) -> None:
        self._stream.write(json.dumps(record_to_json(record, written), ensure_ascii=False))
        self._stream.write("\n")
        self._stream.flush()


def csv_text(
    records: Iterable[CaptionRecord], *, bom: bool = False, written: Written | None = None
) -> str:
    """The whole CSV document as text (see :class:`CsvWriter`)."""
    buffer = io.StringIO(newline="")
    writer = CsvWriter(buffer, bom=bom)
    for record in records:
        writer.write_row(record, (written or {}).get(record.path, ()))
    return buffer.getvalue()


def jsonl_text(records: Iterable[CaptionRecord], *, written: Written | None = None) -> str:
    """The whole JSON Lines document as text (see :class:`JsonlWriter`)."""
    buffer = io.StringIO()
    writer = JsonlWriter(buffer)
    for record in records:
        writer.write_row(record, (written or {}).get(record.path, ()))
    return buffer.getvalue()


def write_csv(
    records: Iterable[CaptionRecord],
    dest: Path,
    *,
    bom: bool = False,
    written: Written | None = None,
) -> Path:
    """Write :func:`csv_text` to ``dest`` atomically (UTF-8) and return ``dest``."""
    atomic_write_bytes(dest, csv_text(records, bom=bom, written=written).encode("utf-8"))
    log.info("wrote CSV %s", dest)
    return dest


def write_jsonl(
    records: Iterable[CaptionRecord], dest: Path, *, written: Written | None = None
) -> Path:
    """Write :func:`jsonl_text` to ``dest`` atomically and return ``dest``."""
    atomic_write_bytes(dest, jsonl_text(records, written=written).encode("utf-8"))
    log.info("wrote JSON Lines %s", dest)
    return dest


def read_csv(source: Path) -> list[CaptionRecord]:
    """Records from a CSV written by :func:`write_csv` (with or without BOM).

    A CSV from before the later columns existed reads too; they get their defaults.
    """
    text = source.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = set(_REQUIRED) - set(reader.fieldnames or ())
    if missing:
        raise ExportError(f"{source} is not a capdesk CSV: missing {sorted(missing)}")
    return [
        _record(
            {
                name: read_text_cell(value) if isinstance(value, str) else value
                for name, value in row.items()
            }
        )
        for row in reader
    ]


def read_jsonl(source: Path) -> list[CaptionRecord]:
    """Records from a JSON Lines file written by :func:`write_jsonl`; blank lines skipped."""
    records = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(_record(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ExportError(f"{source}:{number}: not a capdesk record ({exc})") from exc
    return records


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _number(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _record(row: Mapping[str, Any]) -> CaptionRecord:
    """A record from one parsed row, CSV (all strings) or JSON (typed)."""
    time = row.get("time") or ""
    languages = _languages(row)
    first = languages[0] if languages else None
    return CaptionRecord(
        path=Path(row["path"]),
        caption=first.caption if first else row["caption"] or "",
        edited=first.edited if first else _flag(row.get("edited", False)),
        score=first.score if first else _number(row.get("score")),
        model=row.get("model") or "",
        captioned_at=datetime.fromisoformat(time) if time else None,
        reviewed=first.reviewed if first else _flag(row.get("reviewed", False)),
        provider=row.get("provider") or "",
        milliseconds=_number(row.get("milliseconds")),
        error=row.get("error") or None,
        trust=_number(row.get("trust")),
        flags=_flags(row.get("flags")),
        visible_text=_visible_text(row),
        languages=languages,
    )


def _languages(row: Mapping[str, Any]) -> tuple[LanguageText, ...]:
    """The per-language captions of a row ((): a row from before languages, or one
    naming only English, whose English columns are the record's own fields)."""
    value = row.get("languages") or ()
    codes = [c.strip() for c in value.split(",")] if isinstance(value, str) else list(value)
    if codes in ([], ["en"]):
        return ()
    texts = []
    for code in codes:
        lang = find_language(code) or Language.from_mapping({"code": code})
        suffix = "" if code == "en" else f"_{code}"
        texts.append(
            LanguageText(
                lang,
                str(row.get(f"caption{suffix}") or ""),
                edited=_flag(row.get(f"edited{suffix}", False)),
                reviewed=_flag(row.get(f"reviewed{suffix}", False)),
                score=_number(row.get(f"score{suffix}")),
            )
        )
    return tuple(texts)


def _visible_text(row: Mapping[str, Any]) -> str | None:
    """JSON null / a missing column: not read; in CSV an empty cell is "not read" too, so
    "read, nothing found" does not survive a CSV round trip (it is rare and means the same
    to a reader). ``alt_text`` is not read back: it is composed again from caption + text."""
    value = row.get("visible_text")
    return None if value is None or value == "" else str(value)
