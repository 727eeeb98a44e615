"""List the images inside dropped files and folders, then read what they already say.

A folder of thousands of photos, or one on a network drive, takes long enough to stat
that the window would freeze, so both steps run off the GUI thread, and they are kept
apart so that listing only lists:

1. **Listing** (one thread, scans in the order asked for) walks the folders and emits
   ``found(scan_id, paths)`` in batches — the first :data:`FIRST_BATCH` paths at once,
   then at most every :data:`BATCH_SECONDS` — without opening a single image, so a
   folder appears as fast as the file system can list it. Its ``done(scan_id, count)``
   says the listing is complete.
2. **Reading existing alt text** (a second thread, fed by the first batch by batch)
   opens each listed file and reads its metadata block only
   (:func:`capdesk.export.read_header_alt_text`: the JPEG segments before SOS, the PNG
   chunks before IDAT, ...; never the pixels) and emits ``alt_text_read(scan_id,
   paths, {path: text})`` every :data:`READ_BATCH` files or :data:`BATCH_SECONDS`:
   ``paths`` are the files now read, the dict holds those that carry alt text. After the
   last one, ``metadata_done(scan_id)``.

Why this order makes "leave described images uncaptioned" safe without making the first
images wait: the window shows each ``found`` batch at once, but an image is queued for
captioning only when an ``alt_text_read`` has named it (with no alt text, or when keeping
existing alt text is switched off). The first reads follow the first listing batch
within milliseconds, because the reader runs beside the lister rather than behind it.

Cancelling (:meth:`PathScanner.cancel`, and :meth:`PathScanner.shutdown` when the window
closes) is checked before every file in both steps; paths left unread are never reported.
A new scan does not cancel the reads of an earlier one: a drop *adds* to the list, and
those images would otherwise wait forever for an answer. Both threads are daemon Python
threads, not a QThreadPool: QThreadPool's destructor waits for a running task without a
limit, so one read stuck on a dead network share would hang closing the window, while
:meth:`~PathScanner.shutdown` waits at most its ``timeout`` and leaves a stuck thread
behind (it can neither emit nor keep the process alive).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

FIRST_BATCH = 32
BATCH_SECONDS = 0.1
READ_BATCH = 256
SHUTDOWN_SECONDS = 2.0

AltTextReader = Callable[[Path], str | None]
Job = Callable[[], None]


def read_existing_alt_text(path: Path) -> str | None:
    """The default reader: the metadata block only (see :mod:`capdesk.export.metadata_block`)."""
    from capdesk.export import read_header_alt_text  # noqa: PLC0415  (keeps start-up light)

    return read_header_alt_text(path)


class _Relay(QObject):
    """Lives on the GUI thread; the worker threads emit through it (queued across threads).

    It has no Qt parent and the threads hold a reference, so it outlives the scanner for
    as long as a thread might still emit.
    """

    found = Signal(int, list)  # scan id, list[Path]
    done = Signal(int, int)  # scan id, how many listed
    alt_text_read = Signal(int, list, object)  # scan id, list[Path] read, {Path: alt text}
    metadata_done = Signal(int)  # scan id


class _Scan:
    def __init__(self, scan_id: int, closing: threading.Event) -> None:
        self.id = scan_id
        self.cancelled = threading.Event()
        self._closing = closing

    @property
    def stopped(self) -> bool:
        return self.cancelled.is_set() or self._closing.is_set()


class _SerialThread:
    """One daemon thread running submitted jobs in order; ``None`` ends it."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self) -> None:
        self._jobs.put(None)

    def join(self, timeout: float) -> bool:
        self._thread.join(max(0.0, timeout))
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # one broken job must not end the thread
                log.exception("scanner job failed")


def _list(
    relay: _Relay,
    scan: _Scan,
    paths: list[Path],
    recursive: bool,
    read: Callable[[list[Path]], None] | None,
    closing: threading.Event,
) -> None:
    from capdesk.imaging import expand_paths  # noqa: PLC0415  (keeps start-up light)

    batch: list[Path] = []
    count = 0
    last = time.monotonic()

    def flush() -> None:
        relay.found.emit(scan.id, batch)
        if read is not None:
            read(batch)

    try:
        for path in expand_paths(paths, recursive=recursive):
            if scan.stopped:
                break
            batch.append(path)
            count += 1
            limit = FIRST_BATCH if count <= FIRST_BATCH else 10_000
            if len(batch) >= limit or time.monotonic() - last > BATCH_SECONDS:
                flush()
                batch, last = [], time.monotonic()
    except Exception:  # a vanished folder must not kill the thread
        log.exception("scanning %s failed", paths)
    if batch and not scan.stopped:
        flush()
    if not closing.is_set():
        relay.done.emit(scan.id, count)


def _read(relay: _Relay, scan: _Scan, batch: list[Path], reader: AltTextReader) -> None:
    done: list[Path] = []
    existing: dict[Path, str] = {}
    last = time.monotonic()
    for path in batch:
        if scan.stopped:
            return
        try:
            text = reader(path)
        except Exception:  # a strange file must not stop the others
            log.debug("reading alt text of %s failed", path, exc_info=True)
            text = None
        if scan.stopped:  # cancelled while this file was read: nobody wants the answer
            return
        done.append(path)
        if text:
            existing[path] = text
        if len(done) >= READ_BATCH or time.monotonic() - last > BATCH_SECONDS:
            relay.alt_text_read.emit(scan.id, done, existing)
            done, existing, last = [], {}, time.monotonic()
    if done and not scan.stopped:
        relay.alt_text_read.emit(scan.id, done, existing)


class PathScanner(QObject):
    """``scan()`` returns an id; see the module docstring for the signals that follow.

    ``reader`` replaces the alt text reader (tests count or block it).
    """

    found = Signal(int, list)
    done = Signal(int, int)
    alt_text_read = Signal(int, list, object)
    metadata_done = Signal(int)

    def __init__(
        self, parent: QObject | None = None, *, reader: AltTextReader | None = None
    ) -> None:
        super().__init__(parent)
        self._reader = reader or read_existing_alt_text
        self._relay = _Relay()
        self._relay.found.connect(self.found)
        self._relay.done.connect(self.done)
        self._relay.alt_text_read.connect(self.alt_text_read)
        self._relay.metadata_done.connect(self._on_metadata_done)
        self._closing = threading.Event()
        self._threads: tuple[_SerialThread, _SerialThread] | None = None
        self._scans: dict[int, _Scan] = {}
        self._next_id = 0

    @property
    def busy(self) -> bool:
        """Whether a scan is still listing or reading."""
        return bool(self._scans)

    def scan(
        self, paths: Iterable[Path], *, recursive: bool = True, read_metadata: bool = True
    ) -> int:
        """Start listing ``paths`` (and reading their alt text); returns the scan id."""
        if self._closing.is_set():
            raise RuntimeError("the scanner has been shut down")
        if self._threads is None:
            self._threads = (_SerialThread("capdesk-list"), _SerialThread("capdesk-alt-text"))
        lister, reader_thread = self._threads
        self._next_id += 1
        scan = _Scan(self._next_id, self._closing)
        self._scans[scan.id] = scan
        # The jobs capture plain values only: they may outlive this QObject.
        relay, reader, closing, todo = self._relay, self._reader, self._closing, list(paths)

        def read(batch: list[Path]) -> None:
            reader_thread.submit(lambda: _read(relay, scan, list(batch), reader))

        def finish() -> None:
            if not closing.is_set():
                relay.metadata_done.emit(scan.id)

        def job() -> None:
            _list(relay, scan, todo, recursive, read if read_metadata else None, closing)
            reader_thread.submit(finish)  # queued after every read of this scan

        lister.submit(job)
        return scan.id

    def cancel(self, scan_id: int | None = None) -> None:
        """Stop listing and reading ``scan_id`` (every scan when None) before the next file.

        ``done`` and ``metadata_done`` still follow, so callers can settle their counts.
        """
        for sid, scan in self._scans.items():
            if scan_id is None or sid == scan_id:
                scan.cancelled.set()

    def shutdown(self, timeout: float = SHUTDOWN_SECONDS) -> bool:
        """Cancel everything and wait at most ``timeout`` seconds for the threads.

        Returns whether they ended; a thread stuck in a file system call is left behind
        (a daemon thread: it does not keep the process alive, and emits nothing more).
        """
        self._closing.set()
        if self._threads is None:
            return True
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.stop()
        stopped = all(thread.join(deadline - time.monotonic()) for thread in self._threads)
        if not stopped:
            log.warning("a folder scan did not stop within %.1f s; leaving it behind", timeout)
        return stopped

    def _on_metadata_done(self, scan_id: int) -> None:
        self._scans.pop(scan_id, None)
        self.metadata_done.emit(scan_id)
