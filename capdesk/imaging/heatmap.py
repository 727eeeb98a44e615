"""Attention maps as pictures: the model's 7×7 (or 14×14) weights, made smooth and coloured.

Pure numpy (no Qt, no Pillow) so the app, the exporters and the docs render the same map.
"""

from __future__ import annotations

import numpy as np

from capdesk.imaging.colormaps import COLOUR_MAPS, colour_table

CLASSIC = "classic"
"""The original blue → teal → yellow → red ramp (not safe with red-green colour blindness)."""

# A perceptually ordered ramp (dark blue → teal → yellow → red), readable on photos.
_STOPS = np.array(
    [
        [0.00, 0, 0, 80],
        [0.25, 0, 90, 200],
        [0.50, 0, 190, 160],
        [0.75, 250, 220, 0],
        [1.00, 230, 20, 20],
    ],
    dtype=np.float32,
)


def _interpolation_matrix(source: int, target: int) -> np.ndarray:
    """Bilinear weights (target, source) with cell centres aligned, like align_corners=False."""
    centres = (np.arange(target, dtype=np.float32) + 0.5) * (source / target) - 0.5
    centres = np.clip(centres, 0, source - 1)
    low = np.floor(centres).astype(np.int64)
    high = np.minimum(low + 1, source - 1)
    frac = centres - low
    weights = np.zeros((target, source), dtype=np.float32)
    rows = np.arange(target)
    np.add.at(weights, (rows, low), 1 - frac)
    np.add.at(weights, (rows, high), frac)
    return weights


def attention_heatmap(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Upsample one attention grid to ``size`` (width, height), scaled to [0, 1].

    Separable bilinear interpolation is two small matrix products, fast enough to redraw
    on every hover over a word.
    """
    grid = np.asarray(alpha, dtype=np.float32)
    if grid.ndim != 2:
        raise ValueError(f"alpha must be a 2-D grid, got shape {grid.shape}")
    width, height = size
    rows = _interpolation_matrix(grid.shape[0], height)
    cols = _interpolation_matrix(grid.shape[1], width)
    smooth = rows @ grid @ cols.T
    low, high = float(smooth.min()), float(smooth.max())
    if high - low < 1e-12:
        return np.zeros((height, width), dtype=np.float32)
    return ((smooth - low) / (high - low)).astype(np.float32)


_LUTS: dict[str, np.ndarray] = {}


def colorize(heat: np.ndarray, colours: str = CLASSIC) -> np.ndarray:
    """Map values in [0, 1] to uint8 RGB with ``colours``: the classic ramp above, or
    ``viridis`` / ``cividis`` (see colormaps.py)."""
    values = np.clip(heat, 0.0, 1.0).astype(np.float32)
    if colours in COLOUR_MAPS:
        if colours not in _LUTS:
            _LUTS[colours] = colour_table(colours)
        return _LUTS[colours][np.rint(values * 255).astype(np.intp)]
    if colours != CLASSIC:
        raise ValueError(f"unknown colour map {colours!r}")
    channels = [np.interp(values, _STOPS[:, 0], _STOPS[:, i]) for i in (1, 2, 3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


#: Share of the opacity every pixel gets, however little attention it had; the rest
#: follows the heat. Unattended areas stay close to the photo yet still show the ramp.
_BASE_WEIGHT = 0.35


def blend_weight(heat: np.ndarray, opacity: float) -> np.ndarray:
    """How much colour each pixel gets, in [0, 1]: ``opacity * (0.35 + 0.65 * heat)``.

    The one blend rule: :func:`blend_overlay` mixes with it in numpy, and the window uses
    it as the alpha channel of the small layer Qt scales over the photo, so the preview
    and "Save overlay as PNG" show the same picture.
    """
    heat01 = np.clip(heat, 0.0, 1.0)
    return np.clip(opacity, 0.0, 1.0) * (_BASE_WEIGHT + (1.0 - _BASE_WEIGHT) * heat01)


def blend_overlay(
    rgb: np.ndarray, heat: np.ndarray, opacity: float = 0.5, colours: str = CLASSIC
) -> np.ndarray:
    """Blend the coloured heatmap over the photo; strong attention shows most colour.

    Weighting the colour by the heat itself keeps unattended areas close to the photo,
    so a person sees the image and where the model looked at the same time.
    """
    if rgb.shape[:2] != heat.shape:
        raise ValueError(f"image {rgb.shape[:2]} and heatmap {heat.shape} differ in size")
    weight = blend_weight(heat, opacity)[..., None]
    blended = (
        rgb.astype(np.float32) * (1 - weight) + colorize(heat, colours).astype(np.float32) * weight
    )
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)
