"""A damaged library, a read-only disk, a full disk: a clear message and nothing else lost.

Tests run as root here, and chmod does not stop root, so "read-only" and "full" are real
tmpfs mounts (read-only remount; a 1 MiB size filled up) when ``mount`` works; otherwise
the read-only case is simulated by making ``sqlite3.connect`` raise SQLite's own
"attempt to write a readonly database", and the full disk by ``PRAGMA max_page_count``
(SQLite then fails with its real SQLITE_FULL, "database or disk is full").
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from capdesk.library import Library, LibraryCorrupted, LibraryError, store
from tests.library.helpers import photos, run_cli


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(where)], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path | None]:
    where = tmp_path / "mnt"
    mounted = _mount_tmpfs(where, "8m")
    yield where if mounted else None
    if mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30,
                       check=False)


def _filled(tmp_path: Path, count: int = 20, where: Path | None = None
            ) -> tuple[Library, list[Path]]:
    pictures = photos(tmp_path / "p", count)
    library = Library.open((where or tmp_path) / "lib.sqlite3")
    for i, photo in enumerate(pictures):
        library.record_caption(photo, f"a dog number {i} runs on a long sandy beach")
    return library, pictures


def test_garbage_file_is_kept_aside_and_a_fresh_library_starts(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    with pytest.raises(LibraryCorrupted, match="damaged") as caught:
        Library.open(path)
    assert caught.value.kept_at.read_bytes() == garbage
    assert caught.value.kept_at.name.startswith("library.sqlite3.corrupt-")
    with Library.open(path) as fresh:
        assert fresh.stats()["images"] == 0


def test_truncated_library_is_kept_aside(tmp_path: Path) -> None:
    library, _ = _filled(tmp_path, 200)
    library.close()  # last connection: the WAL is checkpointed into the file
    data = library.path.read_bytes()
    library.path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LibraryCorrupted) as caught:
        Library.open(library.path)
    assert caught.value.kept_at.read_bytes() == data[: len(data) // 2]
    Library.open(library.path).close()


def test_cli_warns_about_a_damaged_library_and_goes_on(tmp_path: Path,
                                                      tiny_model_dir: Path) -> None:
    pictures = photos(tmp_path / "p", 2)
    path = tmp_path / "library.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    done = run_cli("caption", str(pictures[0].parent), f"--library={path}",
                   model=tiny_model_dir)
    assert done.returncode == 0, done.stderr
    assert "damaged" in done.stderr and "kept as" in done.stderr
    [kept] = tmp_path.glob("library.sqlite3.corrupt-*")
    assert kept.read_bytes() == b"not a database at all" * 100
    with Library.open(path) as library:
        assert library.stats()["captioned"] == 2


def test_read_only_disk(tmp_path: Path, tmpfs: Path | None,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    if tmpfs is not None:
        library, _ = _filled(tmp_path, where=tmpfs)
        library.close()
        before = library.path.read_bytes()
        subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True, timeout=30)
        target = library.path
    else:  # no mount here: SQLite's own error, raised where it would come from
        def read_only(*args: object, **kwargs: object) -> sqlite3.Connection:
            raise sqlite3.OperationalError("attempt to write a readonly database")

        monkeypatch.setattr(store.sqlite3, "connect", read_only)
        target, before = tmp_path / "ro.sqlite3", b""
    with pytest.raises(LibraryError, match="read-only") as caught:
        Library.open(target)
    assert not isinstance(caught.value, LibraryCorrupted)
    if tmpfs is not None:
        assert target.read_bytes() == before  # nothing lost, nothing moved aside
        assert list(tmpfs.glob("*.corrupt-*")) == []
        with pytest.raises(LibraryError, match="read-only"):
            Library.open(tmpfs / "new" / "library.sqlite3")


def test_full_disk_fails_clearly_and_keeps_what_was_saved(tmp_path: Path,
                                                          tmpfs: Path | None) -> None:
    library, pictures = _filled(tmp_path, where=tmpfs)
    if tmpfs is not None:
        with (tmpfs / "filler").open("wb") as filler:
            try:
                while True:
                    filler.write(bytes(65536))
                    filler.flush()
            except OSError:
                pass
    else:
        pages = library.connection.execute("PRAGMA page_count").fetchone()[0]
        library.connection.execute(f"PRAGMA max_page_count = {pages}")
    more = photos(tmp_path / "more", 200, prefix="more")
    with pytest.raises(LibraryError, match="disk is full"):
        for photo in more:
            library.record_caption(photo, "a long caption " * 40)
    library.close()
    if tmpfs is not None:
        (tmpfs / "filler").unlink()
    with Library.open(library.path) as again:
        assert set(again.lookup(pictures)) == set(pictures)
        assert again.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
