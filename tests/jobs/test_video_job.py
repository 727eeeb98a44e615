"""The video worker: one signal per cue, progress as video time, cancel within one frame."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")

from capdesk.jobs import EngineConfig, video_job
from capdesk.jobs.video_job import VideoJob, VideoRequest, VideoWorker
from tests.support.videos import sample_pictures, write_slideshow

SHOTS = (2.0, 2.0, 2.5, 2.0)
FPS = 25
HANG_MS = 120_000


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "four.mkv"
    write_slideshow(path, sample_pictures(len(SHOTS)), SHOTS, size=(160, 90), fps=FPS)
    return path


def test_cancel_at_a_frame_stops_before_the_next_and_keeps_the_cues(
    clip, tiny_model_dir, monkeypatch
):
    monkeypatch.setattr(video_job, "PROGRESS_INTERVAL", 0.0)  # a progress signal per frame
    worker = VideoWorker(video_job.default_video_engine_factory, EngineConfig(tiny_model_dir))
    request = VideoRequest(1, clip, {"batch_size": 1})
    cues, progress, finished, cancelled_at = {}, [], [], []

    def on_progress(value):
        progress.append(value)
        if cues and not request.cancel.is_set():  # the first frame after the first cue
            request.cancel.set()
            cancelled_at.append((value.done, len(progress)))

    worker.cue_found.connect(lambda found: cues.__setitem__(found.index, found.cue))
    worker.progress.connect(on_progress)
    worker.finished.connect(finished.append)
    worker.describe(request)  # in this thread: the signals are delivered directly
    worker.close_engine()

    (done, count), = cancelled_at
    assert finished[0].cancelled and finished[0].error is None
    assert len(progress) == count + 1  # only the final report after the cancel
    assert progress[-1].done - done <= 1.0 / FPS + 1e-6  # no frame after it was used
    assert progress[-1].done < sum(SHOTS) - 1.0
    kept = finished[0].description.cues
    assert len(kept) == len(cues) >= 1
    assert [c.text for c in kept] == [cues[i].text for i in sorted(cues)]


def test_a_signal_per_cue_and_a_finished_run(qtbot, clip, tiny_model_dir):
    job = VideoJob(EngineConfig(tiny_model_dir))
    seen, started = [], []
    job.cue_found.connect(seen.append)
    job.started.connect(started.append)
    try:
        with qtbot.waitSignal(job.finished, timeout=HANG_MS) as blocker:
            job.describe(clip)
    finally:
        job.shutdown()
    finished = blocker.args[0]
    assert not finished.cancelled and finished.error is None
    assert started[0].info.duration == pytest.approx(sum(SHOTS), abs=0.1)
    description = finished.description
    assert sorted({f.index for f in seen}) == list(range(len(description.cues)))
    last = {f.index: f.cue for f in seen}
    assert [(c.start, c.end) for c in last.values()] == [
        (c.start, c.end) for c in description.cues
    ]
    assert all(f.cue is not c for f in seen for c in description.cues)  # copies


def test_an_unreadable_file_finishes_with_its_message(qtbot, tmp_path, tiny_model_dir):
    job = VideoJob(EngineConfig(tiny_model_dir))
    audio = tmp_path / "song.mp4"
    from tests.support.videos import write_audio_only

    write_audio_only(audio)
    try:
        with qtbot.waitSignal(job.finished, timeout=HANG_MS) as blocker:
            job.describe(audio)
    finally:
        job.shutdown()
    assert blocker.args[0].description is None
    assert "only audio" in blocker.args[0].error
