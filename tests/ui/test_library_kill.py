"""SIGKILL of the app in the middle of a run: every caption the library had is still
there, the file passes ``PRAGMA integrity_check``, and reopening the folder captions only
the photos that were not finished. A real child process running the real window."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from capdesk.library import Library
from tests.support.fake_engine import FakeCaptioner
from tests.ui.library_driver import HOLD_AFTER

HANG_SECONDS = 120  # a hang guard, not a measurement
ROOT = Path(__file__).resolve().parents[2]


def _stored(library: Path) -> int:
    if not library.exists():
        return 0
    try:
        with sqlite3.connect(library, timeout=5) as db:
            return int(db.execute(
                "SELECT count(*) FROM captions WHERE model_text IS NOT NULL").fetchone()[0])
    except sqlite3.Error:  # not created or migrated yet
        return 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_mid_run_keeps_what_was_stored(qtbot, make_window, images, library_file):
    paths = images(40)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CAPDESK_LIBRARY": str(library_file)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.library_driver", str(paths[0].parent)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + HANG_SECONDS
        while _stored(library_file) < HOLD_AFTER:
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never stored its captions"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)  # the run is held: this is mid-run
        child.wait(HANG_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    with Library.open(library_file) as library:
        assert library.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = set(library.lookup(paths))
    assert len(stored) == HOLD_AFTER

    engine = FakeCaptioner()
    _window, controller = make_window(engine)
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=60_000)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths([paths[0].parent])
    captioned = {p for call in engine.calls for p in call}
    assert captioned == set(paths) - stored  # the finished ones were not captioned again
