"""Decode thumbnails and previews off the GUI thread, and cache them.

Decoding a 12-megapixel JPEG takes longer than a frame, so the GUI thread only ever
asks; a small thread pool answers with a ``QImage`` (safe to build off the GUI thread,
unlike ``QPixmap``). One thread is enough: the caption worker needs the other core.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """Copy an (H, W, 3) uint8 array into a QImage that owns its memory."""
    data = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = data.shape[:2]
    image = QImage(data.data, width, height, width * 3, QImage.Format.Format_RGB888)
    return image.copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """Copy a QImage into an (H, W, 3) uint8 array."""
    converted = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = converted.width(), converted.height()
    buffer = np.frombuffer(converted.constBits(), dtype=np.uint8)
    rows = buffer.reshape(height, converted.bytesPerLine())
    return rows[:, : width * 3].reshape(height, width, 3).copy()


class _Relay(QObject):
    """Lives on the GUI thread; worker runnables emit through it (queued across threads)."""

    loaded = Signal(object, int, object, object)  # path, max_side, rgb | None, error | None


class _LoadTask(QRunnable):
    def __init__(self, relay: _Relay, path: Path, max_side: int) -> None:
        super().__init__()
        self._relay = relay
        self._path = path
        self._max_side = max_side

    def run(self) -> None:
        from capdesk.imaging import load_rgb  # noqa: PLC0415  (keeps startup light)

        try:
            rgb = load_rgb(self._path, max_side=self._max_side)
        except Exception as exc:  # ImageLoadError, or a Pillow bug: report, don't crash
            self._relay.loaded.emit(self._path, self._max_side, None, str(exc))
            return
        self._relay.loaded.emit(self._path, self._max_side, rgb, None)


class ImageLoader(QObject):
    """Asynchronous, cached ``load_rgb``: ask with :meth:`request`, listen to ``loaded``.

    Results are cached by (path, max_side) in an LRU bounded by bytes (a preview weighs
    as much as 400 thumbnails), so scrolling back through a list rarely decodes twice and
    10,000 photos never exhaust memory.
    """

    loaded = Signal(object, int, object)  # path, max_side, np.ndarray (H, W, 3)
    failed = Signal(object, int, str)  # path, max_side, message

    def __init__(
        self, cache_bytes: int = 384 << 20, threads: int = 1, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.loaded.connect(self._on_loaded)
        self._cache: OrderedDict[tuple[Path, int], np.ndarray] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._used_bytes = 0
        self._in_flight: set[tuple[Path, int]] = set()
        self._failures: dict[tuple[Path, int], str] = {}

    def cached(self, path: Path, max_side: int) -> np.ndarray | None:
        key = (path, max_side)
        rgb = self._cache.get(key)
        if rgb is not None:
            self._cache.move_to_end(key)
        return rgb

    def error(self, path: Path, max_side: int) -> str | None:
        return self._failures.get((path, max_side))

    def request(self, path: Path, max_side: int, *, urgent: bool = False) -> np.ndarray | None:
        """Return the cached image now, or start decoding it and return None."""
        rgb = self.cached(path, max_side)
        key = (path, max_side)
        if rgb is not None or key in self._in_flight or key in self._failures:
            return rgb
        self._in_flight.add(key)
        self._pool.start(_LoadTask(self._relay, path, max_side), 10 if urgent else 0)
        return None

    def forget(self, path: Path) -> None:
        """Drop everything cached for ``path`` (removed from the list, or changed on disk)."""
        for key in [k for k in self._cache if k[0] == path]:
            self._used_bytes -= self._cache.pop(key).nbytes
        for key in [k for k in self._failures if k[0] == path]:
            del self._failures[key]

    def shutdown(self) -> None:
        """Drop waiting work and wait for the running decode, before the app quits."""
        self._pool.clear()
        self._pool.waitForDone()

    @Slot(object, int, object, object)
    def _on_loaded(
        self, path: Path, max_side: int, rgb: np.ndarray | None, error: str | None
    ) -> None:
        key = (path, max_side)
        self._in_flight.discard(key)
        if rgb is None:
            self._failures[key] = error or "cannot read image"
            self.failed.emit(path, max_side, self._failures[key])
            return
        self._cache[key] = rgb
        self._used_bytes += rgb.nbytes
        while self._used_bytes > self._cache_bytes and len(self._cache) > 1:
            _key, evicted = self._cache.popitem(last=False)
            self._used_bytes -= evicted.nbytes
        self.loaded.emit(path, max_side, rgb)
