"""Reading a photo for the model, and the checks that run beside it on the loader threads.

Kept apart from the Captioner so the captioning code stays about the model; the loader
pool calls these with the Captioner's spec, thresholds and stage times.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capdesk.domain import Flag, make_flag
from capdesk.domain.flags import MOSTLY_TEXT
from capdesk.engine.errors import ModelError
from capdesk.engine.model import ModelSpec
from capdesk.engine.visible_text import TextStage
from capdesk.imaging import ImageLoadError, QualityThresholds, assess_quality, load_for_model
from capdesk.imaging.grey import shared_grey
from capdesk.imaging.quality import FITTED_SIDE

log = logging.getLogger(__name__)

Loaded = tuple[np.ndarray, tuple[int, int]] | ImageLoadError
#: A loaded photo with the flags its quality and text checks raised and the text read in it
#: (None: not read), all on the loader thread.
Checked = tuple[np.ndarray, tuple[int, int], tuple[Flag, ...], str | None] | ImageLoadError


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over a run; ``capdesk bench`` reports them."""

    decode: float = 0.0
    encoder: float = 0.0
    search: float = 0.0
    images: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def load_photo(path: Path, spec: ModelSpec, times: StageTimes) -> Loaded:
    """The engine's loader (EXIF orientation, JPEG draft, alpha on white, squash)."""
    started = time.perf_counter()
    try:
        return load_for_model(path, spec.input_size, spec.resample)
    except ImageLoadError as exc:
        return exc
    except Exception as exc:
        log.exception("unexpected error while reading %s", path)
        return ImageLoadError(f"cannot read image: {exc}")
    finally:
        times.decode += time.perf_counter() - started


def check_photo(
    path: Path,
    spec: ModelSpec,
    quality: QualityThresholds,
    text_stage: TextStage,
    times: StageTimes,
) -> Checked:
    """:func:`load_photo`, then the photo-quality checks and the text gate on the same
    pixels (blur, exposure, size; ~2 ms each), so they run on the loader threads beside
    decoding; photos the gate passes are read here too when reading was asked for."""
    loaded = load_photo(path, spec, times)
    if isinstance(loaded, ImageLoadError):
        return loaded
    started = time.perf_counter()
    pixels, size = loaded
    checked = pixels
    if max(pixels.shape[:2]) < FITTED_SIDE:
        # The thresholds were fitted on 224-px photos; a model with a smaller input
        # (the tests' tiny one) gets the photo decoded once more at that size.
        checked, _ = load_for_model(path, (FITTED_SIDE, FITTED_SIDE), "bilinear")
    # One grey copy for both checks (capdesk.imaging.grey); counted as quality time.
    shared = shared_grey(checked)
    spent = time.perf_counter() - started
    # The gate first: its probability tells the exposure check a white page from a
    # washed-out photo (capdesk.imaging.quality.looks_like_page).
    found = text_stage.examine(path, checked, times.extra, shared.thumb)
    started = time.perf_counter()
    flags = assess_quality(checked, size, quality, found.score, shared).flags
    times.extra["quality"] = (
        times.extra.get("quality", 0.0) + spent + time.perf_counter() - started
    )
    if found.mostly_text:
        flags = (*flags, make_flag(MOSTLY_TEXT))
    return pixels, size, flags, found.visible_text


def quality_thresholds(spec: ModelSpec) -> QualityThresholds:
    """The checks' thresholds: the defaults, or the model folder's ``quality`` block."""
    try:
        return QualityThresholds.from_mapping(spec.manifest.get("quality") or {})
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"{spec.directory / 'manifest.json'} has a broken \"quality\" block ({exc}). "
            "Remove it to use the default checks, or re-export the model."
        ) from exc
