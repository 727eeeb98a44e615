"""Cheap checks that tell a photographer their photo cannot be described well: blurred,
far too dark, washed out, or too small.

Blind photographers often cannot see that a shot is unusable; a caption of a blurred or
black photo is a guess read out as fact. These checks run on the small array the engine
already decodes for the model (224×224, squashed), so they cost a fraction of a
millisecond and no extra decode. The thresholds were chosen on generated degradations of
Flickr8k and COCO val photos (scripts/quality_sets.py, scripts/quality_eval.py; figures
in docs/TRUST.md) and live in one dataclass so a model folder can override them.

Blur is measured so that contrast does not matter. At half resolution, per direction
(horizontal, vertical, both diagonals), the energy of second differences is divided by
the energy of differences across 6 pixels, on the tiles with the most contrast in that
direction. Blur removes fine detail but keeps coarse contrast, so the ratio falls;
dimming or a low-contrast scene scales both alike and leaves it unchanged. Only the
highest-contrast tiles count, so a sharp subject before a smooth or out-of-focus
background counts as sharp; the weakest direction decides, so a camera shake in one
direction is caught. On generated val sets this separated blurred from original photos
better than the plain Laplacian variance and than ratios of fine to coarse energy
(docs/TRUST.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Protocol

import numpy as np
from PIL import Image

from capdesk.domain.flags import BLURRED, TOO_BRIGHT, TOO_DARK, TOO_SMALL, Flag, make_flag

# Rec. 601 luma weights: the grey the eye sees, cheap to compute.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
ANALYSIS_SIDE = 256  # larger inputs are shrunk to this before measuring
FITTED_SIDE = 224  # the thresholds were chosen on the loader's 224×224 arrays
TILE = 32  # tile side (px at the analysis size) for the local sharpness measure
STEP = 3  # half the span (px at half resolution) of the wide difference blur is compared to
DARK_LEVEL = 32  # grey levels at or below this count as "dark"
BRIGHT_LEVEL = 245  # grey levels at or above this count as "clipped bright"
CLIP_LEVEL = 250  # a pixel with any channel at or above this has lost highlight detail


@dataclass(frozen=True)
class QualityThresholds:
    """Where each flag starts, overridable per model.

    The defaults are what scripts/quality_eval.py chose on Flickr8k + COCO val copies
    (docs/TRUST.md): per check, the most (strong copies flagged − originals and mild
    copies flagged) with at most 1.5 % of original val photos flagged. ``min_side`` is
    not fitted: below 96 px the model's 224 px input is more than 2.3× interpolated.
    """

    sharpness_min: float = 0.0421  # below: blurred
    sharpness_contrast_min: float = 4.0  # tiles with less wide-difference RMS are ignored
    dark_p95_max: float = 107.5  # 95th-percentile grey at or below this: too dark
    bright_clipped_min: float = 0.263  # this share of pixels with a clipped channel...
    bright_washed_min: float = 0.0635  # ...and this share with two clipped: too bright
    # A page of text is white by design, not over-exposed: no too_bright when the text
    # gate's probability is at least ``page_text_min`` and the 10th-percentile grey is at
    # least ``page_p10_min`` (the page fills the frame). Chosen on the ood fit halves of
    # receipts and forms and the val copies (scripts/bright_documents.py, docs/TRUST.md).
    page_text_min: float = 0.60
    page_p10_min: float = 163.0
    min_side: int = 96  # originals whose shorter side is below this: too small

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> QualityThresholds:
        """Defaults overridden by a model folder's ``quality`` block; unknown keys are errors."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown quality thresholds: {', '.join(sorted(unknown))}")
        return replace(cls(), **{k: type(getattr(cls(), k))(v) for k, v in values.items()})


@dataclass(frozen=True)
class QualityMeasures:
    """The numbers the flags are decided on, kept so trust models and reports can use them."""

    original_size: tuple[int, int]
    mean: float  # grey level 0..255
    p05: float
    p10: float
    p50: float
    p95: float
    dark_fraction: float  # share of pixels at or below DARK_LEVEL
    bright_fraction: float  # share of pixels at or above BRIGHT_LEVEL
    clipped_fraction: float  # share of pixels with any channel at or above CLIP_LEVEL
    washed_fraction: float  # share of pixels with two or three channels at or above it
    sharpness: float  # contrast-free detail measure at half resolution, weakest direction
    sharpness_iso: float  # the same over all directions together
    contrast: float  # RMS wide difference (grey levels) of the tiles sharpness was taken on


@dataclass(frozen=True)
class QualityReport:
    """Measures and the flags they raise (empty when the photo looks usable)."""

    measures: QualityMeasures
    flags: tuple[Flag, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)


DEFAULT_THRESHOLDS = QualityThresholds()


class SharedGreyLike(Protocol):
    """What :func:`measure_quality` reads of :class:`capdesk.imaging.grey.SharedGrey`."""

    @property
    def array(self) -> np.ndarray: ...

    @property
    def grey(self) -> np.ndarray: ...


def analysis_grey(rgb: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    """float32 grey (H, W) from uint8 RGB or grey, shrunk so its longer side is <= ``side``.

    The loader's 224×224 array passes through without resizing; a bigger array (e.g. a
    preview) is shrunk first so the cost stays flat and the measures stay comparable.
    """
    return _grey(analysis_array(rgb, side))


def analysis_array(rgb: np.ndarray, side: int = ANALYSIS_SIDE) -> np.ndarray:
    """uint8 (H, W) or (H, W, 3), shrunk so its longer side is <= ``side``."""
    array = np.asarray(rgb)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3:
        array = array[:, :, :3]
    if max(array.shape[:2]) > side:
        image = Image.fromarray(array.astype(np.uint8))
        image.thumbnail((side, side), Image.Resampling.BILINEAR)
        array = np.asarray(image)
    return array


def _grey(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:
        return np.asarray(array, dtype=np.float32) @ _LUMA
    return np.asarray(array, dtype=np.float32)


def _half(grey: np.ndarray) -> np.ndarray:
    h, w = (grey.shape[0] // 2) * 2, (grey.shape[1] // 2) * 2
    g = grey[:h, :w]
    return 0.25 * (g[0::2, 0::2] + g[1::2, 0::2] + g[0::2, 1::2] + g[1::2, 1::2])


def _tile_sums(values: np.ndarray, offset: int, tile: int, rows: int, cols: int) -> np.ndarray:
    """Sums of ``values`` (an image cropped by ``offset`` on each side) over a rows×cols grid
    of tile×tile blocks of the uncropped image, flattened."""
    padded = np.zeros((rows * tile, cols * tile), dtype=np.float32)
    h = min(values.shape[0], rows * tile - offset)
    w = min(values.shape[1], cols * tile - offset)
    padded[offset : offset + h, offset : offset + w] = values[:h, :w]
    return padded.reshape(rows, tile, cols, tile).sum(axis=(1, 3)).ravel()


def _shift(grey: np.ndarray, dy: int, dx: int, pad: int) -> np.ndarray:
    h, w = grey.shape
    return grey[pad + dy : h - pad + dy, pad + dx : w - pad + dx]


def _sharpness(grey: np.ndarray, contrast_min: float) -> tuple[float, float, float]:
    """(weakest-direction sharpness, mean over directions, contrast of the tiles used).

    Per direction (horizontal, vertical, both diagonals), at half resolution: the energy
    of second differences over the energy of differences across ``2 * STEP`` pixels, on
    the quarter of tiles with the most contrast in that direction. Blur lowers the first
    and barely touches the second; exposure and scene contrast scale both alike. Choosing
    tiles per direction keeps a photo of straight edges (a cooker panel) from looking
    blurred along the edges, while a camera shake still lowers its own direction.
    """
    half = _half(grey)
    pad = STEP
    if min(half.shape) < 2 * pad + 3:
        return 0.0, 0.0, 0.0
    tile = min(TILE // 2, *half.shape)
    rows, cols = max(1, half.shape[0] // tile), max(1, half.shape[1] // tile)
    centre = _shift(half, 0, 0, pad)
    ratios, contrasts = [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        fine = _shift(half, dy, dx, pad) + _shift(half, -dy, -dx, pad) - 2 * centre
        wide = _shift(half, STEP * dy, STEP * dx, pad) - _shift(half, -STEP * dy, -STEP * dx, pad)
        fine_e = _tile_sums(fine * fine, pad, tile, rows, cols)
        wide_e = _tile_sums(wide * wide, pad, tile, rows, cols)
        keep = np.argsort(wide_e)[::-1][: max(2, wide_e.size // 4)]
        keep = keep[wide_e[keep] >= contrast_min**2 * tile * tile]
        if keep.size == 0:  # nothing varies in this direction: nothing to be sharp about
            ratios.append(0.0)
            contrasts.append(0.0)
            continue
        ratios.append(float(fine_e[keep].sum() / wide_e[keep].sum()))
        contrasts.append(float(np.sqrt(wide_e[keep].mean() / (tile * tile))))
    return min(ratios), float(np.mean(ratios)), float(np.mean(contrasts))


def measure_quality(
    rgb: np.ndarray,
    original_size: tuple[int, int],
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    shared: SharedGreyLike | None = None,
) -> QualityMeasures:
    """All measures of one photo; ``original_size`` is the upright (width, height) on disk.

    ``shared`` is the photo's :class:`capdesk.imaging.grey.SharedGrey` when the caller made
    one (the engine does, for this check and the text gate): its grey is used as is."""
    if shared is not None:
        array, grey = shared.array, shared.grey
    else:
        array = analysis_array(rgb, ANALYSIS_SIDE)
        grey = _grey(array)
    # Highlights: one clipped channel is often just a saturated colour (a warm-lit floor);
    # two clipped channels over a large area is detail washed out to white.
    if array.ndim == 3:
        r, g, b = (array[:, :, i] >= CLIP_LEVEL for i in range(3))
        clipped = float(np.count_nonzero(r | g | b)) / r.size
        washed = float(np.count_nonzero((r & g) | (r & b) | (g & b))) / r.size
    else:
        clipped = washed = float(np.count_nonzero(array >= CLIP_LEVEL)) / max(array.size, 1)
    # Exposure measures from a 256-bin histogram: exact to a grey level, and a bincount is
    # several times cheaper than sorting for percentiles.
    counts = np.bincount((grey + 0.5).astype(np.uint8).ravel(), minlength=256)
    share = np.cumsum(counts) / grey.size
    p05, p10, p50, p95 = (float(np.searchsorted(share, q)) for q in (0.05, 0.1, 0.5, 0.95))
    sharp, sharp_iso, contrast = _sharpness(grey, thresholds.sharpness_contrast_min)
    return QualityMeasures(
        original_size=(int(original_size[0]), int(original_size[1])),
        mean=float(grey.mean()),
        p05=p05,
        p10=p10,
        p50=p50,
        p95=p95,
        dark_fraction=float(share[DARK_LEVEL]),
        bright_fraction=float(1.0 - share[BRIGHT_LEVEL - 1]),
        clipped_fraction=clipped,
        washed_fraction=washed,
        sharpness=sharp,
        sharpness_iso=sharp_iso,
        contrast=contrast,
    )


def looks_like_page(measures: QualityMeasures, thresholds: QualityThresholds,
                    text_probability: float | None) -> bool:
    """A page of text filling the frame: white by design, so its clipped white is no
    exposure fault. Needs the text gate's probability (None: not known, not a page)."""
    return (text_probability is not None and text_probability >= thresholds.page_text_min
            and measures.p10 >= thresholds.page_p10_min)


def flags_for(measures: QualityMeasures, thresholds: QualityThresholds,
              text_probability: float | None = None) -> tuple[Flag, ...]:
    """The flags the measures raise, most actionable first.

    A photo that is too dark or too bright is not also called blurred: its missing detail
    is the exposure's fault, and one clear instruction is better than two. A photo too
    small to describe is not called blurred either: upscaling makes any photo look soft.
    ``text_probability`` is the text gate's (capdesk.ocr.gate) for the same pixels: a
    white page of text is not called over-exposed (:func:`looks_like_page`).
    """
    flags: list[Flag] = []
    if min(measures.original_size) < thresholds.min_side:
        flags.append(make_flag(TOO_SMALL))
    if measures.p95 <= thresholds.dark_p95_max:
        flags.append(make_flag(TOO_DARK))
    elif (
        measures.clipped_fraction >= thresholds.bright_clipped_min
        and measures.washed_fraction >= thresholds.bright_washed_min
        and not looks_like_page(measures, thresholds, text_probability)
    ):
        flags.append(make_flag(TOO_BRIGHT))
    elif measures.sharpness < thresholds.sharpness_min and not flags:
        flags.append(make_flag(BLURRED))
    return tuple(flags)


def assess_quality(
    rgb: np.ndarray,
    original_size: tuple[int, int],
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    text_probability: float | None = None,
    shared: SharedGreyLike | None = None,
) -> QualityReport:
    """Measure a decoded photo and flag what would make its caption unreliable.

    ``rgb`` is what the engine feeds the model (uint8, (H, W, 3) or (H, W)); any size
    works. ``original_size`` is the photo's upright (width, height) before resizing;
    ``text_probability`` the text gate's for the same pixels, when known.
    """
    measures = measure_quality(rgb, original_size, thresholds, shared)
    return QualityReport(measures, flags_for(measures, thresholds, text_probability))
