"""Photo quality checks: sharp photos pass, blurred/dark/bright/tiny ones are flagged."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from capdesk.domain import FLAG_CODES, FLAG_MESSAGES, Flag, make_flag
from capdesk.domain.flags import BLURRED, TOO_BRIGHT, TOO_DARK, TOO_SMALL
from capdesk.imaging.grey import shared_grey
from capdesk.imaging.quality import (
    DEFAULT_THRESHOLDS,
    QualityThresholds,
    analysis_grey,
    assess_quality,
)
from capdesk.ocr.gate import gate_thumbnail
from tests.support.scenes import synthetic_scene

SIZE = (224, 224)
_scene = synthetic_scene


def _blur(rgb: np.ndarray, sigma: float) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)))


def _motion(rgb: np.ndarray, length: int) -> np.ndarray:
    """Horizontal camera shake: the mean of ``length`` horizontally shifted copies."""
    padded = np.pad(rgb.astype(np.float64), ((0, 0), (length, length), (0, 0)), mode="edge")
    w = rgb.shape[1]
    acc = sum(padded[:, length + d : length + d + w] for d in range(-length // 2, length // 2))
    return np.clip(np.asarray(acc) / length, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sharp_scene_is_not_flagged(seed: int) -> None:
    report = assess_quality(_scene(seed), SIZE)
    assert report.flags == ()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_strongly_blurred_scene_is_flagged_blurred(seed: int) -> None:
    report = assess_quality(_blur(_scene(seed), 4.0), SIZE)
    assert report.codes == (BLURRED,)


def test_camera_shake_in_one_direction_is_flagged_blurred() -> None:
    report = assess_quality(_motion(_scene(3), 20), SIZE)
    assert BLURRED in report.codes


def test_low_contrast_sharp_scene_is_not_called_blurred() -> None:
    """Contrast squeezed to a fifth (fog, a grey wall with detail) stays sharp."""
    scene = _scene(4).astype(np.float64)
    faint = (128 + (scene - scene.mean()) * 0.2).astype(np.uint8)
    assert BLURRED not in assess_quality(faint, SIZE).codes


def test_blur_raises_sharpness_falls() -> None:
    scene = _scene(5)
    values = [assess_quality(_blur(scene, s), SIZE).measures.sharpness for s in (0.01, 1, 2, 4)]
    assert values == sorted(values, reverse=True)


def test_black_photo_is_too_dark() -> None:
    black = np.zeros((224, 224, 3), dtype=np.uint8)
    assert assess_quality(black, SIZE).codes == (TOO_DARK,)


def test_underexposed_scene_is_too_dark() -> None:
    dim = (_scene(6).astype(np.float64) * 0.12).astype(np.uint8)
    assert assess_quality(dim, SIZE).codes == (TOO_DARK,)


def test_white_photo_is_too_bright() -> None:
    white = np.full((224, 224, 3), 255, dtype=np.uint8)
    assert assess_quality(white, SIZE).codes == (TOO_BRIGHT,)


def test_tiny_original_is_too_small() -> None:
    report = assess_quality(_scene(7, (40, 30)), (40, 30))
    assert TOO_SMALL in report.codes


def test_small_original_squashed_to_model_size_is_too_small() -> None:
    """The engine passes the 224 array and the original size; the size decides."""
    upscaled = np.asarray(Image.fromarray(_scene(8, (60, 45))).resize(SIZE))
    assert TOO_SMALL in assess_quality(upscaled, (60, 45)).codes


def test_greyscale_input_is_accepted_and_agrees_with_rgb() -> None:
    rgb = _scene(9)
    grey = np.asarray(Image.fromarray(rgb).convert("L"))
    grey_rgb = np.asarray(Image.fromarray(grey).convert("RGB"))
    a, b = assess_quality(grey, SIZE), assess_quality(grey_rgb, SIZE)
    assert a.codes == b.codes == ()
    assert a.measures.sharpness == pytest.approx(b.measures.sharpness, rel=0.02)


@pytest.mark.parametrize("size", [(1, 1), (3, 7), (37, 211), (301, 157), (1000, 750)])
def test_odd_sizes_give_a_report(size: tuple[int, int]) -> None:
    rgb = _scene(10, size)
    report = assess_quality(rgb, size)
    assert all(flag.code in FLAG_CODES for flag in report.flags)
    assert np.isfinite(report.measures.sharpness)


def test_large_array_is_measured_like_its_downscaled_copy() -> None:
    big = np.asarray(Image.fromarray(_scene(11, (512, 512))))
    small = np.asarray(Image.fromarray(big).resize((256, 256), Image.Resampling.BILINEAR))
    assert analysis_grey(big).shape == (256, 256)
    assert assess_quality(big, (512, 512)).codes == assess_quality(small, (512, 512)).codes


def test_every_flag_has_a_known_code_and_a_message() -> None:
    reports = [
        assess_quality(np.zeros((224, 224, 3), np.uint8), (20, 20)),
        assess_quality(np.full((224, 224, 3), 255, np.uint8), SIZE),
        assess_quality(_blur(_scene(12), 5), SIZE),
    ]
    flags = [flag for report in reports for flag in report.flags]
    assert {f.code for f in flags} == {TOO_SMALL, TOO_DARK, TOO_BRIGHT, BLURRED}
    for flag in flags:
        assert flag.code in FLAG_CODES
        assert len(flag.message) > 20
        assert flag.message == FLAG_MESSAGES[flag.code]


def test_vocabulary() -> None:
    assert set(FLAG_CODES) == {
        "unfamiliar",
        "blurred",
        "too_dark",
        "too_bright",
        "too_small",
        "mostly_text",
        "low_confidence",
    }
    assert make_flag("blurred").to_dict() == {"code": "blurred", "message": FLAG_MESSAGES[BLURRED]}
    with pytest.raises(ValueError, match="unknown flag code"):
        make_flag("nope")
    with pytest.raises(ValueError):
        Flag("", "x")


def test_thresholds_can_be_overridden_from_a_model_folder() -> None:
    strict = QualityThresholds.from_mapping({"min_side": 1000})
    assert strict.min_side == 1000
    assert strict.sharpness_min == DEFAULT_THRESHOLDS.sharpness_min
    assert TOO_SMALL in assess_quality(_scene(13), SIZE, strict).codes
    with pytest.raises(ValueError, match="unknown quality thresholds"):
        QualityThresholds.from_mapping({"nope": 1})


def _white_page() -> np.ndarray:
    """Dark strokes on pure white paper filling the frame (the paper clips by design); at
    224 px a page's letters are thin and cover well under a tenth of it."""
    page = np.full((224, 224, 3), 255, dtype=np.uint8)
    for top in range(14, 210, 14):  # lines of "letters": short dark bars with gaps
        for left in range(10, 200, 9):
            page[top:top + 3, left:left + 3] = 40
    return page


def test_a_white_page_of_text_is_not_called_over_exposed() -> None:
    page = _white_page()
    assert TOO_BRIGHT in assess_quality(page, SIZE).codes  # no gate probability: unknown
    assert TOO_BRIGHT not in assess_quality(page, SIZE, text_probability=0.9).codes
    assert TOO_BRIGHT in assess_quality(page, SIZE, text_probability=0.3).codes


def test_a_washed_out_scene_stays_too_bright_even_if_the_gate_sees_text() -> None:
    # Over-exposed, but its shadows keep the 10th-percentile grey low: not a page.
    scene = _scene(21).astype(np.float64) * 3.0 + 60
    washed = np.clip(scene, 0, 255).astype(np.uint8)
    washed[:40] = 10  # a dark band, as over-exposed photos keep their deepest shadows
    report = assess_quality(washed, SIZE, text_probability=0.95)
    assert report.measures.p10 < DEFAULT_THRESHOLDS.page_p10_min
    assert report.codes == (TOO_BRIGHT,)


def test_one_shared_grey_gives_the_same_flags_and_gate_input() -> None:
    for rgb in (_scene(30), _blur(_scene(31), 5), _white_page(),
                (_scene(32).astype(np.float64) * 0.12).astype(np.uint8)):
        grey = shared_grey(rgb)
        assert np.array_equal(grey.thumb, gate_thumbnail(rgb))  # the gate sees the same
        alone, together = assess_quality(rgb, SIZE), assess_quality(rgb, SIZE, shared=grey)
        assert alone.codes == together.codes
        assert abs(alone.measures.mean - together.measures.mean) <= 0.5  # whole grey levels
