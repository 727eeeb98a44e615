"""Announcements, "Read caption" and the settings behind it (offscreen; the AT-SPI test
in tests/ui/a11y reads the same things over the real bus)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from PySide6.QtWidgets import QToolButton

from capdesk.ui.announce import ProgressPacer
from capdesk.ui.speech import CaptionReader, SpeechUnavailable
from tests.support.fake_voice import FakeVoice


def _reader(window, voice=None, screen_reader=False):
    voice = voice or FakeVoice()
    return voice, CaptionReader(window.announcer, lambda: voice, lambda: screen_reader)


def test_a_finished_run_is_announced_with_its_counts(qtbot, make_window, images):
    window, controller = make_window()
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(images(3))
    said = [text for text, _assertive in window.announcer.history]
    assert "Finished: 3 captioned, 0 need a look, 0 failed." in said
    assert window.live_label.accessibleName() == said[-1]


def test_a_failed_image_is_counted_and_model_errors_are_assertive(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(2)
    paths[0].write_bytes(b"not a jpeg")
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    assert window.announcer.history[-1] == (
        "Finished: 1 captioned, 0 need a look, 1 failed.",
        False,
    )
    controller._on_engine_failed("no model here")
    assert window.announcer.history[-1][1] is True


def test_accepting_a_caption_is_confirmed(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(2)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    controller.accept_current()
    assert window.announcer.history[-1][0] == f"Accepted {paths[0].name}. Next: {paths[1].name}."


def test_progress_is_said_every_tenth_or_thirty_seconds_not_per_image():
    now = [0.0]
    pacer = ProgressPacer(clock=lambda: now[0])

    def run(total, seconds_per_image):
        pacer.reset()
        spoken = []
        for done in range(total):
            if pacer.due(done, total):
                spoken.append(done)
            now[0] += seconds_per_image
        return spoken

    assert run(100, 2.0) == [10, 20, 30, 40, 50, 60, 70, 80, 90]  # every 10 %
    assert run(3, 2.0) == []  # a tiny run: only the "finished" summary
    assert run(100, 0.01) == []  # over in a second: nothing to say before it ends
    fast = run(10_000, 0.01)  # 100 images a second: at most one line every 10 s
    assert fast and all(b - a >= 1000 for a, b in pairwise(fast))
    slow = run(1000, 40.0)  # 40 s an image: every 30 s even under 10 %
    assert slow[:3] == [1, 2, 3]


def test_read_caption_uses_the_voice_without_a_screen_reader(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    voice, controller.feedback.reader = _reader(window)
    window.actions_by_name["read_caption"].trigger()
    assert voice.said == [controller.current_item.text]
    window.actions_by_name["stop_reading"].trigger()
    assert voice.stopped == 1


def test_read_caption_goes_to_the_screen_reader_when_one_runs(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    voice, controller.feedback.reader = _reader(window, screen_reader=True)
    assert controller.feedback.read_caption() == "Caption sent to the screen reader."
    assert voice.said == []
    assert window.announcer.history[-1] == (controller.current_item.text, True)


def test_read_aloud_off_and_a_missing_voice_are_messages_not_crashes(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])

    def no_voice():
        raise SpeechUnavailable("No speech engine is installed. Install speech-dispatcher.")

    controller.feedback.reader = CaptionReader(window.announcer, no_voice, lambda: False)
    assert controller.feedback.read_caption() == (
        "Cannot read aloud: No speech engine is installed. Install speech-dispatcher."
    )
    voice, controller.feedback.reader = _reader(window)
    controller.apply_settings(replace(controller.settings, read_mode="off"))
    assert "off" in controller.feedback.read_caption()
    assert voice.said == []


def test_voice_and_rate_come_from_the_settings(qtbot, make_window):
    window, controller = make_window()
    voice, controller.feedback.reader = _reader(window)
    controller.apply_settings(replace(controller.settings, voice="Bob", speech_rate=-50))
    controller.feedback.reader.engine()
    assert (voice.voice, voice.rate) == ("Bob", -0.5)
    dialog = controller.files.edit_settings()
    assert [dialog.voice.itemData(i) for i in range(dialog.voice.count())] == ["", "Alice", "Bob"]
    assert dialog.voice.currentData() == "Bob"
    dialog.read_mode.setCurrentIndex(dialog.read_mode.findData("voice"))
    assert dialog.result_settings().read_mode == "voice"
    dialog.close()


def test_word_buttons_say_what_they_do_and_are_not_checkable(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    preview = window.preview
    qtbot.waitUntil(lambda: len(preview.words.buttons) > 1, timeout=60_000)
    word = controller.current_item.caption.words[0]
    first = preview.words.buttons[1]
    assert first.accessibleName() == f"Show where the model looked for '{word}'"
    assert "attention:" in first.accessibleDescription()
    assert not any(b.isCheckable() for b in preview.words.buttons)
    assert not preview.play_button.isCheckable()
    first.click()
    assert preview.words.current == 0
    assert preview.words.buttons[1].accessibleDescription().startswith("Shown now.")
    assert "the model looked at:" in preview.canvas.accessibleDescription()
    clear = [b for b in window.search.findChildren(QToolButton) if b.accessibleName()]
    assert clear and clear[0].accessibleName() == "Clear search"


def test_warning_colours_keep_their_contrast_on_any_palette(qapp):
    from PySide6.QtGui import QColor, QPalette

    from capdesk.ui.image_model import contrast_ratio, readable_brush

    original = qapp.palette()
    try:
        for base in ("#ffffff", "#000000", "#1e1e1e"):
            palette = QPalette(original)
            palette.setColor(QPalette.ColorRole.Base, QColor(base))
            qapp.setPalette(palette)
            brush = readable_brush("#b00020", "#ff8a80")
            assert brush is not None
            assert contrast_ratio(brush.color(), QColor(base)) >= 4.5
        palette = QPalette(original)
        palette.setColor(QPalette.ColorRole.Base, QColor("#808080"))  # neither works
        qapp.setPalette(palette)
        assert readable_brush("#b00020", "#ff8a80") is None
    finally:
        qapp.setPalette(original)


def test_every_dialog_label_key_is_unique_and_reaches_its_field(qtbot, make_window, images):
    """Keyboard only: Alt+letter on each Settings and Export label moves to its field."""
    from PySide6.QtWidgets import QLabel

    _window, controller = make_window()
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(images(1))
    for dialog in (controller.files.edit_settings(), controller.files.export()):
        keys = []
        for label in dialog.findChildren(QLabel):
            text = label.text()
            if "&" in text:
                assert label.buddy() is not None, text
                keys.append(text[text.index("&") + 1].lower())
        assert keys and len(keys) == len(set(keys)), keys
        dialog.close()


def test_the_inline_caption_editor_is_named_for_its_image(qtbot, make_window, images):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit

    window, controller = make_window()
    paths = images(2)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    view = window.list_view
    view.setFocus()
    controller.select(paths[1])
    qtbot.keyClick(view, Qt.Key.Key_Return)
    editors = [e for e in view.findChildren(QLineEdit) if e.isVisibleTo(view)]
    assert [e.accessibleName() for e in editors] == [f"Caption of {paths[1].name}"]


def test_without_qt_text_to_speech_the_real_voice_says_what_to_install(qapp, monkeypatch):
    """The real import path (no double), with the module made unimportable as it is when
    only PySide6-Essentials is installed."""
    import sys

    import pytest

    from capdesk.ui.speech import qt_speech, screen_reader_running

    monkeypatch.setitem(sys.modules, "PySide6.QtTextToSpeech", None)
    with pytest.raises(SpeechUnavailable, match="PySide6-Addons"):
        qt_speech()
    assert screen_reader_running() in (True, False)  # no session bus: an answer, no crash


def test_read_caption_speaks_through_qt_text_to_speech(qtbot, make_window):
    """The built-in voice for real: Qt's QTextToSpeech with the mock engine Qt ships for
    tests (PySide6-Addons), through the same CaptionReader the Read caption command uses."""
    import pytest

    speech = pytest.importorskip("PySide6.QtTextToSpeech", reason="needs PySide6-Addons")
    if "mock" not in speech.QTextToSpeech.availableEngines():
        pytest.skip("this Qt build ships no mock text-to-speech engine")
    from capdesk.ui.speech import qt_speech

    window, _controller = make_window()
    voices: list = []

    def mock_voice():
        voices.append(qt_speech("mock"))
        return voices[-1]

    reader = CaptionReader(window.announcer, mock_voice, lambda: False)
    assert reader.read("A dog runs through the grass.") == "Reading the caption aloud."
    (voice,) = voices
    qtbot.waitUntil(lambda: voice.speaking, timeout=30_000)
    assert reader.stop() == "Stopped reading."
    qtbot.waitUntil(lambda: not voice.speaking, timeout=30_000)
    with pytest.raises(SpeechUnavailable, match="not installed"):
        qt_speech("no-such-engine")


def test_keyboard_focus_is_visible_on_every_control(qtbot, make_window, images):
    """Each enabled, focusable control looks different once it has keyboard focus."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    qtbot.waitUntil(lambda: len(window.preview.words.buttons) > 1, timeout=60_000)
    unseen = []
    for widget in window.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisible():
            continue
        if not widget.isEnabled() or widget.focusProxy() is not None:
            continue
        elsewhere = window.list_view if widget is window.search else window.search
        elsewhere.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.wait(1)
        before = widget.grab().toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        window.setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)  # as Tab sets it
        qtbot.wait(1)
        if widget.grab().toImage() == before:
            unseen.append(f"{type(widget).__name__} {widget.accessibleName()}")
    assert unseen == []


def test_the_heatmap_is_viridis_by_default_and_follows_the_setting(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    controller.select(paths[0])
    preview = window.preview
    qtbot.waitUntil(lambda: preview.current_overlay() is not None, timeout=60_000)
    assert preview.colours == "viridis"
    viridis = preview.current_overlay()
    controller.apply_settings(replace(controller.settings, heatmap_colours="cividis"))
    assert preview.colours == "cividis"
    assert not (preview.current_overlay() == viridis).all()
