"""The caption worker and its queue, driven with the fake engine (no model needed).

Timeouts here are hang guards, not speed checks: they are generous so the suite passes
on a loaded machine, and a run "in progress" is held by the fake (``pause_after``),
never by a sleep racing the worker thread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capdesk.jobs import CaptionQueue, EngineConfig, RunFinished
from tests.support.fake_engine import FakeCaptioner, fake_factory

HANG_MS = 60_000


def make_images(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        path = folder / f"img{i:03d}.jpg"
        Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.fixture
def queue_with(qtbot):
    queues: list[CaptionQueue] = []

    def build(engine: FakeCaptioner, batch_size: int = 4) -> CaptionQueue:
        queue = CaptionQueue(EngineConfig(), fake_factory(engine), batch_size=batch_size)
        queues.append(queue)
        with qtbot.waitSignal(queue.engine_ready, timeout=HANG_MS):
            queue.start()
        return queue

    yield build
    for queue in queues:
        assert queue.shutdown(HANG_MS)


def test_run_emits_one_result_per_image(qtbot, tmp_path, queue_with):
    paths = make_images(tmp_path, 10)
    queue = queue_with(FakeCaptioner())
    results = []
    queue.result_ready.connect(results.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS) as blocker:
        queue.enqueue(paths, beam_size=2)
    finished: RunFinished = blocker.args[0]
    assert not finished.cancelled
    assert finished.captioned == 10
    assert [r.path for r in results] == paths
    assert all(r.ok for r in results)


def test_engine_is_created_in_the_worker_thread(qtbot, queue_with):
    import threading

    created_in: list[str] = []
    engine = FakeCaptioner()

    def factory(_config):
        created_in.append(threading.current_thread().name)
        return engine

    queue = CaptionQueue(EngineConfig(), factory)
    with qtbot.waitSignal(queue.engine_ready, timeout=HANG_MS):
        queue.start()
    assert created_in and created_in[0] != threading.main_thread().name
    assert queue.shutdown(HANG_MS)
    assert engine.closed  # the worker released the engine once its thread had stopped


def test_cancel_stops_the_run_and_reports_the_rest(qtbot, tmp_path, queue_with):
    paths = make_images(tmp_path, 40)
    engine = FakeCaptioner(pause_after=4)
    queue = queue_with(engine, batch_size=4)
    results = []
    queue.result_ready.connect(results.append)
    queue.enqueue(paths)
    qtbot.waitUntil(lambda: len(results) == 4 and engine.holding.is_set(), timeout=HANG_MS)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS) as blocker:
        queue.cancel()
    finished: RunFinished = blocker.args[0]
    assert finished.cancelled
    assert [r.path for r in results] == paths[:4]  # nothing after the cancel
    assert list(finished.unfinished) == paths[4:]
    assert not queue.busy


def test_paths_added_during_a_run_are_queued(qtbot, tmp_path, queue_with):
    first = make_images(tmp_path / "a", 8)
    later = make_images(tmp_path / "b", 3)
    queue = queue_with(FakeCaptioner())
    results = []
    progress = []
    queue.result_ready.connect(results.append)
    queue.progress.connect(progress.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS):
        queue.enqueue(first)
        queue.enqueue(later)
        queue.enqueue(first[:2])  # already waiting: ignored
    assert [r.path for r in results] == first + later
    assert progress[-1].done == progress[-1].total == 11


def test_unreadable_image_is_a_result_not_a_crash(qtbot, tmp_path, queue_with):
    good = make_images(tmp_path, 1)[0]
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not a jpeg")
    queue = queue_with(FakeCaptioner())
    results = []
    queue.result_ready.connect(results.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS):
        queue.enqueue([bad, good])
    by_path = {r.path: r for r in results}
    assert by_path[bad].error and not by_path[bad].ok
    assert by_path[good].ok


def test_model_error_is_reported_and_requests_fail_cleanly(qtbot, tmp_path):
    def factory(_config):
        raise RuntimeError("model.onnx is missing from /nowhere: download the model")

    queue = CaptionQueue(EngineConfig(), factory)
    with qtbot.waitSignal(queue.engine_failed, timeout=HANG_MS) as blocker:
        queue.start()
    assert "model.onnx" in blocker.args[0]
    results = []
    queue.result_ready.connect(results.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS):
        queue.enqueue(make_images(tmp_path, 2))
    assert len(results) == 2
    assert all("model.onnx" in (r.error or "") for r in results)
    assert queue.shutdown(HANG_MS)


def test_shutdown_during_a_run_waits_for_the_thread(qtbot, tmp_path):
    engine = FakeCaptioner(pause_after=4)
    queue = CaptionQueue(EngineConfig(), fake_factory(engine), batch_size=4)
    with qtbot.waitSignal(queue.engine_ready, timeout=HANG_MS):
        queue.start()
    queue.enqueue(make_images(tmp_path, 30))
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)  # the worker is mid-run
    assert queue.busy and queue.running
    assert queue.shutdown(HANG_MS)  # cancels the run, so the held engine returns
    assert not queue.running
    assert engine.closed


def test_started_names_one_engine_batch_at_a_time(qtbot, tmp_path, queue_with):
    paths = make_images(tmp_path, 10)
    queue = queue_with(FakeCaptioner(), batch_size=4)
    started = []
    queue.started.connect(started.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS):
        queue.enqueue(paths)
    assert [list(s) for s in started] == [paths[0:4], paths[4:8], paths[8:10]]


def test_singletons_survive_many_signals(qtbot):
    """PySide6 6.12.0 on Python 3.11 dropped a reference to True per emit and aborted the
    interpreter after a few hundred signals; pyproject pins a release without the bug."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(bool)

    emitter = Emitter()
    seen = []
    emitter.ping.connect(seen.append)
    before = sys.getrefcount(True)
    for _ in range(5000):
        emitter.ping.emit(True)
    assert len(seen) == 5000
    seen.clear()
    assert sys.getrefcount(True) >= before - 10
