"""From a video file to timed descriptions: one decode pass, cuts, key frames, captions.

The walk decodes every frame once. Each frame feeds the cut detector; a few frames per
second are also kept at medium size as candidates for the current shot. When a shot ends
(a cut, or ``every`` seconds without one, or the end of the video) its segment gets one
representative frame — the candidate nearest one third into the segment, past any
transition at its start and before the next — squashed like a photo
(:func:`capdesk.imaging.squash_rgb`) and captioned through the engine in batches
(:meth:`Captioner.caption_arrays`), with its attention maps kept on the cue.

Timing rules (docs/VIDEO.md): cues are contiguous and never overlap; a cue starts at its
shot's cut (or at its segment start in a long shot) and ends where the next cue starts,
the last one at the end of the video; a piece shorter than ``min_cue`` seconds is folded
into the cue before it; two consecutive cues of the same shot whose captions are nearly
the same (same words, or word-set Jaccard ≥ ``merge_jaccard``) become one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capdesk.domain import Caption
from capdesk.engine import Captioner, SearchCancelled
from capdesk.imaging import squash_rgb
from capdesk.video.decoding import FrameWalk, VideoError, VideoInfo, open_video
from capdesk.video.scenes import CutDetector

log = logging.getLogger(__name__)

Progress = Callable[[float, float], None]
CueChanged = Callable[[int, "Cue"], None]
"""Told ``(index, cue)`` when a cue is added and each time its end moves (a merge, a short
remainder folded into it): the app shows cues as they are found."""


@dataclass
class Cue:
    """One description: its time span, the frame it describes and the caption of that frame."""

    start: float
    end: float
    shot: int
    frame_time: float
    caption: Caption | None
    frame: np.ndarray  # at the model's input size, for drawing attention over it
    edited: str | None = None
    """A person's words replacing the caption (the app's editor); the writers use them."""
    reviewed: bool = False
    """A person checked this description (accepted or edited it)."""

    @property
    def text(self) -> str:
        if self.edited is not None:
            return self.edited
        return self.caption.text if self.caption else ""

    @property
    def trust(self) -> float | None:
        """The model folder's estimate that a person accepts the caption (None: no estimator)."""
        return self.caption.trust if self.caption else None

    @property
    def flags(self) -> tuple[str, ...]:
        """The estimator's flag codes (``low_confidence``, ``unfamiliar``) on the caption."""
        return self.caption.flags if self.caption else ()


@dataclass
class VideoDescription:
    """The result of :func:`describe_video`; ``fault`` is why it ended early, if it did."""

    info: VideoInfo
    cues: list[Cue]
    shots: list[tuple[float, float]]
    fault: str | None = None
    cancelled: bool = False
    end: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DescribeOptions:
    """Knobs of :func:`describe_video` (seconds unless said otherwise)."""

    every: float = 10.0
    min_cue: float = 1.0
    threshold: float = 0.35
    samples_per_second: float = 2.0
    detect_interval: float = 0.1  # seconds between frames the cut detector compares
    merge_jaccard: float | None = 0.8  # None: never merge
    beam_size: int | None = None
    batch_size: int = 8


def similar(a: Caption | None, b: Caption | None, jaccard: float) -> bool:
    """Whether two captions say the same: same words, or word sets overlapping ≥ ``jaccard``."""
    if a is None or b is None:
        return a is b
    if a.words == b.words:
        return True
    left, right = set(a.words), set(b.words)
    return bool(left | right) and len(left & right) / len(left | right) >= jaccard


@dataclass
class _Segment:
    start: float
    end: float
    shot: int
    frame_time: float
    frame: np.ndarray


class _Describer:
    def __init__(self, captioner: Captioner, options: DescribeOptions, info: VideoInfo) -> None:
        self.captioner = captioner
        self.options = options
        self.info = info
        self.cues: list[Cue] = []
        self.shots: list[tuple[float, float]] = []
        self.pending: list[_Segment] = []
        self.candidates: list[tuple[float, np.ndarray]] = []
        self.seconds = {"decode": 0.0, "detect": 0.0, "select": 0.0, "caption": 0.0}
        self.shot = 0
        self.shot_start = 0.0
        self.segment_start = 0.0
        self.next_sample = 0.0
        self.should_cancel: Callable[[], bool] = lambda: False
        self.on_cue: CueChanged | None = None

    def want_medium(self, at: float) -> bool:
        if at + 1e-6 >= self.next_sample:
            self.next_sample = at + 1.0 / self.options.samples_per_second
            return True
        return False

    def close_segment(self, end: float, cut: bool) -> None:
        """Give [segment_start, end) its representative frame, or fold it into the last cue."""
        started = time.perf_counter()
        start = self.segment_start
        inside = [c for c in self.candidates if start - 1e-6 <= c[0] < end]
        if end - start < self.options.min_cue and (self.pending or self.cues):
            self._extend_last(end)
        elif inside:
            target = start + (end - start) / 3.0
            when, medium = min(inside, key=lambda c: abs(c[0] - target))
            frame = squash_rgb(medium, self.captioner.spec.input_size, self.captioner.spec.resample)
            self.pending.append(_Segment(start, end, self.shot, when, frame))
        self.candidates = [c for c in self.candidates if c[0] >= end - 1e-6]
        self.segment_start = end
        if cut:
            self.shots.append((self.shot_start, end))
            self.shot += 1
            self.shot_start = end
        self.seconds["select"] += time.perf_counter() - started
        if len(self.pending) >= self.options.batch_size:
            self.flush()

    def _extend_last(self, end: float) -> None:
        if self.pending:
            self.pending[-1].end = end
        else:
            self.cues[-1].end = end
            self._changed(len(self.cues) - 1)

    def _changed(self, index: int) -> None:
        if self.on_cue is not None:
            self.on_cue(index, self.cues[index])

    def flush(self) -> None:
        """Caption the pending segments in one batch and append their cues (merging repeats)."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        started = time.perf_counter()
        captions = self.captioner.caption_arrays(
            np.stack([s.frame for s in batch]),
            beam_size=self.options.beam_size,
            should_cancel=self.should_cancel,
        )
        self.seconds["caption"] += time.perf_counter() - started
        for segment, caption in zip(batch, captions, strict=True):
            last = self.cues[-1] if self.cues else None
            if (
                last is not None
                and self.options.merge_jaccard is not None
                and last.shot == segment.shot
                and similar(last.caption, caption, self.options.merge_jaccard)
            ):
                last.end = segment.end
                self._changed(len(self.cues) - 1)
                continue
            self.cues.append(
                Cue(segment.start, segment.end, segment.shot, segment.frame_time, caption,
                    segment.frame)
            )
            self._changed(len(self.cues) - 1)


def describe_video(
    path: Path,
    captioner: Captioner,
    options: DescribeOptions | None = None,
    *,
    progress: Progress | None = None,
    should_cancel: Callable[[], bool] | None = None,
    on_cue: CueChanged | None = None,
) -> VideoDescription:
    """Describe ``path``; raises VideoError when nothing at all can be read from it.

    A fault part-way (truncated or corrupt data) is not raised: the result keeps the cues
    found before it and says what happened in ``fault``. ``should_cancel`` is asked before
    every decoded frame is used and between beam-search steps, so a cancel stops within
    one frame; the cues captioned before it are kept (key frames chosen but not yet
    captioned are dropped). ``on_cue`` sees each cue as it is captioned or extended.
    """
    options = options or DescribeOptions()
    cancelled = should_cancel or (lambda: False)
    container, stream, info = open_video(Path(path))
    work = _Describer(captioner, options, info)
    work.should_cancel = cancelled
    work.on_cue = on_cue
    detector = CutDetector(threshold=options.threshold, min_shot=options.min_cue)
    walk = FrameWalk(container, stream, info)
    frames = walk.walk(work.want_medium)
    last_time, step, stopped, last_fed = 0.0, 0.0, False, -1.0
    clock = time.perf_counter()
    try:
        for frame in frames:
            now = time.perf_counter()
            work.seconds["decode"] += now - clock
            if cancelled():
                stopped = True
                break
            if frame.medium is not None:
                work.candidates.append((frame.time, frame.medium))
            step = frame.time - last_time if frame.time > last_time else step
            last_time = frame.time
            cut = False
            if frame.time - last_fed >= options.detect_interval - 1e-6:
                last_fed = frame.time
                cut = detector.feed(frame.time, frame.small)
            work.seconds["detect"] += time.perf_counter() - now
            if cut:
                work.close_segment(frame.time, cut=True)
            elif frame.time - work.segment_start >= options.every:
                work.close_segment(work.segment_start + options.every, cut=False)
            if progress is not None:
                progress(frame.time, info.duration)
            clock = time.perf_counter()
        if not stopped:
            end = last_time + (1.0 / info.fps if info.fps else step)
            if walk.fault is None and info.duration > 0:
                if end < info.duration - max(0.5, 2 * step):
                    walk.fault = (
                        f"the video ends at {end:.1f} s although the file says "
                        f"{info.duration:.1f} s (truncated file?)"
                    )
                else:
                    end = max(end, info.duration)
            if walk.frames:
                work.close_segment(end, cut=True)
            work.flush()
    except SearchCancelled:
        stopped = True
    finally:
        frames.close()
    if walk.frames == 0:
        raise VideoError(f"{path}: {walk.fault or 'no frame could be decoded'}")
    result = VideoDescription(
        info, work.cues, work.shots, walk.fault, stopped,
        work.cues[-1].end if work.cues else 0.0, work.seconds,
    )
    log.info("%s: %d cues, %d shots, %s", path, len(result.cues), len(result.shots), work.seconds)
    return result
