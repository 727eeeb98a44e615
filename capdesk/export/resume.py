"""``--resume``: carry on a table (JSON Lines or CSV) a stopped run left, each photo once.

The file is appended to, never rewritten: ``--resume`` is the explicit request to add to
an existing output (without it or ``--replace`` capdesk refuses, as everywhere). A run
killed mid-write can leave a last row cut short; that row is incomplete, so it is cut
off (its photo is captioned again) before anything is appended. Any other row that is
not a capdesk row stops the run: it is not our file to change.

Where a row ends: in JSON Lines at a newline; in CSV at a CRLF that is outside quotes.
:class:`~capdesk.export.tables.CsvWriter` quotes every cell holding a line break and
doubles the quotes inside a cell, so "outside quotes" is "after an even number of ``"``".
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from capdesk.export.tables import ROW_FIELDS, read_text_cell

log = logging.getLogger(__name__)

class ResumeError(ValueError):
    """The existing output cannot be resumed (not capdesk rows)."""


@dataclass(frozen=True)
class Resumed:
    """What a stopped run left in a table.

    ``done``: the ``path`` text of every complete row. ``needs_header``: the CSV is empty
    (the run was killed before its header was on disk), so the header is written first.
    ``keep``: the bytes of complete rows, when a torn row follows them (None: none does);
    :func:`cut_torn_row` cuts it once the run is sure to go ahead.
    """

    done: frozenset[str]
    needs_header: bool = False
    keep: int | None = None


def resume_table(table: Path, *, csv_format: bool) -> Resumed:
    """Read ``table`` back, leaving it as it is; a missing file has nothing done."""
    if not table.exists():
        return Resumed(frozenset(), needs_header=csv_format)
    data = table.read_bytes()
    end = _csv_end(data) if csv_format else data.rfind(b"\n") + 1
    keep = end if end < len(data) else None
    if csv_format:
        rows = _csv_rows(table, data[:end])
        return Resumed(rows.done, rows.needs_header, keep)
    return Resumed(_jsonl_rows(table, data[:end]), keep=keep)


def cut_torn_row(table: Path, resumed: Resumed) -> None:
    """Cut the incomplete last row a stopped run left (its photo is captioned again)."""
    if resumed.keep is None or not table.exists():
        return
    log.warning("%s: dropping an incomplete last row (%d bytes) left by a stopped run",
                table, table.stat().st_size - resumed.keep)
    with table.open("r+b") as handle:
        handle.truncate(resumed.keep)
        handle.flush()
        os.fsync(handle.fileno())


def _jsonl_rows(table: Path, data: bytes) -> frozenset[str]:
    done: set[str] = set()
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            done.add(str(row["path"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ResumeError(f"{table} line {number} is not a capdesk row; "
                              "name another file or use --replace") from exc
    return frozenset(done)


def _csv_end(data: bytes) -> int:
    """Bytes up to the end of the last complete CSV row (CRLF outside quotes)."""
    quotes = 0
    end = 0
    for index, byte in enumerate(data):
        if byte == 0x22:  # '"'
            quotes += 1
        elif byte == 0x0A and quotes % 2 == 0 and index > 0 and data[index - 1] == 0x0D:
            end = index + 1
    return end


def _csv_rows(table: Path, data: bytes) -> Resumed:
    if not data.strip():
        return Resumed(frozenset(), needs_header=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ResumeError(f"{table} is not a capdesk CSV (not UTF-8); name another file "
                          "or use --replace") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if tuple(header) != ROW_FIELDS:  # appended rows must line up with its columns
        raise ResumeError(f"{table} is not a capdesk CSV with today's columns; name "
                          "another file or use --replace")
    column = header.index("path")
    done: set[str] = set()
    for number, row in enumerate(reader, 2):
        if not row:
            continue
        if len(row) != len(header):
            raise ResumeError(f"{table} row {number} has {len(row)} cells, not "
                              f"{len(header)}; name another file or use --replace")
        done.add(read_text_cell(row[column]))
    return Resumed(frozenset(done))
