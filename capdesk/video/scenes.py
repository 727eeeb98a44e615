"""Finding cuts: an HSV histogram difference between consecutive tiny frames (numpy + Pillow).

Each analysed frame (64×36) becomes a joint histogram of hue (16 bins), saturation (4) and
value (4); the distance between consecutive frames is half the L1 distance of their
normalised histograms (0 = same colours, 1 = no colour in common). A cut is where the
distance exceeds ``threshold`` and at least ``min_shot`` seconds have passed since the
previous cut. A histogram ignores where colours are, so camera motion, slow pans and
sensor noise barely move it, while a cut to another picture does. Chosen over
PySceneDetect's content detector after measuring both on generated videos
(``scripts/video_scenes_compare.py``, figures in docs/VIDEO.md): same cuts found, no
OpenCV dependency, and cheaper per frame. Gradual fades are not cuts to either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

_BINS = (16, 4, 4)


def hsv_histogram(rgb: np.ndarray) -> np.ndarray:
    """Normalised joint H×S×V histogram (256 values summing to 1) of a uint8 RGB frame."""
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV"), dtype=np.uint16)
    h = hsv[..., 0] * _BINS[0] >> 8
    s = hsv[..., 1] * _BINS[1] >> 8
    v = hsv[..., 2] * _BINS[2] >> 8
    index = (h * _BINS[1] + s) * _BINS[2] + v
    counts = np.bincount(index.ravel(), minlength=_BINS[0] * _BINS[1] * _BINS[2])
    return counts.astype(np.float32) / max(int(index.size), 1)


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Half the L1 distance between two normalised histograms, in [0, 1]."""
    return float(np.abs(a - b).sum()) * 0.5


@dataclass
class CutDetector:
    """Streams frames in time order and reports each cut as it is seen."""

    threshold: float = 0.35
    min_shot: float = 1.0
    _previous: np.ndarray | None = None
    _last_cut: float = 0.0
    distances: list[float] = field(default_factory=list)

    def feed(self, time: float, small: np.ndarray) -> bool:
        """True when the frame at ``time`` starts a new shot."""
        histogram = hsv_histogram(small)
        previous, self._previous = self._previous, histogram
        if previous is None:
            self._last_cut = time
            return False
        distance = histogram_distance(previous, histogram)
        self.distances.append(distance)
        if distance > self.threshold and time - self._last_cut >= self.min_shot:
            self._last_cut = time
            return True
        return False
