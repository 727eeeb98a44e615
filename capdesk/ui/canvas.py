"""The preview's photo, scaled to fit, with the attention heat layer painted on top.

Apart from ``preview.py`` so that file stays about the panel's behaviour.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from capdesk.ui.overlay import paint_layer


class ImageCanvas(QWidget):
    """Paints a photo scaled to fit (aspect kept) with an optional heat layer, or a message.

    The layer is painted at display size, so moving between words or the opacity slider
    never copies the full-resolution photo.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._layer: QImage | None = None
        self._message = "Select an image to preview it."
        self.setMinimumSize(QSize(240, 180))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Image preview")
        self.setAccessibleDescription("The selected photo, with the attention heatmap on top.")

    def set_image(
        self, image: QImage | None, layer: QImage | None = None, message: str = ""
    ) -> None:
        self._image = image
        self._layer = layer
        self._message = message
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._image is None or self._image.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
            return
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        target = QRect(x, y, size.width(), size.height())
        painter.drawImage(target, self._image)
        if self._layer is not None:
            paint_layer(painter, target, self._layer)
