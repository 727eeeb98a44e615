"""Running ``capdesk caption`` as a real child process, killing it or one of its workers.

Shared by the tests in tests/cluster (and scripts/cluster_scale_check.py, which runs the
same checks at the issue's 2,000 photos): SIGKILL is what a crash, the OOM killer or a
lost machine does, so nothing in the child gets to clean up.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TIMEOUT = 600


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "capdesk", "caption", *map(str, args)]


def child_env(model: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "CAPDESK_MODEL_DIR": str(model)}


def run(model: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True,
                          env=child_env(model), timeout=TIMEOUT, check=False)


def rows(table: Path) -> list[dict[str, object]]:
    """The rows of a JSON Lines or a CSV table (CSV cells as text)."""
    text = table.read_text(encoding="utf-8")
    if table.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    return [json.loads(line) for line in text.splitlines()]


def captions(table: Path) -> dict[str, object]:
    """``{path: caption}``, after checking that no path appears twice."""
    found = rows(table)
    paths = [str(r["path"]) for r in found]
    assert len(paths) == len(set(paths)), "a photo appears twice"
    return {str(r["path"]): r["caption"] for r in found}


def complete_rows(table: Path) -> int:
    """Rows on disk now: newlines (JSON Lines) or CRLFs (CSV, minus the header)."""
    if not table.exists():
        return 0
    data = table.read_bytes()
    return data.count(b"\r\n") - 1 if table.suffix == ".csv" else data.count(b"\n")


def children(pid: int) -> list[int]:
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


def worker_pids(pid: int) -> list[int]:
    """The worker processes (multiprocessing spawn children, not its resource tracker)."""
    pids = []
    for child in children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            pids.append(child)
    return pids


def wait_rows(table: Path, process: subprocess.Popen[str], at_least: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if complete_rows(table) >= at_least:
            return
        time.sleep(0.01)
    raise AssertionError(f"no {at_least} rows while the run was going: {process.poll()}")


def run_killing_a_worker(model: Path, table: Path, after: int, *args: str | Path) -> str:
    """Run with ``--jsonl/--csv table``; SIGKILL one worker after ``after`` rows; stderr."""
    option = "--csv" if table.suffix == ".csv" else "--jsonl"
    process = subprocess.Popen(command(*args, option, table), env=child_env(model),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_rows(table, process, after)
        workers = worker_pids(process.pid)
        assert workers, "no worker process found to kill"
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 0, stderr
    return stderr


def run_killed(model: Path, table: Path, after: int, *args: str | Path) -> int:
    """Run ``args`` and SIGKILL the whole run (its process group) after ``after`` rows.

    Returns the complete rows the table then holds.
    """
    process = subprocess.Popen(command(*args), env=child_env(model),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               text=True, start_new_session=True)
    try:
        wait_rows(table, process, after)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return complete_rows(table)
