"""Trust, flags and the read text with several languages (issues 18 + 21): kept on the
English row of the library (the estimator's language), and back on reopening even when
English is not the first language chosen."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from capdesk.library import Library
from capdesk.ui.settings import AppSettings, save_settings
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000


def _engine() -> FakeCaptioner:
    return FakeCaptioner(languages=("en", "zh"), trust={"img000.jpg": 0.2},
                         flags={"img000.jpg": ("blurred",)},
                         visible_text={"img000.jpg": "EXIT"})


def test_trust_flags_and_read_text_come_back_from_the_english_row(
        qtbot, make_window, images, tmp_path, library_file):
    store = QSettings(str(tmp_path / "languages.ini"), QSettings.Format.IniFormat)
    save_settings(AppSettings(caption_languages=("zh", "en")), store)
    window, controller = make_window(_engine(), store)
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=HANG_MS)
    paths = images(2)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    window.close()
    with Library.open(library_file) as library:
        rows = {lang: (trust, flags, text) for lang, trust, flags, text in
                     library.connection.execute(
            "SELECT lang, trust, flags, visible_text FROM captions c JOIN images i "
            "ON i.id = c.image_id WHERE i.file_name = 'img000.jpg'").fetchall()}
    assert rows == {"en": (0.2, "blurred", "EXIT"), "zh": (None, "", None)}

    engine = _engine()
    _window, again = make_window(engine, store)
    qtbot.waitUntil(lambda: again.keeping.label.text() == "Library", timeout=HANG_MS)
    again.add_paths([paths[0].parent])
    item = None

    def restored() -> bool:
        nonlocal item
        item = again.model.item(paths[0])
        return item is not None and item.trust == 0.2

    qtbot.waitUntil(restored, timeout=HANG_MS)
    assert [p for call in engine.calls for p in call] == []  # nothing captioned again
    assert item is not None and item.language.code == "zh"
    assert [f.code for f in item.flags] == ["blurred"] and item.visible_text == "EXIT"
