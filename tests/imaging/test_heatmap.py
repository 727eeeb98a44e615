"""Attention maps upsample smoothly into [0, 1] and blend over the photo."""

from __future__ import annotations

import numpy as np
import pytest

from capdesk.imaging import attention_heatmap, blend_overlay, colorize


def test_heatmap_has_image_size_and_unit_range() -> None:
    alpha = np.zeros((7, 7), dtype=np.float32)
    alpha[1, 5] = 1.0
    heat = attention_heatmap(alpha, (320, 240))
    assert heat.shape == (240, 320)
    assert heat.min() == pytest.approx(0.0) and heat.max() == pytest.approx(1.0)
    peak_y, peak_x = np.unravel_index(np.argmax(heat), heat.shape)
    assert abs(peak_x - (5.5 / 7) * 320) < 320 / 7 and abs(peak_y - (1.5 / 7) * 240) < 240 / 7


def test_uniform_attention_gives_a_flat_map() -> None:
    assert not attention_heatmap(np.full((4, 4), 1 / 16), (10, 10)).any()


def test_overlay_keeps_the_photo_where_attention_is_low() -> None:
    rgb = np.full((20, 30, 3), 128, dtype=np.uint8)
    heat = np.zeros((20, 30), dtype=np.float32)
    heat[:, 15:] = 1.0
    out = blend_overlay(rgb, heat, opacity=0.6)
    assert out.dtype == np.uint8 and out.shape == rgb.shape
    low_change = np.abs(out[:, :15].astype(int) - 128).mean()
    high_change = np.abs(out[:, 15:].astype(int) - 128).mean()
    assert high_change > low_change
    assert np.array_equal(blend_overlay(rgb, heat, opacity=0.0), rgb)


def test_colour_ramp_runs_from_cool_to_warm() -> None:
    low, high = colorize(np.array([0.0, 1.0]))
    assert low[2] > low[0] and high[0] > high[2]


def test_mismatched_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        blend_overlay(np.zeros((4, 4, 3), np.uint8), np.zeros((5, 5)))
    with pytest.raises(ValueError):
        attention_heatmap(np.zeros(5), (4, 4))
