"""Issue 19 §2: the app and the command line on one library at the same time.

The window (in this process, with the fake engine) captions a folder and then keeps
writing edits and reviews, round after round, while ``python -m capdesk caption DIR
--library L`` runs as a real child process on another folder of the same file. Both must
finish without "database is locked", the file must pass ``PRAGMA integrity_check``, and
every edit, review and CLI row must be in it.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from capdesk.library import Library
from tests.library.helpers import photos, start_cli

HANG_MS = 120_000
HANG_SECONDS = 300  # guards against a hung child, not a measurement
CLI_PHOTOS = 60
APP_PHOTOS = 20
MIN_ROUNDS = 3


def _integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()


def test_app_and_cli_write_one_library_at_once(
    qtbot, make_window, tmp_path, library_file, tiny_model_dir
):
    mine = photos(tmp_path / "app", APP_PHOTOS, prefix="app", seed=300)
    theirs = photos(tmp_path / "cli", CLI_PHOTOS, prefix="cli", seed=400)
    window, controller = make_window()
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=HANG_MS)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([mine[0].parent])
    assert all(controller.model.item(p).caption is not None for p in mine)

    child = start_cli(
        "caption",
        str(theirs[0].parent),
        "--batch",
        "1",
        f"--library={library_file}",
        model=tiny_model_dir,
    )
    edited, reviewed = mine[: APP_PHOTOS // 2], mine[APP_PHOTOS // 2 :]
    for path in reviewed:  # reviews, while the child starts and captions
        controller.select(path)
        controller.accept_current()
    rounds = 0
    try:
        while rounds < MIN_ROUNDS or child.poll() is None:
            for path in edited:
                controller.edit_caption(path, f"my words for {path.stem}, round {rounds}")
            qtbot.wait(50)  # the library thread writes them meanwhile
            rounds += 1
            assert rounds < 10_000, "the child never finished"
        stdout, stderr = child.communicate(timeout=HANG_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, stderr
    assert "locked" not in stderr.lower()
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert len(rows) == CLI_PHOTOS and all(r["caption"] for r in rows)
    last = rounds - 1
    window.close()  # writes what is still queued and closes the app's connection
    assert controller.keeping.problem == ""  # never "database is locked" in the app either

    assert _integrity(library_file) == "ok"
    with Library.open(library_file) as library:
        known = library.lookup([*mine, *theirs])
        stats = library.stats()
    assert stats["images"] == APP_PHOTOS + CLI_PHOTOS
    assert stats["captioned"] == APP_PHOTOS + CLI_PHOTOS
    for path in edited:
        assert known[path].edited
        assert known[path].text == f"my words for {path.stem}, round {last}"
    for path in reviewed:
        assert known[path].reviewed and not known[path].edited
    for row in rows:
        assert known[Path(row["path"])].text == row["caption"]
