"""The worker around the real ONNX captioner (tiny random model): cancel, then run again.

Cancel is pressed in the same GUI-thread turn as the run starts, so the outcome does not
depend on how fast the worker thread is; timeouts are hang guards only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from capdesk.jobs import CaptionQueue, EngineConfig, default_engine_factory

HANG_MS = 120_000


def test_cancel_with_the_real_engine_then_caption_the_rest(qtbot, tmp_path, tiny_model_dir):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(160):
        path = tmp_path / f"p{i:03d}.png"
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    config = EngineConfig(tiny_model_dir, "cpu", threads=1)
    queue = CaptionQueue(config, default_engine_factory, batch_size=4)
    with qtbot.waitSignal(queue.engine_ready, timeout=HANG_MS) as ready:
        queue.start()
    assert ready.args[0].provider == "cpu"
    assert ready.args[0].model_name == "tiny-test-model"
    results = []
    queue.result_ready.connect(results.append)
    with qtbot.waitSignal(queue.finished, timeout=HANG_MS) as blocker:
        queue.enqueue(paths, beam_size=2)
        queue.cancel()
    finished = blocker.args[0]
    assert finished.cancelled
    assert len(results) < len(paths)
    assert [r.path for r in results] + list(finished.unfinished) == paths
    assert all(r.ok for r in results)

    with qtbot.waitSignal(queue.finished, timeout=HANG_MS) as blocker:
        queue.enqueue(finished.unfinished, beam_size=2)
    assert not blocker.args[0].cancelled
    assert sorted(r.path for r in results) == paths  # each image captioned exactly once
    assert all(r.ok for r in results)
    assert queue.shutdown(HANG_MS)
    assert not queue.running
