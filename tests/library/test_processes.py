"""Real child processes on a real library file: kill -9 mid-run, and two writers at once."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from pathlib import Path

from capdesk.library import Library
from tests.library.helpers import photos, run_cli, start_cli

TOTAL = 200
REPORTED_BEFORE_KILL = 40
HANG_SECONDS = 240  # a guard against a hung child, not a measurement


def _integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_kill_9_mid_run_keeps_every_reported_caption_and_resumes(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    photos(folder, TOTAL)
    library = tmp_path / "library.sqlite3"
    child = start_cli("caption", str(folder), "--batch", "2", f"--library={library}",
                      model=tiny_model_dir)
    assert child.stdout is not None
    reported: list[dict[str, object]] = []
    deadline = time.monotonic() + HANG_SECONDS
    while len(reported) < REPORTED_BEFORE_KILL and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        reported.append(json.loads(line))
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert len(reported) == REPORTED_BEFORE_KILL

    assert _integrity(library) == "ok"
    with Library.open(library) as opened:
        known = opened.lookup(sorted(folder.iterdir()))
        stored = opened.stats()["captioned"]
    for row in reported:
        path = Path(str(row["path"]))
        assert path in known, f"{path.name} was reported but is not in the library"
        assert known[path].text == row["caption"]
    assert REPORTED_BEFORE_KILL <= stored < TOTAL

    again = run_cli("caption", str(folder), f"--library={library}", model=tiny_model_dir)
    assert again.returncode == 0, again.stderr
    rows = [json.loads(line) for line in again.stdout.splitlines()]
    assert len(rows) == TOTAL
    from_library = [r for r in rows if r["provider"] == "library"]
    captioned = [r for r in rows if r["provider"] != "library"]
    assert len(from_library) == stored and len(captioned) == TOTAL - stored
    assert {r["path"] for r in reported} <= {r["path"] for r in from_library}
    with Library.open(library) as opened:
        assert opened.stats()["captioned"] == TOTAL


def test_two_processes_and_the_test_write_one_library_at_once(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    photos(first, 60, seed=0)
    photos(second, 60, seed=100)
    edited = photos(third, 30, seed=200)
    library = tmp_path / "library.sqlite3"  # created by whichever process comes first
    children = [start_cli("caption", str(folder), "--batch", "1", f"--library={library}",
                          model=tiny_model_dir) for folder in (first, second)]
    errors: list[BaseException] = []
    rounds: list[int] = []

    def edit_meanwhile() -> None:
        """Write for as long as the children run (at least three rounds), so they overlap."""
        try:
            with Library.open(library) as mine:
                round_ = 0
                while round_ < 3 or any(child.poll() is None for child in children):
                    for photo in edited:
                        mine.record_caption(photo, f"round {round_} caption")
                        mine.record_edit(photo, f"person's words {round_}")
                    rounds.append(round_)
                    round_ += 1
        except BaseException as exc:
            errors.append(exc)

    editor = threading.Thread(target=edit_meanwhile)
    editor.start()
    outputs = [child.communicate(timeout=HANG_SECONDS) for child in children]
    editor.join(timeout=HANG_SECONDS)
    assert errors == []
    for child, (stdout, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
        assert "locked" not in stderr.lower()
        assert len(stdout.splitlines()) == 60
    assert _integrity(library) == "ok"
    with Library.open(library) as opened:
        stats = opened.stats()
        assert (stats["images"], stats["captioned"], stats["edited"]) == (150, 150, 30)
        assert opened.lookup(edited)[edited[0]].text == f"person's words {rounds[-1]}"
