"""Which attention map to draw, cached per word so hovering across words stays instant."""

from __future__ import annotations

import numpy as np

from capdesk.domain import Caption

ALL_WORDS = -1
"""Word index meaning "the whole caption": the mean of the per-word maps."""


class OverlayRenderer:
    """Blend one caption's attention over one image, caching each word's heatmap.

    Heatmaps depend only on the image size and the word, not on the opacity, so moving
    the opacity slider only re-blends.
    """

    def __init__(self, rgb: np.ndarray, caption: Caption | None) -> None:
        self.rgb = rgb
        self.caption = caption
        self._heat: dict[int, np.ndarray] = {}

    @property
    def word_count(self) -> int:
        return 0 if self.caption is None else len(self.caption.words)

    def alpha(self, word: int) -> np.ndarray | None:
        """The raw (grid_h, grid_w) attention for ``word`` (or all words), if any."""
        if self.caption is None or self.caption.attention.shape[0] == 0:
            return None
        attention = self.caption.attention
        if word == ALL_WORDS or not 0 <= word < attention.shape[0]:
            return np.asarray(attention.mean(axis=0))
        return np.asarray(attention[word])

    def heat(self, word: int) -> np.ndarray | None:
        from capdesk.imaging import attention_heatmap  # noqa: PLC0415

        if word in self._heat:
            return self._heat[word]
        alpha = self.alpha(word)
        if alpha is None:
            return None
        height, width = self.rgb.shape[:2]
        heat = attention_heatmap(alpha, (width, height))
        self._heat[word] = heat
        return heat

    def render(self, word: int, opacity: float, enabled: bool = True) -> np.ndarray:
        """The image with ``word``'s map blended in, or the plain image."""
        from capdesk.imaging import blend_overlay  # noqa: PLC0415

        heat = self.heat(word) if enabled else None
        if heat is None or opacity <= 0:
            return self.rgb
        return blend_overlay(self.rgb, heat, opacity)


def overlay_full_size(rgb: np.ndarray, caption: Caption, word: int, opacity: float) -> np.ndarray:
    """Render at the photo's own resolution, for "Save overlay as PNG"."""
    return OverlayRenderer(rgb, caption).render(word, opacity)
