"""CSV (RFC 4180) and JSON Lines: exact bytes where it matters, and round trips."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    CSV_COLUMNS,
    ROW_FIELDS,
    CsvWriter,
    ExportError,
    JsonlWriter,
    csv_text,
    jsonl_text,
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
    assert text.startswith(
        "path,file_name,caption,edited,score,model,time,"
        "reviewed,provider,milliseconds,error,written,trust,flags,visible_text,alt_text,"
        "languages,caption_zh,alt_text_zh,edited_zh,reviewed_zh,score_zh,caption_de,"
        "alt_text_de,edited_de,reviewed_de,score_de,caption_ar,alt_text_ar,edited_ar,"
        "reviewed_ar,score_ar\r\n"
    )
    assert text.endswith("\r\n")
    assert '"A dog, running; on the ""beach"""' in text
    assert '"Café crème 漢字 😀\nsecond line"' in text  # embedded LF quoted, not translated
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][6] == "2026-11-23T01:45:00+00:00"
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
        "reviewed": False,
        "provider": "",
        "milliseconds": None,
        "error": None,
        "written": [],
        "trust": None,
        "flags": [],
        "visible_text": None,
        "alt_text": 'A dog, running; on the "beach"',
        "languages": ["en"],
        **{f"{name}_{code}": None for code in ("zh", "de", "ar")
           for name in ("caption", "alt_text", "edited", "reviewed", "score")},
    }
    assert list(first) == list(ROW_FIELDS)
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


FAILED = CaptionRecord(Path("/in/broken.jpg"), "", error="file is truncated", provider="cpu")
DONE = CaptionRecord(
    Path("/in/ok.jpg"), "A cat", score=-0.25, model="m", provider="cpu", milliseconds=12.345,
    reviewed=True, captioned_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
)


def test_streaming_writers_give_the_same_bytes_as_whole_exports(tmp_path: Path) -> None:
    """The CLI streams rows; the app writes a list. One writer each: same bytes."""
    written = {DONE.path: (tmp_path / "ok.jpg", tmp_path / "ok.txt")}
    stream = io.StringIO(newline="")
    csv_rows = CsvWriter(stream, bom=True)
    assert stream.getvalue() == "\ufeff" + ",".join(ROW_FIELDS) + "\r\n"  # header at once
    lines = io.StringIO()
    json_rows = JsonlWriter(lines)
    for record in (DONE, FAILED):
        csv_rows.write_row(record, written.get(record.path, ()))
        json_rows.write_row(record, written.get(record.path, ()))
    assert stream.getvalue() == csv_text([DONE, FAILED], bom=True, written=written)
    assert lines.getvalue() == jsonl_text([DONE, FAILED], written=written)


def test_one_schema_for_failures_and_later_fields(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in
            write_jsonl([DONE, FAILED], tmp_path / "r.jsonl").read_text("utf-8").splitlines()]
    assert [list(row) for row in rows] == [list(ROW_FIELDS)] * 2
    assert rows[0]["milliseconds"] == 12.3 and rows[0]["reviewed"] is True
    assert rows[0]["provider"] == "cpu" and rows[0]["error"] is None
    assert rows[1]["caption"] is None and rows[1]["error"] == "file is truncated"
    assert rows[1]["score"] is None and rows[1]["time"] is None
    back = read_jsonl(tmp_path / "r.jsonl")
    assert back[1].error == "file is truncated" and back[1].caption == ""
    assert back[0] == replace(DONE, milliseconds=12.3)
    csv_back = read_csv(write_csv([DONE, FAILED], tmp_path / "r.csv"))
    assert csv_back == back


def test_old_csv_without_the_later_columns_still_reads(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("path,file_name,caption,edited,score,model,time\r\n"
                   "/a.jpg,a.jpg,A dog,false,-0.5,m,\r\n", encoding="utf-8")
    assert read_csv(old) == [CaptionRecord(Path("/a.jpg"), "A dog", score=-0.5, model="m")]


def test_undecodable_file_names_do_not_fail_the_table(tmp_path: Path) -> None:
    odd = Path(os.fsdecode(b"/in/caf\xe9.jpg"))  # Latin-1 name from an old camera card
    text = csv_text([CaptionRecord(odd, "A cafe")])
    assert "/in/caf\\xe9.jpg" in text
    assert json.loads(write_jsonl([CaptionRecord(odd, "x")], tmp_path / "o.jsonl")
                      .read_text("utf-8"))["file_name"] == "caf\\xe9.jpg"


def test_trust_and_flags_round_trip_in_both_formats(tmp_path: Path) -> None:
    from capdesk.domain import make_flag

    record = CaptionRecord(
        Path("/photos/blurry.jpg"),
        "A man in a room.",
        score=-0.7,
        trust=0.123456,
        flags=(make_flag("blurred"), make_flag("low_confidence")),
    )
    row = json.loads(jsonl_text([record]))
    assert row["trust"] == 0.1235
    assert [f["code"] for f in row["flags"]] == ["blurred", "low_confidence"]
    assert all(f["message"] for f in row["flags"])
    expected = replace(record, trust=0.1235)
    assert read_jsonl(write_jsonl([record], tmp_path / "r.jsonl")) == [expected]
    assert read_csv(write_csv([record], tmp_path / "r.csv")) == [expected]
    text = csv_text([record])
    assert "blurred: The photo looks blurred" in text


def test_visible_text_and_composed_alt_text_round_trip(tmp_path: Path) -> None:
    text = "-TAN WOON YANN\nBOOK TA.K (TAMAN DAYA)\n" + "TOTAL 12.00 " * 30
    record = CaptionRecord(Path("/photos/receipt.jpg"), "A receipt.", visible_text=text)
    row = json.loads(jsonl_text([record]))
    assert row["visible_text"] == text
    assert row["alt_text"].startswith("A receipt. Text: -TAN WOON YANN, BOOK TA.K (TAMAN DAYA),")
    assert row["alt_text"].endswith("…") and len(row["alt_text"]) <= 250
    assert record.extended_description == text.strip()
    assert read_jsonl(write_jsonl([record], tmp_path / "t.jsonl")) == [record]
    assert read_csv(write_csv([record], tmp_path / "t.csv")) == [record]  # "-" formula guard
    failed = CaptionRecord(Path("/photos/x.jpg"), "", error="cannot read image")
    assert json.loads(jsonl_text([failed]))["alt_text"] is None
