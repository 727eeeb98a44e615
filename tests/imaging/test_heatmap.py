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


def _lightness(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (Rec. 709 on linearised sRGB): what greyscale keeps."""
    c = rgb.astype(np.float64) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def test_colour_vision_safe_maps_read_by_lightness_alone() -> None:
    """viridis and cividis get lighter all the way up, so they read without hue; the
    classic ramp does not (its red top is darker than its yellow), hence not the default."""
    ramp = np.linspace(0, 1, 256)
    for name in ("viridis", "cividis"):
        table = colorize(ramp, name)
        assert table.shape == (256, 3)
        assert np.all(np.diff(_lightness(table)) > -1e-3), name
    classic = _lightness(colorize(ramp, "classic"))
    assert classic.argmax() < 255


def test_the_published_end_colours_are_kept() -> None:
    low, high = colorize(np.array([0.0, 1.0]), "viridis")
    assert low.tolist() == [68, 1, 84] and high.tolist() == [253, 231, 37]
    low, high = colorize(np.array([0.0, 1.0]), "cividis")
    assert low.tolist() == [0, 34, 78]


def test_an_unknown_colour_map_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown colour map"):
        colorize(np.zeros(3), "rainbow")
