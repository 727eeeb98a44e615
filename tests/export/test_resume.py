"""Reading back what a stopped run wrote: complete rows count, a torn last one is cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from capdesk.domain import CaptionRecord
from capdesk.domain.flags import Flag
from capdesk.export import Resumed, ResumeError, csv_text, cut_torn_row, resume_table


def _cut(table: Path, *, csv_format: bool) -> Resumed:
    """Read back, then cut the torn row, as a resumed run does before appending."""
    resumed = resume_table(table, csv_format=csv_format)
    cut_torn_row(table, resumed)
    return resumed


def test_a_torn_last_row_is_cut_and_the_rest_kept(tmp_path: Path) -> None:
    table = tmp_path / "rows.jsonl"
    torn = b'{"path": "a.jpg"}\n{"path": "b.jpg"}\n{"path": "c.j'
    table.write_bytes(torn)
    assert resume_table(table, csv_format=False).done == {"a.jpg", "b.jpg"}
    assert table.read_bytes() == torn, "reading alone changes nothing (the run may refuse)"
    assert _cut(table, csv_format=False).done == {"a.jpg", "b.jpg"}
    assert table.read_bytes() == b'{"path": "a.jpg"}\n{"path": "b.jpg"}\n'


def test_a_missing_file_has_nothing_done(tmp_path: Path) -> None:
    assert resume_table(tmp_path / "none.jsonl", csv_format=False).done == set()
    missing = resume_table(tmp_path / "none.csv", csv_format=True)
    assert missing.done == set() and missing.needs_header


def test_a_file_of_other_rows_is_refused_and_left_alone(tmp_path: Path) -> None:
    table = tmp_path / "other.jsonl"
    table.write_text('{"name": "x"}\n', encoding="utf-8")
    with pytest.raises(ResumeError):
        resume_table(table, csv_format=False)
    assert table.read_text(encoding="utf-8") == '{"name": "x"}\n'


def _tricky_rows() -> list[CaptionRecord]:
    """Cells CSV must quote: line breaks in flags, quotes and commas, a formula start."""
    return [
        CaptionRecord(Path("/p/a.jpg"), 'a "dog", running',
                      flags=(Flag("blurry", "soft"), Flag("dark", "under\r\nexposed"))),
        CaptionRecord(Path("/p/=b.jpg"), "two\nlines"),
        CaptionRecord(Path("/p/c.jpg"), "plain"),
    ]


def test_a_csv_keeps_every_complete_row_and_cuts_a_torn_one(tmp_path: Path) -> None:
    text = csv_text(_tricky_rows()).encode("utf-8")
    table = tmp_path / "rows.csv"
    table.write_bytes(text)
    complete = resume_table(table, csv_format=True)
    assert complete.done == {"/p/a.jpg", "/p/=b.jpg", "/p/c.jpg"}
    assert not complete.needs_header and table.read_bytes() == text
    last = text.rindex(b"/p/c.jpg")
    for cut in range(last - 30, len(text) - 1):  # every torn end inside the last rows
        table.write_bytes(text[:cut])
        done = _cut(table, csv_format=True).done
        kept = table.read_bytes()
        assert text.startswith(kept) and kept.endswith(b"\r\n"), cut
        assert done <= {"/p/a.jpg", "/p/=b.jpg"}, cut


def test_a_csv_cut_inside_a_quoted_line_break_drops_that_row(tmp_path: Path) -> None:
    text = csv_text(_tricky_rows()).encode("utf-8")
    table = tmp_path / "rows.csv"
    inside = text.index(b"under\r\n") + len(b"under\r\n")  # CRLF inside quotes: not an end
    table.write_bytes(text[:inside])
    assert _cut(table, csv_format=True).done == set()
    assert table.read_bytes() == text[:text.index(b"\r\n") + 2]  # the header stays


def test_an_empty_or_torn_header_csv_gets_a_header(tmp_path: Path) -> None:
    table = tmp_path / "rows.csv"
    table.write_bytes(b"path,file_na")
    resumed = _cut(table, csv_format=True)
    assert resumed.needs_header and resumed.done == set()
    assert table.read_bytes() == b""


def test_a_csv_with_other_columns_is_refused_and_left_alone(tmp_path: Path) -> None:
    table = tmp_path / "other.csv"
    table.write_bytes(b"name,size\r\nx,1\r\n")
    with pytest.raises(ResumeError, match="not a capdesk CSV"):
        resume_table(table, csv_format=True)
    assert table.read_bytes() == b"name,size\r\nx,1\r\n"
