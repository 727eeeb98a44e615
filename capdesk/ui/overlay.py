"""Which attention map to draw, and drawing it fast enough to follow the mouse.

The attention grid is tiny (7×7 or 14×14) and smooth once upsampled, so the preview
colours it at a small size and lets QPainter scale it over the photo as an alpha layer.
That is the same blend as :func:`capdesk.imaging.blend_overlay` (colour weighted by
:func:`capdesk.imaging.blend_weight`) at a fraction of the cost: hovering across words
and dragging the opacity slider stay well under a frame. "Save overlay as PNG" uses
the exact numpy blend at full resolution.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage, QPainter

from capdesk.domain import Caption
from capdesk.jobs import qimage_to_rgb, rgb_to_qimage

ALL_WORDS = -1
"""Word index meaning "the whole caption": the mean of the per-word maps."""

LAYER_SIDE = 256
"""Longest side of the coloured heat layer before Qt scales it over the photo."""


def word_alpha(caption: Caption | None, word: int) -> np.ndarray | None:
    """The raw (grid_h, grid_w) attention for ``word``, or the mean for ALL_WORDS."""
    if caption is None or caption.attention.size == 0:
        return None
    attention = caption.attention
    if word == ALL_WORDS or not 0 <= word < attention.shape[0]:
        return np.asarray(attention.mean(axis=0))
    return np.asarray(attention[word])


class OverlayRenderer:
    """Compose one caption's attention over one photo, caching each word's layer."""

    def __init__(self, rgb: np.ndarray, caption: Caption | None, colours: str = "classic") -> None:
        self.rgb = rgb
        self.caption = caption
        self.colours = colours
        self.photo = rgb_to_qimage(rgb).convertToFormat(QImage.Format.Format_RGB32)
        height, width = rgb.shape[:2]
        scale = min(1.0, LAYER_SIDE / max(width, height))
        self._layer_size = (max(2, round(width * scale)), max(2, round(height * scale)))
        self._heat: dict[int, np.ndarray] = {}

    @property
    def word_count(self) -> int:
        """Words with a map to show (none for a library caption whose maps are not back)."""
        if self.caption is None or self.caption.attention.size == 0:
            return 0
        return len(self.caption.words)

    def heat(self, word: int) -> np.ndarray | None:
        """The word's heatmap in [0, 1] at layer size (cached)."""
        from capdesk.imaging import attention_heatmap  # noqa: PLC0415

        if word not in self._heat:
            alpha = word_alpha(self.caption, word)
            if alpha is None:
                return None
            self._heat[word] = attention_heatmap(alpha, self._layer_size)
        return self._heat[word]

    def layer(self, word: int, opacity: float, enabled: bool = True) -> QImage | None:
        """The coloured heat of ``word`` as a small premultiplied alpha layer, or None."""
        from capdesk.imaging import blend_weight, colorize  # noqa: PLC0415

        heat = self.heat(word) if enabled and opacity > 0 else None
        if heat is None:
            return None
        weight = blend_weight(heat, opacity)
        rgba = np.ascontiguousarray(
            np.dstack([colorize(heat, self.colours), np.round(weight * 255).astype(np.uint8)])
        )
        height, width = heat.shape
        image = QImage(rgba.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)

    def compose(self, word: int, opacity: float, enabled: bool = True) -> QImage:
        """The photo with ``word``'s layer painted over it, at the photo's size."""
        layer = self.layer(word, opacity, enabled)
        if layer is None:
            return self.photo
        out = self.photo.copy()
        painter = QPainter(out)
        paint_layer(painter, out.rect(), layer)
        painter.end()
        return out

    def render(self, word: int, opacity: float, enabled: bool = True) -> np.ndarray:
        """:meth:`compose` as an (H, W, 3) array (what the preview shows)."""
        return qimage_to_rgb(self.compose(word, opacity, enabled))


def attention_places(caption: Caption | None) -> dict[int, str]:
    """Where each word's attention lies, in words ("top left", "centre"), by word index
    with ALL_WORDS for the whole caption: the heatmap for people who cannot see it."""
    from capdesk.imaging.regions import describe_attention  # noqa: PLC0415

    if caption is None or caption.attention.size == 0:
        return {}
    places = {ALL_WORDS: describe_attention(caption.attention.mean(axis=0))}
    for index in range(min(len(caption.words), caption.attention.shape[0])):
        places[index] = describe_attention(caption.attention[index])
    return places


def paint_layer(painter: QPainter, target: QRect, layer: QImage) -> None:
    """Scale the small heat layer smoothly over ``target`` (shared by canvas and compose)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(target, layer)
    painter.restore()


def overlay_full_size(
    rgb: np.ndarray, caption: Caption, word: int, opacity: float, colours: str = "classic"
) -> np.ndarray:
    """The exact numpy blend at the photo's own resolution, for "Save overlay as PNG"."""
    from capdesk.imaging import attention_heatmap, blend_overlay  # noqa: PLC0415

    alpha = word_alpha(caption, word)
    if alpha is None:
        return rgb
    height, width = rgb.shape[:2]
    return blend_overlay(rgb, attention_heatmap(alpha, (width, height)), opacity, colours)
