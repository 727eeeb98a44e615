"""Small numpy/Pillow image operations the OCR engines share (no OpenCV, no scipy)."""

from __future__ import annotations

import numpy as np
from PIL import Image


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma as uint8 (what Pillow's ``L`` mode gives), from an (H, W, 3) uint8 array."""
    if rgb.ndim == 2:
        return rgb.astype(np.uint8, copy=False)
    return np.asarray(Image.fromarray(rgb[..., :3].astype(np.uint8, copy=False)).convert("L"))


def resize(img: np.ndarray, width: int, height: int,
           resample: Image.Resampling = Image.Resampling.BILINEAR) -> np.ndarray:
    """Resize an uint8 grey or RGB array with Pillow."""
    return np.asarray(Image.fromarray(img).resize((max(1, width), max(1, height)), resample))


def box_mean(img: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window via an integral image; edges use the part inside the image."""
    h, w = img.shape
    ii = np.zeros((h + 1, w + 1), np.float64)
    ii[1:, 1:] = np.cumsum(np.cumsum(img, axis=0, dtype=np.float64), axis=1)
    y0 = np.clip(np.arange(h) - radius, 0, h)
    y1 = np.clip(np.arange(h) + radius + 1, 0, h)
    x0 = np.clip(np.arange(w) - radius, 0, w)
    x1 = np.clip(np.arange(w) + radius + 1, 0, w)
    s = ii[y1][:, x1] - ii[y0][:, x1] - ii[y1][:, x0] + ii[y0][:, x0]
    area = (y1 - y0)[:, None] * (x1 - x0)[None, :]
    return s / area


def sauvola(grey: np.ndarray, radius: int = 15, k: float = 0.2) -> np.ndarray:
    """Sauvola adaptive binarisation: dark text on uneven paper becomes black on white.

    Why: photographed receipts have shading that a global threshold turns into black blobs.
    """
    g = grey.astype(np.float64)
    mean = box_mean(g, radius)
    sq = box_mean(g * g, radius)
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    threshold = mean * (1.0 + k * (std / 128.0 - 1.0))
    return np.where(g > threshold, 255, 0).astype(np.uint8)


def union_coverage(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> float:
    """Fraction of a width x height image covered by the union of boxes (overlaps once)."""
    if not boxes or width <= 0 or height <= 0:
        return 0.0
    step = max(1, max(width, height) // 256)
    mask = np.zeros(((height + step - 1) // step, (width + step - 1) // step), bool)
    for x0, y0, x1, y1 in boxes:
        mask[max(0, y0) // step:max(0, y1 + step - 1) // step,
             max(0, x0) // step:max(0, x1 + step - 1) // step] = True
    return float(mask.mean())


def remove_rules(grey: np.ndarray, min_length: int, dark: int = 160) -> np.ndarray:
    """Paint long horizontal and vertical dark runs (form rules, underlines, table borders) white.

    Why: on forms, Tesseract merges underlined words with the rule below them and drops the
    whole block; rules are much longer than any letter stroke, so runs longer than
    ``min_length`` pixels can go without touching letters (which only lose the overlap).
    """
    out = grey.copy()
    mask = grey < dark
    for axis in (1, 0):
        m = mask if axis == 1 else mask.T
        o = out if axis == 1 else out.T            # a view: writes go into ``out``
        padded = np.zeros((m.shape[0], m.shape[1] + 2), np.int8)
        padded[:, 1:-1] = m
        d = np.diff(padded, axis=1)
        ry, rx0 = np.nonzero(d == 1)
        _, rx1 = np.nonzero(d == -1)
        for y, a, b in zip(ry, rx0, rx1, strict=True):
            if b - a >= min_length:
                o[y, a:b] = 255
    return out
