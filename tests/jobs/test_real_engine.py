"""The worker around the real ONNX captioner (tiny random model): run and cancel."""

from __future__ import annotations

import numpy as np
from PIL import Image

from capdesk.jobs import CaptionQueue, EngineConfig, default_engine_factory


def test_cancel_with_the_real_engine_stops_early(qtbot, tmp_path, tiny_model_dir):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(160):
        path = tmp_path / f"p{i:03d}.png"
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    config = EngineConfig(tiny_model_dir, "cpu", threads=1)
    queue = CaptionQueue(config, default_engine_factory, batch_size=4)
    with qtbot.waitSignal(queue.engine_ready, timeout=30_000) as ready:
        queue.start()
    assert ready.args[0].provider == "cpu"
    results = []
    queue.result_ready.connect(results.append)
    queue.result_ready.connect(lambda _r: queue.cancel() if len(results) == 1 else None)
    with qtbot.waitSignal(queue.finished, timeout=30_000) as blocker:
        queue.enqueue(paths, beam_size=2)
    finished = blocker.args[0]
    assert finished.cancelled
    assert len(results) < len(paths)
    assert len(results) + len(finished.unfinished) == len(paths)
    assert all(r.ok or r.error for r in results)
    assert queue.shutdown(10_000)
