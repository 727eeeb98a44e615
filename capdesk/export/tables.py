"""One row per image: CSV (RFC 4180) for spreadsheets and JSON Lines for scripts.

Both are written in one go through :func:`~capdesk.export.atomic.atomic_write_bytes`, so
a half-written table never replaces a good one. The readers exist so an export can be
checked or re-imported; they give back the same :class:`CaptionRecord` values.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from capdesk.domain.records import CaptionRecord
from capdesk.export.atomic import ExportError, atomic_write_bytes

log = logging.getLogger(__name__)

CSV_COLUMNS = ("path", "file_name", "caption", "edited", "score", "model", "time")
"""Column order of the CSV header, fixed so spreadsheets and scripts can rely on it."""

_BOM = "\ufeff"
#: A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV
#: injection"); file names come from wherever the photos came from, so text cells that
#: start with one get a leading apostrophe, which spreadsheets show as plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _score_text(score: float | None) -> str:
    if score is None or math.isnan(score):
        return ""
    return repr(float(score))


def _time_text(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


def _text_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _read_text_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def csv_text(records: Iterable[CaptionRecord], *, bom: bool = False) -> str:
    """The CSV document as text: header, CRLF line ends, quotes only where RFC 4180 needs.

    ``bom`` prepends U+FEFF, which Excel needs to open UTF-8 (é, 漢字) correctly by double
    click; other programs handle the file fine without it, hence off by default. Text
    cells that a spreadsheet would run as a formula are written with a leading apostrophe
    (``read_csv`` takes it off again); the score and time columns are numbers and dates.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(
            [
                _text_cell(str(record.path)),
                _text_cell(record.path.name),
                _text_cell(record.caption),
                "true" if record.edited else "false",
                _score_text(record.score),
                _text_cell(record.model),
                _time_text(record.captioned_at),
            ]
        )
    return (_BOM if bom else "") + buffer.getvalue()


def write_csv(records: Iterable[CaptionRecord], dest: Path, *, bom: bool = False) -> Path:
    """Write :func:`csv_text` to ``dest`` atomically (UTF-8) and return ``dest``."""
    atomic_write_bytes(dest, csv_text(records, bom=bom).encode("utf-8"))
    log.info("wrote CSV %s", dest)
    return dest


def read_csv(source: Path) -> list[CaptionRecord]:
    """Records from a CSV written by :func:`write_csv` (with or without BOM)."""
    text = source.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise ExportError(f"{source} is not a capdesk CSV: missing {sorted(missing)}")
    return [
        _record(
            path=_read_text_cell(row["path"]),
            caption=_read_text_cell(row["caption"]),
            edited=row["edited"].strip().lower() in {"true", "1", "yes"},
            score=row["score"],
            model=_read_text_cell(row["model"]),
            time=row["time"],
        )
        for row in reader
    ]


def record_to_json(record: CaptionRecord) -> dict[str, Any]:
    """The JSON object of one record; ``score`` is null when absent, time is ISO 8601."""
    score = None if record.score is None or math.isnan(record.score) else float(record.score)
    return {
        "path": str(record.path),
        "file_name": record.path.name,
        "caption": record.caption,
        "edited": record.edited,
        "score": score,
        "model": record.model,
        "time": _time_text(record.captioned_at) or None,
    }


def jsonl_text(records: Iterable[CaptionRecord]) -> str:
    """One compact JSON object per line, UTF-8 characters kept as they are (not ``\\u`` escapes)."""
    return "".join(
        json.dumps(record_to_json(record), ensure_ascii=False) + "\n" for record in records
    )


def write_jsonl(records: Iterable[CaptionRecord], dest: Path) -> Path:
    """Write :func:`jsonl_text` to ``dest`` atomically and return ``dest``."""
    atomic_write_bytes(dest, jsonl_text(records).encode("utf-8"))
    log.info("wrote JSON Lines %s", dest)
    return dest


def read_jsonl(source: Path) -> list[CaptionRecord]:
    """Records from a JSON Lines file written by :func:`write_jsonl`; blank lines skipped."""
    records = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            records.append(
                _record(
                    path=item["path"],
                    caption=item["caption"],
                    edited=bool(item.get("edited", False)),
                    score=item.get("score"),
                    model=item.get("model") or "",
                    time=item.get("time") or "",
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ExportError(f"{source}:{number}: not a capdesk record ({exc})") from exc
    return records


def _record(
    *, path: str, caption: str, edited: bool, score: str | float | None, model: str, time: str
) -> CaptionRecord:
    value = None if score is None or score == "" else float(score)
    return CaptionRecord(
        path=Path(path),
        caption=caption,
        edited=edited,
        score=value,
        model=model,
        captioned_at=datetime.fromisoformat(time) if time else None,
    )
