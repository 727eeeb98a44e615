"""One end-to-end run with the real ONNX engine on the suite's tiny random model."""

from __future__ import annotations

from capdesk.jobs import EngineConfig, default_engine_factory
from capdesk.ui.items import Status


def test_window_captions_with_the_tiny_model(qtbot, settings_store, tiny_model_dir, photo_folder):
    from capdesk.ui.app import build_window

    def factory(_config):
        return default_engine_factory(EngineConfig(tiny_model_dir, "cpu", threads=1))

    window, controller = build_window(settings_store, factory)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(controller.queue.engine_ready, timeout=120_000):
        controller.start()
    assert "CPU" in window.engine_label.text()
    with qtbot.waitSignal(controller.queue.finished, timeout=120_000):
        controller.add_paths([photo_folder])
    items = controller.model.items()
    assert len(items) == 6
    assert all(i.status in (Status.DONE, Status.ERROR) for i in items)
    done = [i for i in items if i.status is Status.DONE]
    assert done, [i.error for i in items]
    controller.select(done[0].path)
    qtbot.waitUntil(lambda: window.preview.current_overlay() is not None, timeout=120_000)
    window.close()
    assert not controller.queue.running
