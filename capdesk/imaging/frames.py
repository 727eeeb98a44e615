"""Squashing in-memory frames (a decoded video frame) exactly like a photo file is squashed.

:func:`capdesk.imaging.load_for_model` opens a file; a video decoder hands over pixels that
are already in memory. Both must reach the model the same way (squash to the manifest's
input size with the manifest's filter, in Pillow), or captions of a frame and of the same
picture saved as a JPEG would differ for no reason.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from capdesk.imaging.loading import _RESAMPLE


def squash_rgb(
    pixels: np.ndarray | Image.Image, size: tuple[int, int], resample: str = "bilinear"
) -> np.ndarray:
    """Return uint8 RGB (H, W, 3) squashed to ``size`` (width, height) with ``resample``."""
    image = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    if image.mode != "RGB":
        image = image.convert("RGB")
    if image.size != size:
        image = image.resize(size, _RESAMPLE[resample])
    return np.asarray(image, dtype=np.uint8)
