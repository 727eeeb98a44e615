"""The preview's heat layer and "Save overlay as PNG" use one blend rule (issue 17, item 4)."""

from __future__ import annotations

import numpy as np
import pytest

from capdesk.domain import Caption
from capdesk.ui.overlay import ALL_WORDS, OverlayRenderer, overlay_full_size


@pytest.mark.parametrize("opacity", [0.0, 0.3, 0.8, 1.0])
@pytest.mark.parametrize("word", [0, 1, ALL_WORDS])
def test_preview_matches_the_full_size_blend(qapp, opacity: float, word: int) -> None:
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    attention = rng.random((2, 7, 7)).astype(np.float32)
    attention /= attention.sum(axis=(1, 2), keepdims=True)
    caption = Caption("a dog", ("a", "dog"), -0.5, -1.0, attention)
    preview = OverlayRenderer(rgb, caption).render(word, opacity)
    saved = overlay_full_size(rgb, caption, word, opacity)
    # At this size the layer is not scaled, so only 8-bit alpha rounding may differ.
    difference = np.abs(preview.astype(int) - saved.astype(int))
    assert difference.max() <= 2
    assert (opacity == 0.0) == np.array_equal(saved, rgb)
