"""``--resume`` end to end: a run SIGKILLed mid-run, then the same command plus --resume.

Every output a run writes is carried on: JSON Lines, CSV (a torn last row is cut, also
one torn inside a quoted line break), the library (photos it recorded are not captioned
again). Afterwards every photo is in the table exactly once, with the captions of an
uninterrupted in-process run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from capdesk.library import Library
from tests.cluster.conftest import PHOTOS
from tests.cluster.runs import captions, run, run_killed

TORN = {".jsonl": '{"path": "torn by the kill', ".csv": '/x/a.jpg,a.jpg,"a caption\r\nwith'}


def _kill_then_resume(model: Path, table: Path, *args: str | Path) -> str:
    """Kill a run after 30 rows, tear its last row, refuse it without --resume, resume."""
    option = "--csv" if table.suffix == ".csv" else "--jsonl"
    full = (*args, option, table)
    partial = run_killed(model, table, 30, *full)
    assert 0 < partial < PHOTOS
    with table.open("a", encoding="utf-8", newline="") as handle:
        handle.write(TORN[table.suffix])  # what a kill in the middle of a write leaves
    again = run(model, *full)
    assert again.returncode == 2, "an existing output is refused without --resume"
    assert "--resume" in again.stderr
    resumed = run(model, *full, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "incomplete last row" in resumed.stderr
    return resumed.stderr


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_workers_resume_after_the_run_was_killed(
        photos: Path, tiny_model_dir: Path, tmp_path: Path, suffix: str,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / f"resumed{suffix}"
    _kill_then_resume(tiny_model_dir, table, photos, "--workers", "2", "--task-size", "5",
                      "--batch", "1")
    assert captions(table) == local_captions


def test_in_process_csv_resumes_after_the_run_was_killed(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / "in_process.csv"
    _kill_then_resume(tiny_model_dir, table, photos, "--batch", "1")
    assert captions(table) == local_captions


def test_resume_with_the_library_skips_what_it_recorded(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table, library = tmp_path / "lib.csv", tmp_path / "lib.sqlite3"
    args = (photos, "--workers", "2", "--task-size", "5", "--batch", "1",
            f"--library={library}")
    _kill_then_resume(tiny_model_dir, table, *args)
    assert captions(table) == local_captions
    with Library.open(library) as opened:
        assert len(opened.lookup(sorted(photos.iterdir()))) == PHOTOS
    # Resumed once more, nothing is left: nothing is captioned or written again.
    before = table.read_bytes()
    done = run(tiny_model_dir, *args, "--csv", table, "--resume", "--model",
               tmp_path / "no-such-model")
    assert done.returncode == 0, done.stderr
    assert "nothing to caption" in done.stderr
    assert table.read_bytes() == before


def test_resume_without_a_file_or_library_is_refused(photos: Path,
                                                     tiny_model_dir: Path) -> None:
    done = run(tiny_model_dir, photos, "--workers", "2", "--resume")
    assert done.returncode == 2
    assert "rows printed on stdout cannot be resumed" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(("name", "text"), [("other.jsonl", "not json\n"),
                                            ("other.csv", "name,size\r\nx,1\r\n")])
def test_resume_refuses_a_file_that_is_not_capdesk_rows(
        photos: Path, tiny_model_dir: Path, tmp_path: Path, name: str, text: str) -> None:
    table = tmp_path / name
    table.write_bytes(text.encode())
    option = "--csv" if name.endswith(".csv") else "--jsonl"
    done = run(tiny_model_dir, photos, "--workers", "2", option, table, "--resume")
    assert done.returncode == 2
    assert "not a capdesk" in done.stderr
    assert table.read_bytes() == text.encode()
