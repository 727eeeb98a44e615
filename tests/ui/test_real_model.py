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


def test_window_writes_the_chosen_languages_with_the_real_engine(
        qtbot, tmp_path, tiny_model_dir, photo_folder):
    """The tiny model with fake zh/de/ar decoders (tests/support/fake_languages.py): Settings
    offers what the folder ships, the engine writes the chosen ones in order, each tab shows
    its own words and attention."""
    from PySide6.QtCore import QSettings

    from capdesk.ui.app import build_window
    from capdesk.ui.settings import AppSettings, save_settings
    from tests.support.fake_languages import build_language_model

    model = build_language_model(tiny_model_dir, tmp_path / "languages", hidden=16, embed=8,
                                 vocab=40)
    store = QSettings(str(tmp_path / "languages.ini"), QSettings.Format.IniFormat)
    save_settings(AppSettings(caption_languages=("ar", "zh", "en")), store)

    def factory(_config):
        return default_engine_factory(EngineConfig(model, "cpu", threads=1))

    window, controller = build_window(store, factory)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(controller.queue.engine_ready, timeout=120_000):
        controller.start()
    assert [x.code for x in controller.languages.available] == ["en", "zh", "de", "ar"]
    assert controller.languages.codes == ("ar", "zh", "en")
    with qtbot.waitSignal(controller.queue.finished, timeout=120_000):
        controller.add_paths([photo_folder])
    done = [i for i in controller.model.items() if i.status is Status.DONE]
    assert done, [i.error for i in controller.model.items()]
    item = done[0]
    assert item.language.code == "ar" and set(item.others) == {"zh", "en"}
    controller.select(item.path)
    qtbot.waitUntil(lambda: window.preview.current_overlay() is not None, timeout=120_000)
    for code in ("ar", "zh", "en"):
        window.preview.captions.show_language(code)
        caption = item.in_language(code).caption
        assert window.preview.editor.text() == caption.text
        assert [b.text() for b in window.preview.words.buttons[1:]] == list(caption.words)
        assert caption.attention.shape[0] == len(caption.words)
    window.close()
