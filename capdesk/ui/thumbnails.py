"""Thumbnails for the list: decoded by the background ImageLoader, shown as QPixmaps.

QPixmap may only be created on the GUI thread, so the loader hands back arrays and this
small cache converts each once, when a view first asks for it.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPixmap

from capdesk.jobs import ImageLoader, rgb_to_qimage

MAX_PIXMAPS = 3000
"""About 110 MB of 96 px thumbnails; older ones are rebuilt from the loader on demand."""


class ThumbnailCache(QObject):
    """Answer ``pixmap(path)`` immediately (None while decoding) and signal ``changed``."""

    changed = Signal(object)  # Path

    def __init__(self, loader: ImageLoader, size: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._size = size
        self._pixmaps: OrderedDict[Path, QPixmap] = OrderedDict()
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
            self._pixmaps.move_to_end(path)
            return cached
        rgb = self._loader.request(path, self._size)
        if rgb is None:
            return None
        pixmap = self._square(QPixmap.fromImage(rgb_to_qimage(rgb)))
        self._pixmaps[path] = pixmap
        if len(self._pixmaps) > MAX_PIXMAPS:
            self._pixmaps.popitem(last=False)
        return pixmap

    def _square(self, pixmap: QPixmap) -> QPixmap:
        """Centre on a transparent square so captions line up whatever the aspect ratio."""
        square = QPixmap(self._size, self._size)
        square.fill(Qt.GlobalColor.transparent)
        painter = QPainter(square)
        painter.drawPixmap(
            (self._size - pixmap.width()) // 2, (self._size - pixmap.height()) // 2, pixmap
        )
        painter.end()
        return square

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
