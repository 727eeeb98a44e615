"""CSV (RFC 4180) and JSON Lines: exact bytes where it matters, and round trips."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    CSV_COLUMNS,
    ExportError,
    csv_text,
    read_csv,
    read_jsonl,
    write_csv,
    write_jsonl,
)

RECORDS = [
    CaptionRecord(
        Path("/photos/a dog.jpg"),
        'A dog, running; on the "beach"',
        edited=True,
        score=-0.4123456789,
        model="capdesk-lite0",
        captioned_at=datetime(2026, 11, 23, 1, 45, 0, tzinfo=UTC),
    ),
    CaptionRecord(Path("/photos/été/crème.png"), "Café crème 漢字 😀\nsecond line", score=None),
    CaptionRecord(
        Path("C:/x/=cmd.webp"),
        "=1+1",
        score=-1.5,
        captioned_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
    ),
]


def test_csv_header_line_ends_and_quoting() -> None:
    text = csv_text(RECORDS)
    assert text.startswith("path,file_name,caption,edited,score,model,time\r\n")
    assert text.endswith("\r\n")
    assert '"A dog, running; on the ""beach"""' in text
    assert '"Café crème 漢字 😀\nsecond line"' in text  # embedded LF quoted, not translated
    assert text.split("\r\n")[1].split(",")[-1] == "2026-11-23T01:45:00+00:00"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1][1] == "a dog.jpg" and rows[1][3] == "true" and rows[2][4] == ""


@pytest.mark.parametrize("bom", [False, True])
def test_csv_round_trip(tmp_path: Path, bom: bool) -> None:
    dest = write_csv(RECORDS, tmp_path / "captions.csv", bom=bom)
    raw = dest.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfpath,") == bom
    assert "漢字".encode() in raw
    assert read_csv(dest) == RECORDS


def test_csv_cells_a_spreadsheet_would_run_are_defused() -> None:
    """OWASP CSV injection: text cells starting = + - @ TAB CR get an apostrophe."""
    records = [
        CaptionRecord(Path("/in/=HYPERLINK(x).jpg"), "@SUM(A1)", score=-0.5, model="-m"),
        CaptionRecord(Path("/in/+1.jpg"), "\tcaption", score=-2.0),
        CaptionRecord(Path("/in/plain.jpg"), "a dog - running = fun", score=-0.25),
    ]
    rows = list(csv.reader(io.StringIO(csv_text(records), newline="")))
    assert rows[1][1] == "'=HYPERLINK(x).jpg" and rows[1][2] == "'@SUM(A1)"
    assert rows[1][5] == "'-m"
    assert rows[1][4] == "-0.5"  # numbers stay numbers
    assert rows[2][1] == "'+1.jpg" and rows[2][2] == "'\tcaption"
    assert rows[3][1:3] == ["plain.jpg", "a dog - running = fun"]
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@"))


def test_csv_that_is_not_ours(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="missing"):
        read_csv(other)


def test_jsonl_round_trip_and_shape(tmp_path: Path) -> None:
    dest = write_jsonl(RECORDS, tmp_path / "captions.jsonl")
    lines = dest.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(RECORDS)
    first = json.loads(lines[0])
    assert first == {
        "path": "/photos/a dog.jpg",
        "file_name": "a dog.jpg",
        "caption": 'A dog, running; on the "beach"',
        "edited": True,
        "score": -0.4123456789,
        "model": "capdesk-lite0",
        "time": "2026-11-23T01:45:00+00:00",
    }
    assert "漢字" in lines[1]  # not \\u escapes
    assert json.loads(lines[1])["score"] is None
    assert read_jsonl(dest) == RECORDS


def test_jsonl_bad_line_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"path": "a.jpg", "caption": "x"}\n\nnot json\n', encoding="utf-8")
    with pytest.raises(ExportError, match=r"bad.jsonl:3"):
        read_jsonl(bad)


def test_empty_exports(tmp_path: Path) -> None:
    assert read_csv(write_csv([], tmp_path / "e.csv")) == []
    assert read_jsonl(write_jsonl([], tmp_path / "e.jsonl")) == []
