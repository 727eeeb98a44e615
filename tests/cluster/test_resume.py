"""Reading back what a stopped run wrote: complete rows count, a torn last one is cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from capdesk.cluster.resume import ResumeError, done_paths
from capdesk.cluster.runner import batches_of


def test_a_torn_last_row_is_cut_and_the_rest_kept(tmp_path: Path) -> None:
    table = tmp_path / "rows.jsonl"
    table.write_bytes(b'{"path": "a.jpg"}\n{"path": "b.jpg"}\n{"path": "c.j')
    assert done_paths(table) == {"a.jpg", "b.jpg"}
    assert table.read_bytes() == b'{"path": "a.jpg"}\n{"path": "b.jpg"}\n'


def test_a_missing_file_has_nothing_done(tmp_path: Path) -> None:
    assert done_paths(tmp_path / "none.jsonl") == set()


def test_a_file_of_other_rows_is_refused_and_left_alone(tmp_path: Path) -> None:
    table = tmp_path / "other.jsonl"
    table.write_text('{"name": "x"}\n', encoding="utf-8")
    with pytest.raises(ResumeError):
        done_paths(table)
    assert table.read_text(encoding="utf-8") == '{"name": "x"}\n'


def test_batches_cover_every_path_once_in_order() -> None:
    paths = [Path(f"{i}.jpg") for i in range(10)]
    batches = batches_of(paths, 4)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [p for b in batches for p in b] == [str(p) for p in paths]
