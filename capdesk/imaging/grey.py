"""One grey copy of each photo for every cheap check (quality and the text gate).

The photo-quality checks (capdesk.imaging.quality) and the text gate (capdesk.ocr.gate)
both start by turning the loader's 224-px array into grey: the quality checks into a
float luma image, the gate into an 8-bit grey 128-px thumbnail. Computing that grey once
per photo on the loader thread and handing it to both saves the second conversion
(measured in docs/PERFORMANCE.md, scripts/quality_cost.py ``--shared``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from capdesk.imaging.quality import ANALYSIS_SIDE, analysis_array

GATE_SIDE = 128  # the text gate's thumbnail side (capdesk.ocr.gate.THUMB)


@dataclass(frozen=True)
class SharedGrey:
    """``array``: the analysis array (uint8, longer side <= 256, RGB kept for the
    highlight checks); ``grey``: its luma (8-bit levels, float32); ``thumb``: the 8-bit
    grey at 128×128 (bilinear), scaled to 0..1, as the text gate reads it."""

    array: np.ndarray
    grey: np.ndarray
    thumb: np.ndarray


def shared_grey(rgb: np.ndarray) -> SharedGrey:
    """The one grey conversion of ``rgb`` (uint8 (H, W, 3) or (H, W)) both checks use.

    PIL's 8-bit "L" conversion (Rec. 601 weights, as the quality checks' own float luma,
    rounded to whole grey levels) is made once: the gate's thumbnail is exactly what the
    gate made on its own, and the quality checks read the same grey as float.
    """
    array = analysis_array(rgb, ANALYSIS_SIDE)
    plain = array if array.ndim == 2 else np.ascontiguousarray(array[:, :, :3])
    luma = Image.fromarray(plain).convert("L") if plain.ndim == 3 else Image.fromarray(plain)
    if array.shape[:2] == rgb.shape[:2]:
        source = luma
    else:  # the analysis array was shrunk: the gate still reads the photo as given
        whole = rgb[..., :3] if rgb.ndim == 3 else rgb
        source = Image.fromarray(np.ascontiguousarray(whole)).convert("L")
    small = source.resize((GATE_SIDE, GATE_SIDE), Image.Resampling.BILINEAR)
    return SharedGrey(array, np.asarray(luma, np.float32), np.asarray(small, np.float32) / 255.0)
