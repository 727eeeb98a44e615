"""A very cheap "is there text here?" test run before any OCR.

Why: capdesk captions ~30 photos/s, so the text check must cost well under 5 ms on an ordinary
photo with no text. The gate looks at a 128-pixel grey thumbnail only: text is many short,
high-contrast strokes that alternate along a row, in cells that are otherwise flat (paper, a
sign's background). A logistic model over a few such statistics (weights in
``models/ocr/gate.json``, fitted by scripts/ocr_fit_gate.py on the fit halves and Flickr8k
val) says whether to run the costlier detector.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

THUMB = 128
FEATURES = ("edge_density", "busy_cells", "row_alternation", "col_alternation",
            "bright_fraction", "grey_std", "flat_cells", "busy_and_flat")


def gate_thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The gate's input: the photo's 8-bit grey, 128×128 bilinear, scaled to 0..1."""
    im = Image.fromarray(rgb[..., :3] if rgb.ndim == 3 else rgb)
    thumb = im.convert("L").resize((THUMB, THUMB), Image.Resampling.BILINEAR)
    return np.asarray(thumb, np.float32) / 255.0


def gate_features(rgb: np.ndarray | None, thumb: np.ndarray | None = None) -> np.ndarray:
    """Eight statistics of a 128-px grey thumbnail (about 1 ms); ``thumb`` is that
    thumbnail when the caller already has it (capdesk.imaging.grey.SharedGrey)."""
    if thumb is None:
        if rgb is None:
            raise ValueError("gate_features needs the photo or its thumbnail")
        thumb = gate_thumbnail(rgb)
    g = np.asarray(thumb, np.float32)
    gx = np.diff(g, axis=1)
    gy = np.diff(g, axis=0)
    strong_x = np.abs(gx) > 0.12
    strong_y = np.abs(gy) > 0.12
    edge = strong_x[:-1, :] | strong_y[:, :-1]
    # sign changes of strong gradients along rows / columns: strokes alternate dark-light-dark
    sx = np.sign(gx) * strong_x
    sy = np.sign(gy) * strong_y
    row_alt = float(np.mean((sx[:, 1:] * sx[:, :-1]) < 0) + np.mean((sx[:, 2:] * sx[:, :-2]) < 0))
    col_alt = float(np.mean((sy[1:] * sy[:-1]) < 0) + np.mean((sy[2:] * sy[:-2]) < 0))
    cells = edge[:120, :120].reshape(15, 8, 15, 8).mean(axis=(1, 3))
    std_cells = g[:128, :128].reshape(16, 8, 16, 8).std(axis=(1, 3))
    busy = cells > 0.15
    flat = std_cells < 0.03
    feats = [edge.mean(), busy.mean(), row_alt, col_alt, float((g > 0.7).mean()), g.std(),
             flat.mean(), float(busy.mean() * flat.mean())]
    return np.array(feats, np.float64)


@dataclass(frozen=True)
class TextGate:
    """Logistic model over ``gate_features``; ``threshold`` is on the probability."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path) -> TextGate:
        d = json.loads(Path(path).read_text())
        return cls(np.array(d["mean"]), np.array(d["scale"]), np.array(d["weights"]),
                   float(d["bias"]), float(d["threshold"]))

    def probability(self, rgb: np.ndarray | None, thumb: np.ndarray | None = None) -> float:
        z = (gate_features(rgb, thumb) - self.mean) / self.scale
        return 1.0 / (1.0 + math.exp(-float(z @ self.weights + self.bias)))

    def passes(self, rgb: np.ndarray) -> bool:
        return self.probability(rgb) >= self.threshold
