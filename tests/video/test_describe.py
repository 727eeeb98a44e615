"""Describing a generated slideshow with known cuts: cues per shot, timing rules, attention."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")

from capdesk.engine import Captioner
from capdesk.video import DescribeOptions, VideoDescription, describe_video
from capdesk.video.scenes import CutDetector, histogram_distance, hsv_histogram
from tests.video.conftest import DURATIONS


@pytest.fixture(scope="module")
def described(slideshow: tuple[Path, list[float]], tiny_model_dir: Path) -> VideoDescription:
    with Captioner(tiny_model_dir) as captioner:
        return describe_video(slideshow[0], captioner)


def test_one_cue_per_shot_starting_at_its_cut(
    described: VideoDescription, slideshow: tuple[Path, list[float]]
) -> None:
    cuts = slideshow[1]
    starts = [cue.start for cue in described.cues]
    assert abs(len(described.cues) - len(DURATIONS)) <= 1
    assert len(described.shots) == len(DURATIONS)
    for cut in cuts:
        assert min(abs(start - cut) for start in starts) <= 0.5, (cut, starts)
    assert starts[0] == 0.0


def test_cues_follow_the_timing_rules(described: VideoDescription) -> None:
    cues = described.cues
    assert all(cue.text.strip() for cue in cues)
    for cue, following in itertools.pairwise(cues):
        assert cue.end <= following.start + 1e-9
        assert cue.end == pytest.approx(following.start)  # contiguous: no gap, no overlap
    assert all(cue.end - cue.start >= 1.0 for cue in cues)
    assert cues[-1].end == pytest.approx(sum(DURATIONS), abs=0.05)
    assert described.fault is None


def test_each_cue_keeps_its_frame_and_attention(described: VideoDescription) -> None:
    for cue in described.cues:
        assert cue.caption is not None
        assert cue.frame.shape == (32, 32, 3)  # the tiny model's input size
        assert cue.caption.attention.shape[0] == len(cue.caption.words)
        assert cue.start <= cue.frame_time < cue.end


def test_long_shots_are_described_at_least_every_n_seconds(
    slideshow: tuple[Path, list[float]], tiny_model_dir: Path
) -> None:
    with Captioner(tiny_model_dir) as captioner:
        result = describe_video(
            slideshow[0], captioner, DescribeOptions(every=2.0, merge_jaccard=None)
        )
    longest = max(cue.end - cue.start for cue in result.cues)
    assert longest <= 2.0 + 1e-6 + 1.0  # a remainder under min_cue is folded into the cue before
    assert len(result.cues) > len(DURATIONS)


def test_near_identical_captions_of_a_shot_merge(
    slideshow: tuple[Path, list[float]], tiny_model_dir: Path
) -> None:
    with Captioner(tiny_model_dir) as captioner:
        options = DescribeOptions(every=2.0, merge_jaccard=0.0)
        merged = describe_video(slideshow[0], captioner, options)
    assert len(merged.cues) == len(DURATIONS)  # every caption "similar": one cue per shot


def test_histogram_ignores_pans_and_noise_but_not_cuts() -> None:
    rng = np.random.default_rng(1)
    picture = rng.integers(0, 255, (36, 80, 3), dtype=np.uint8)
    other = rng.integers(0, 120, (36, 64, 3), dtype=np.uint8)
    panned = np.clip(picture[:, 4:68].astype(int) + rng.integers(-6, 7, (36, 64, 3)), 0, 255)
    a, b = hsv_histogram(picture[:, :64]), hsv_histogram(panned.astype(np.uint8))
    assert histogram_distance(a, b) < 0.35 < histogram_distance(a, hsv_histogram(other))
    detector = CutDetector(threshold=0.35, min_shot=1.0)
    assert not detector.feed(0.0, picture[:, :64])
    assert not detector.feed(0.5, other)  # too soon after the start to be a cut
    assert detector.feed(1.5, picture[:, :64])
