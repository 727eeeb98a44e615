"""Synthetic photos with known quality, shared by the imaging and engine tests."""

from __future__ import annotations

import numpy as np


def synthetic_scene(seed: int = 0, size: tuple[int, int] = (224, 224)) -> np.ndarray:
    """A sharp synthetic photo: random rectangles and discs of varied grey and colour
    over a gradient, with fine texture, like a cluttered indoor shot."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.zeros((h, w, 3), dtype=np.float64)
    image += (60 + 80 * xx / w)[..., None]
    for _ in range(40):
        colour = rng.uniform(20, 235, 3)
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        if rng.random() < 0.5:
            x1, y1 = x0 + rng.integers(1, max(2, w // 3)), y0 + rng.integers(1, max(2, h // 3))
            image[y0:y1, x0:x1] = colour
        else:
            r = rng.integers(1, max(2, w // 6))
            image[(xx - x0) ** 2 + (yy - y0) ** 2 < r * r] = colour
    image += rng.normal(0, 3, (h, w, 1))
    return np.clip(image, 0, 255).astype(np.uint8)
