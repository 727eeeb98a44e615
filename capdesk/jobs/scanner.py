"""List the images inside dropped files and folders off the GUI thread.

A folder of thousands of photos, or one on a network drive, takes long enough to stat
that the window would freeze; the scan runs on a pool thread and hands back batches,
so the first images appear (and start captioning) while the rest are still being found.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

FIRST_BATCH = 32
BATCH_SECONDS = 0.1


class _Relay(QObject):
    found = Signal(int, list, object)  # scan id, list[Path], {Path: existing alt text}
    done = Signal(int, int)  # scan id, how many found


class _ScanTask(QRunnable):
    def __init__(self, relay: _Relay, scan_id: int, paths: list[Path], recursive: bool) -> None:
        super().__init__()
        self._relay = relay
        self._id = scan_id
        self._paths = paths
        self._recursive = recursive

    def _emit(self, batch: list[Path]) -> None:
        # Existing alt text is read here, off the GUI thread and before anything is queued,
        # so a person's earlier description is shown (and can be kept) rather than replaced.
        from capdesk.export import read_alt_text  # noqa: PLC0415

        existing: dict[Path, str] = {}
        for path in batch:
            try:
                text = read_alt_text(path)
            except Exception:  # a strange file must not stop the scan
                log.debug("reading alt text of %s failed", path, exc_info=True)
                text = None
            if text:
                existing[path] = text
        self._relay.found.emit(self._id, batch, existing)

    def run(self) -> None:
        from capdesk.imaging import expand_paths  # noqa: PLC0415

        batch: list[Path] = []
        count = 0
        last = time.monotonic()
        try:
            for path in expand_paths(self._paths, recursive=self._recursive):
                batch.append(path)
                count += 1
                limit = FIRST_BATCH if count <= FIRST_BATCH else 10_000
                if len(batch) >= limit or time.monotonic() - last > BATCH_SECONDS:
                    self._emit(batch)
                    batch, last = [], time.monotonic()
        except Exception:  # a vanished folder must not kill the pool thread
            log.exception("scanning %s failed", self._paths)
        if batch:
            self._emit(batch)
        self._relay.done.emit(self._id, count)


class PathScanner(QObject):
    """``scan()`` returns an id; ``found(id, paths, existing_alt_text)`` batches follow,
    then ``done(id, n)``."""

    found = Signal(int, list, object)
    done = Signal(int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # scans finish in the order they were asked for
        self._relay = _Relay(self)
        self._relay.found.connect(self.found)
        self._relay.done.connect(self._on_done)
        self._next_id = 0
        self._running = 0

    @property
    def busy(self) -> bool:
        return self._running > 0

    def scan(self, paths: Iterable[Path], *, recursive: bool = True) -> int:
        self._next_id += 1
        self._running += 1
        self._pool.start(_ScanTask(self._relay, self._next_id, list(paths), recursive))
        return self._next_id

    def shutdown(self) -> None:
        self._pool.clear()
        self._pool.waitForDone()

    def _on_done(self, scan_id: int, count: int) -> None:
        self._running -= 1
        self.done.emit(scan_id, count)
