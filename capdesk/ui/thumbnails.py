"""Thumbnails for the list: decoded by the background ImageLoader, shown as QPixmaps.

QPixmap may only be created on the GUI thread, so the loader hands back arrays and this
small cache converts each once, when a view first asks for it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QPixmap

from capdesk.jobs import ImageLoader, rgb_to_qimage


class ThumbnailCache(QObject):
    """Answer ``pixmap(path)`` immediately (None while decoding) and signal ``changed``."""

    changed = Signal(object)  # Path

    def __init__(self, loader: ImageLoader, size: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._size = size
        self._pixmaps: dict[Path, QPixmap] = {}
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_failed)

    @property
    def size(self) -> int:
        return self._size

    def set_size(self, size: int) -> None:
        """Change the thumbnail size; everything is decoded again at the new size."""
        if size != self._size:
            self._size = size
            self._pixmaps.clear()

    def pixmap(self, path: Path) -> QPixmap | None:
        cached = self._pixmaps.get(path)
        if cached is not None:
            return cached
        rgb = self._loader.request(path, self._size)
        if rgb is None:
            return None
        pixmap = QPixmap.fromImage(rgb_to_qimage(rgb))
        self._pixmaps[path] = pixmap
        return pixmap

    def forget(self, path: Path) -> None:
        self._pixmaps.pop(path, None)
        self._loader.forget(path)

    @Slot(object, int, object)
    def _on_loaded(self, path: Path, max_side: int, rgb: np.ndarray) -> None:
        if max_side == self._size:
            self.changed.emit(path)

    @Slot(object, int, str)
    def _on_failed(self, path: Path, max_side: int, message: str) -> None:
        if max_side == self._size:
            self.changed.emit(path)
