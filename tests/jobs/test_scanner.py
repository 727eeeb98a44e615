"""Listing a folder only lists it; existing alt text is read afterwards, can be cancelled,
and shutting down does not wait for a stuck read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from capdesk.jobs import PathScanner
from capdesk.jobs.scanner import FIRST_BATCH

GUARD = 30.0  # seconds; only there so a broken scanner fails instead of hanging the run


class BlockingReader:
    """Counts calls; every call waits for ``release`` (set it to let reads through)."""

    def __init__(self, texts: dict[str, str] | None = None, fail: str | None = None) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls: list[Path] = []
        self._texts = texts or {}
        self._fail = fail

    def __call__(self, path: Path) -> str | None:
        self.calls.append(path)
        self.entered.set()
        assert self.release.wait(GUARD), "reader never released"
        if path.name == self._fail:
            raise RuntimeError("a strange file")
        return self._texts.get(path.name)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Files the scanner lists by extension; their content is never looked at here."""
    for i in range(FIRST_BATCH + 8):
        (tmp_path / f"img{i:03d}.jpg").write_bytes(b"not really a jpeg")
    return tmp_path


def collect(scanner: PathScanner) -> dict[str, list]:
    seen: dict[str, list] = {"found": [], "read": [], "existing": {}, "done": [], "meta": []}
    scanner.found.connect(lambda _sid, paths: seen["found"].extend(paths))
    scanner.done.connect(lambda sid, n: seen["done"].append((sid, n)))

    def on_read(_sid: int, paths: list[Path], existing: dict[Path, str]) -> None:
        seen["read"].extend(paths)
        seen["existing"].update(existing)

    scanner.alt_text_read.connect(on_read)
    scanner.metadata_done.connect(seen["meta"].append)
    return seen


def test_listing_does_not_wait_for_reading(qtbot, folder: Path) -> None:
    reader = BlockingReader(texts={"img003.jpg": "A person's words"}, fail="img005.jpg")
    scanner = PathScanner(reader=reader)
    seen = collect(scanner)
    try:
        with qtbot.waitSignal(scanner.done, timeout=int(GUARD * 1000)):
            scan_id = scanner.scan([folder])
        # Everything is listed while the reader is still stuck on its first file.
        assert len(seen["found"]) == FIRST_BATCH + 8
        assert seen["done"] == [(scan_id, FIRST_BATCH + 8)]
        assert len(reader.calls) <= 1
        assert seen["read"] == [] and seen["meta"] == []
        assert scanner.busy
        with qtbot.waitSignal(scanner.metadata_done, timeout=int(GUARD * 1000)):
            reader.release.set()
        assert seen["read"] == seen["found"]  # every listed file read once, in order
        assert seen["existing"] == {folder / "img003.jpg": "A person's words"}
        assert seen["meta"] == [scan_id]
        assert not scanner.busy
    finally:
        reader.release.set()
        assert scanner.shutdown(GUARD)


def test_listing_without_reading(qtbot, folder: Path) -> None:
    reader = BlockingReader()
    scanner = PathScanner(reader=reader)
    seen = collect(scanner)
    try:
        with qtbot.waitSignal(scanner.metadata_done, timeout=int(GUARD * 1000)):
            scanner.scan([folder], read_metadata=False)
        assert len(seen["found"]) == FIRST_BATCH + 8
        assert reader.calls == [] and seen["read"] == []
    finally:
        reader.release.set()
        assert scanner.shutdown(GUARD)


def test_cancel_stops_reading_at_the_next_file(qtbot, folder: Path) -> None:
    reader = BlockingReader()
    scanner = PathScanner(reader=reader)
    seen = collect(scanner)
    try:
        scan_id = scanner.scan([folder])
        assert reader.entered.wait(GUARD)
        qtbot.waitUntil(lambda: bool(seen["done"]), timeout=int(GUARD * 1000))
        with qtbot.waitSignal(scanner.metadata_done, timeout=int(GUARD * 1000)):
            scanner.cancel(scan_id)
            reader.release.set()
        assert len(reader.calls) == 1  # the file being read when cancelled, no other
        assert seen["read"] == []  # nothing is reported for a cancelled scan
        assert not scanner.busy
    finally:
        reader.release.set()
        assert scanner.shutdown(GUARD)


def test_a_new_scan_is_read_after_the_first(qtbot, folder: Path, tmp_path_factory) -> None:
    """A drop adds to the list: its reads queue behind, never replace, the earlier ones."""
    other = tmp_path_factory.mktemp("other")
    (other / "late.png").write_bytes(b"x")
    reader = BlockingReader(texts={"late.png": "Later words"})
    reader.release.set()
    scanner = PathScanner(reader=reader)
    seen = collect(scanner)
    try:
        first = scanner.scan([folder])
        second = scanner.scan([other])
        qtbot.waitUntil(lambda: seen["meta"] == [first, second], timeout=int(GUARD * 1000))
        assert len(seen["read"]) == FIRST_BATCH + 9
        assert seen["existing"] == {other / "late.png": "Later words"}
    finally:
        assert scanner.shutdown(GUARD)


def test_shutdown_returns_while_a_read_is_stuck(qtbot, folder: Path) -> None:
    reader = BlockingReader()
    scanner = PathScanner(reader=reader)
    seen = collect(scanner)
    scanner.scan([folder])
    assert reader.entered.wait(GUARD)
    result: list[bool] = []
    closer = threading.Thread(target=lambda: result.append(scanner.shutdown(timeout=0.2)))
    closer.start()
    closer.join(GUARD)
    try:
        assert not closer.is_alive(), "shutdown() did not return"
        assert result == [False]  # it says the reader was left behind
        with pytest.raises(RuntimeError, match="shut down"):
            scanner.scan([folder])
    finally:
        reader.release.set()
    assert scanner.shutdown(GUARD)  # once the read returns, the threads end
    qtbot.wait(10)  # let any (wrongly) queued signal arrive
    assert len(reader.calls) == 1 and seen["read"] == []  # nothing read after shutdown
