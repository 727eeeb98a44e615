"""``capdesk caption --workers`` / ``--cluster local`` / ``--resume`` end to end, with kills.

Real child processes, the tiny random-weights model and 200 small generated photos; a
worker (or the whole run) is killed with SIGKILL mid-run and the output must still hold
every photo exactly once, with the captions an in-process run gives.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capdesk.library import Library
from tests.conftest import write_photo

PHOTOS = 200
needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed not installed (the capdesk[cluster] extra); "
    "put it on PYTHONPATH to run the --cluster tests",
)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    for i in range(PHOTOS):
        write_photo(folder / f"photo{i:03d}.jpg", size=(40, 30), seed=i)
    return folder


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "capdesk", "caption", *map(str, args)]


def _env(model: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "CAPDESK_MODEL_DIR": str(model)}


def _run(model: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), capture_output=True, text=True, env=_env(model),
                          timeout=300, check=False)


def _rows(table: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in table.read_text(encoding="utf-8").splitlines()]


def _captions(table: Path) -> dict[str, object]:
    rows = _rows(table)
    paths = [str(r["path"]) for r in rows]
    assert len(paths) == len(set(paths)), "a photo appears twice"
    return {str(r["path"]): r["caption"] for r in rows}


@pytest.fixture(scope="module")
def local_captions(photos: Path, tiny_model_dir: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What the plain in-process run writes: the reference for every other run."""
    table = tmp_path_factory.mktemp("local") / "local.jsonl"
    done = _run(tiny_model_dir, photos, "--jsonl", table)
    assert done.returncode == 0, done.stderr
    captions = _captions(table)
    assert len(captions) == PHOTOS
    return captions


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc: no psutil needed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _worker_pids(pid: int) -> list[int]:
    """The worker processes (multiprocessing spawn children, not its resource tracker)."""
    pids = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            pids.append(child)
    return pids


def _wait_rows(table: Path, process: subprocess.Popen[str], at_least: int) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if table.exists() and table.read_bytes().count(b"\n") >= at_least:
            return
        time.sleep(0.01)
    raise AssertionError(f"no {at_least} rows while the run was going: {process.poll()}")


def _run_killing_a_worker(model: Path, table: Path, *args: str | Path) -> None:
    process = subprocess.Popen(_command(*args, "--jsonl", table), env=_env(model),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_rows(table, process, 20)
        workers = _worker_pids(process.pid)
        assert workers, "no worker process found to kill"
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=300)
    finally:
        process.kill()
    assert process.returncode == 0, stderr


def test_workers_match_the_in_process_run(photos: Path, tiny_model_dir: Path, tmp_path: Path,
                                          local_captions: dict[str, object]) -> None:
    table = tmp_path / "w2.jsonl"
    done = _run(tiny_model_dir, photos, "--workers", "2", "--task-size", "16",
                "--jsonl", table)
    assert done.returncode == 0, done.stderr
    assert _captions(table) == local_captions


def test_workers_survive_a_killed_worker(photos: Path, tiny_model_dir: Path, tmp_path: Path,
                                         local_captions: dict[str, object]) -> None:
    table = tmp_path / "killed.jsonl"
    _run_killing_a_worker(tiny_model_dir, table, photos, "--workers", "2",
                          "--task-size", "5", "--batch", "1")
    assert _captions(table) == local_captions


def test_resume_after_the_run_was_killed(photos: Path, tiny_model_dir: Path, tmp_path: Path,
                                         local_captions: dict[str, object]) -> None:
    table = tmp_path / "resumed.jsonl"
    args = (photos, "--workers", "2", "--task-size", "5", "--batch", "1", "--jsonl", table)
    process = subprocess.Popen(_command(*args), env=_env(tiny_model_dir),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        _wait_rows(table, process, 30)  # type: ignore[arg-type]
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    partial = len(_rows(table))
    assert 0 < partial < PHOTOS
    with table.open("a", encoding="utf-8") as handle:
        handle.write('{"path": "torn by the kill')  # what a kill mid-write leaves
    again = _run(tiny_model_dir, *args)
    assert again.returncode == 2, "an existing output is refused without --resume"
    resumed = _run(tiny_model_dir, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _captions(table) == local_captions


def test_resume_refuses_a_file_that_is_not_capdesk_rows(photos: Path, tiny_model_dir: Path,
                                                        tmp_path: Path) -> None:
    table = tmp_path / "other.jsonl"
    table.write_text("not json\n", encoding="utf-8")
    done = _run(tiny_model_dir, photos, "--workers", "2", "--jsonl", table, "--resume")
    assert done.returncode == 2
    assert table.read_text(encoding="utf-8") == "not json\n"


@needs_dask
def test_dask_local_cluster_matches_the_in_process_run(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / "dask.jsonl"
    done = _run(tiny_model_dir, photos, "--cluster", "local", "--task-size", "16",
                "--jsonl", table)
    assert done.returncode == 0, done.stderr
    assert _captions(table) == local_captions


@needs_dask
def test_dask_local_cluster_survives_a_killed_worker(
        photos: Path, tiny_model_dir: Path, tmp_path: Path,
        local_captions: dict[str, object]) -> None:
    table = tmp_path / "dask_killed.jsonl"
    _run_killing_a_worker(tiny_model_dir, table, photos, "--cluster", "local", "--workers",
                          "2", "--task-size", "5", "--batch", "1")
    assert _captions(table) == local_captions


def test_workers_record_into_the_library_and_skip_what_it_has(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    pictures = [write_photo(folder / f"p{i}.jpg", size=(32, 24), seed=i) for i in range(6)]
    library = tmp_path / "lib.sqlite3"
    first = _run(tiny_model_dir, folder, "--workers", "2", "--task-size", "2",
                 f"--library={library}", "--jsonl", tmp_path / "first.jsonl")
    assert first.returncode == 0, first.stderr
    with Library.open(library) as opened:
        assert set(opened.lookup(pictures)) == set(pictures)
    second = _run(tiny_model_dir, folder, "--workers", "2", f"--library={library}",
                  "--jsonl", tmp_path / "second.jsonl")
    assert second.returncode == 0, second.stderr
    rows = _rows(tmp_path / "second.jsonl")
    assert [r["provider"] for r in rows] == ["library"] * 6
    assert _captions(tmp_path / "second.jsonl") == _captions(tmp_path / "first.jsonl")
    assert "6 photos already in the library" in second.stderr
