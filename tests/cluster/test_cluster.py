"""``capdesk caption --workers`` / ``--cluster local`` end to end, with a worker killed.

Real child processes, the tiny random-weights model and 200 small generated photos; a
worker is killed with SIGKILL mid-run and the output must still hold every photo exactly
once, with the captions an in-process run gives. (The same at 2,000 photos:
scripts/cluster_scale_check.py, docs/SCALING.md.)
"""

from __future__ import annotations

from pathlib import Path

from capdesk.cluster.runner import batches_of
from capdesk.library import Library
from tests.cluster.conftest import needs_dask
from tests.cluster.runs import captions, rows, run, run_killing_a_worker
from tests.conftest import write_photo


def test_batches_cover_every_path_once_in_order() -> None:
    paths = [Path(f"{i}.jpg") for i in range(10)]
    batches = batches_of(paths, 4)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert [p for b in batches for p in b] == [str(p) for p in paths]


def test_workers_match_the_in_process_run(photos: Path, tiny_model_dir: Path, tmp_path: Path,
                                          local_captions: dict[str, object]) -> None:
    table = tmp_path / "w2.jsonl"
    done = run(tiny_model_dir, photos, "--workers", "2", "--task-size", "16",
               "--jsonl", table)
    assert done.returncode == 0, done.stderr
    assert captions(table) == local_captions


def test_workers_survive_a_killed_worker(photos: Path, tiny_model_dir: Path, tmp_path: Path,
                                         local_captions: dict[str, object]) -> None:
    table = tmp_path / "killed.jsonl"
    run_killing_a_worker(tiny_model_dir, table, 20, photos, "--workers", "2",
                         "--task-size", "5", "--batch", "1")
    assert captions(table) == local_captions


@needs_dask
def test_dask_local_cluster_matches_the_in_process_run(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / "dask.jsonl"
    done = run(tiny_model_dir, photos, "--cluster", "local", "--task-size", "16",
               "--jsonl", table)
    assert done.returncode == 0, done.stderr
    assert captions(table) == local_captions


@needs_dask
def test_dask_local_cluster_survives_a_killed_worker(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / "dask_killed.jsonl"
    run_killing_a_worker(tiny_model_dir, table, 20, photos, "--cluster", "local",
                         "--workers", "2", "--task-size", "5", "--batch", "1")
    assert captions(table) == local_captions


def test_workers_record_into_the_library_and_skip_what_it_has(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    pictures = [write_photo(folder / f"p{i}.jpg", size=(32, 24), seed=i) for i in range(6)]
    library = tmp_path / "lib.sqlite3"
    first = run(tiny_model_dir, folder, "--workers", "2", "--task-size", "2",
                f"--library={library}", "--jsonl", tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    with Library.open(library) as opened:
        assert set(opened.lookup(pictures)) == set(pictures)
    second = run(tiny_model_dir, folder, "--workers", "2", f"--library={library}",
                 "--jsonl", tmp_path / "second.jsonl")
    assert second.returncode == 0, second.stderr
    found = rows(tmp_path / "second.jsonl")
    assert [r["provider"] for r in found] == ["library"] * 6
    assert captions(tmp_path / "second.jsonl") == captions(tmp_path / "first.jsonl")
    assert "6 photos already in the library" in second.stderr


def test_nothing_to_do_loads_no_model_and_starts_no_workers(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    """Every photo in the library: no model is read (a missing one is no error), exit 0."""
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(4):
        write_photo(folder / f"p{i}.jpg", size=(32, 24), seed=i)
    library = tmp_path / "lib.sqlite3"
    first = run(tiny_model_dir, folder, "--workers", "2", f"--library={library}",
                "--jsonl", tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    for how in (("--workers", "2"), ("--cluster", "local")):
        table = tmp_path / f"again{how[0]}.jsonl"
        again = run(tiny_model_dir, folder, *how, "--model", tmp_path / "no-such-model",
                    f"--library={library}", "--jsonl", table)
        assert again.returncode == 0, again.stderr
        assert "nothing to caption" in again.stderr
        assert captions(table) == captions(tmp_path / "first.jsonl")


def test_read_text_is_refused_rather_than_left_out(photos: Path, tiny_model_dir: Path,
                                                   tmp_path: Path) -> None:
    table = tmp_path / "text.jsonl"
    done = run(tiny_model_dir, photos, "--workers", "2", "--read-text", "--jsonl", table)
    assert done.returncode == 2
    assert "--read-text runs in process only" in done.stderr
    assert not table.exists()
