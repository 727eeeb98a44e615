"""Captions in several languages in the window: a tab per chosen language, each edited and
reviewed on its own, Arabic right to left, each language kept in a real SQLite library and
restored on reopening. The fake engine ships en, zh and ar captions (tests/support);
timeouts are hang guards only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import QLabel

from capdesk.domain import Caption, Language
from capdesk.domain.languages import ARABIC, CHINESE, ENGLISH
from capdesk.export.tables import read_csv
from capdesk.library import Library
from capdesk.ui.announce import Announcer
from capdesk.ui.dialogs import SettingsDialog
from capdesk.ui.items import Status
from capdesk.ui.lang_items import LanguageState, caption_from_text
from capdesk.ui.settings import AppSettings, load_settings, save_settings
from capdesk.ui.speech import CaptionReader, qt_speech
from tests.support.fake_engine import FakeCaptioner
from tests.support.fake_voice import FakeVoice

HANG_MS = 60_000
SHIPPED = ("en", "zh", "ar")


def _store(tmp_path, languages=("en", "zh", "ar")) -> QSettings:
    store = QSettings(str(tmp_path / "languages.ini"), QSettings.Format.IniFormat)
    save_settings(AppSettings(caption_languages=languages), store)
    return store


def _captioned(qtbot, make_window, images, tmp_path, count=3, languages=("en", "zh", "ar"),
               store=None):
    engine = FakeCaptioner(languages=SHIPPED)
    window, controller = make_window(engine, store or _store(tmp_path, languages))
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=HANG_MS)
    paths = images(count)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    return window, controller, engine, paths


def _show(window, code):
    window.preview.captions.show_language(code)
    assert window.preview.language.code == code


def _type(qtbot, editor, text):
    """Replace the text as typing does (insert: QTest.keyClicks cannot type Arabic), and
    press Enter."""
    editor.setFocus()
    editor.selectAll()
    editor.insert(text)
    assert editor.isModified()
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_each_language_tab_shows_that_languages_caption_and_words(
        qtbot, make_window, images, tmp_path):
    window, controller, engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    assert engine.languages_asked[-1] == ("en", "zh", "ar")  # the engine wrote all three
    controller.select(paths[1])
    tabs = window.preview.captions.tabs
    assert [tabs.tabText(i).split(" ")[0] for i in range(tabs.count())] == [
        "English", "中文", "العربية"]
    item = controller.model.item(paths[1])
    for code in SHIPPED:
        _show(window, code)
        caption = item.in_language(code).caption
        assert caption is not None
        assert window.preview.editor.text() == caption.text
        words = [b.text() for b in window.preview.words.buttons[1:]]
        assert words == list(caption.words)
    _show(window, "zh")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in window.preview.editor.text())
    qtbot.waitUntil(lambda: window.preview.current_overlay() is not None, timeout=HANG_MS)
    # A Chinese word has its own attention map: the overlay changes with the word.
    window.preview.select_word(0)
    first = window.preview.current_overlay()
    window.preview.select_word(1)
    assert first is not None and (first != window.preview.current_overlay()).any()


def test_editing_the_arabic_caption_leaves_chinese_and_english_alone_and_undoes(
        qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    controller.select(paths[0])
    item = controller.model.item(paths[0])
    before = {code: item.in_language(code).text for code in SHIPPED}
    _show(window, "ar")
    _type(qtbot, window.preview.editor, "كلب صغير يركض على العشب")
    arabic = item.in_language("ar")
    assert arabic.text == "كلب صغير يركض على العشب" and arabic.edited and arabic.reviewed
    assert item.in_language("zh").text == before["zh"] and not item.in_language("zh").edited
    assert item.text == before["en"] and not item.edited and item.status is Status.DONE
    _show(window, "zh")
    assert window.preview.editor.text() == before["zh"]
    window.actions_by_name["undo"].trigger()
    assert item.in_language("ar").text == before["ar"] and not item.in_language("ar").edited
    window.actions_by_name["redo"].trigger()
    assert item.in_language("ar").text == "كلب صغير يركض على العشب"


def test_each_language_is_reviewed_on_its_own(qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    controller.select(paths[0])
    _show(window, "zh")
    window.preview.captions.accept_button.click()
    item = controller.model.item(paths[0])
    assert item.in_language("zh").reviewed
    assert not item.reviewed and not item.in_language("ar").reviewed
    assert controller.current_item.path == paths[1]  # on to the next unreviewed Chinese one
    assert "Accepted the Chinese caption" in window.announcer.history[-1][0]
    window.actions_by_name["accept"].trigger()  # the shortcut reviews the tab shown: zh
    assert controller.model.item(paths[1]).in_language("zh").reviewed
    assert not controller.model.item(paths[1]).reviewed
    record = item.record()
    assert [(t.language.code, t.reviewed) for t in record.languages] == [
        ("en", False), ("zh", True), ("ar", False)]


def test_arabic_is_edited_right_to_left_and_right_aligned_in_the_list(
        qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(
        qtbot, make_window, images, tmp_path, languages=("ar", "zh", "en"))
    captions = window.preview.captions
    assert captions.editor_for("ar").layoutDirection() is Qt.LayoutDirection.RightToLeft
    assert captions.editor_for("zh").layoutDirection() is Qt.LayoutDirection.LeftToRight
    assert captions.editor_for("ar").locale().language() == QLocale.Language.Arabic
    # An Arabic caption starting with a Latin word is still laid out from the right.
    mixed = "BMX دراجة على الطريق"
    for code in ("ar", "zh"):
        _show(window, code)
        captions.editor_for(code).setText(mixed)
    assert _ink_centre(captions.editor_for("ar")) > 0.5 > _ink_centre(captions.editor_for("zh"))
    controller.select(paths[0])
    _show(window, "ar")
    assert window.preview.words.layoutDirection() is Qt.LayoutDirection.RightToLeft
    _show(window, "en")
    assert window.preview.words.layoutDirection() is Qt.LayoutDirection.LeftToRight
    # Arabic first: the list shows the Arabic caption, right-aligned.
    item = controller.model.item(paths[0])
    assert item.language.code == "ar" and item.text == item.in_language("ar").caption.text
    index = controller.model.index_of(paths[0])
    alignment = controller.model.data(index, Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & Qt.AlignmentFlag.AlignRight
    assert item.text in controller.model.data(index, Qt.ItemDataRole.DisplayRole)


def _ink_centre(editor) -> float:
    """Where the text's dark pixels lie across the editor, 0 (left) to 1 (right)."""
    image = editor.grab().toImage()
    width, height = image.width(), image.height()
    xs = [x for x in range(6, width - 6) for y in range(6, height - 6)
          if image.pixelColor(x, y).lightness() < 100]
    return (min(xs) + max(xs)) / 2 / width


def test_tabs_and_editors_are_named_with_their_language(qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    controller.select(paths[0])
    captions = window.preview.captions
    assert captions.editor_for("ar").accessibleName() == "Caption, Arabic"
    assert captions.editor_for("zh").accessibleName() == "Caption, Chinese"
    assert captions.editor_for("en").accessibleName() == "Caption, English"
    bar = captions.tabs.tabBar()
    names = [bar.accessibleTabName(i) for i in range(bar.count())]
    assert names == ["Caption, English, not reviewed", "Caption, Chinese, not reviewed",
                     "Caption, Arabic, not reviewed"]
    assert bar.accessibleName() == "Caption language" and bar.isVisibleTo(window)
    _show(window, "ar")
    _type(qtbot, window.preview.editor, "طفل يلعب")
    assert bar.accessibleTabName(2) == "Caption, Arabic, edited"
    assert captions.label.buddy() is captions.editor_for("ar")  # Alt+C goes to the tab shown


def test_reopening_restores_each_languages_edits_and_reviews_from_the_library(
        qtbot, make_window, images, tmp_path, library_file):
    store = _store(tmp_path)
    window, controller, _engine, paths = _captioned(
        qtbot, make_window, images, tmp_path, store=store)
    controller.select(paths[0])
    _show(window, "ar")
    _type(qtbot, window.preview.editor, "رجل يركب دراجة")
    _show(window, "zh")
    window.preview.captions.accept_button.click()  # reviews paths[0] in Chinese
    chinese = controller.model.item(paths[0]).in_language("zh").text
    window.close()

    with Library.open(library_file) as library:
        rows = dict(library.connection.execute(
            "SELECT lang, person_text FROM captions c JOIN images i ON i.id = c.image_id "
            "WHERE i.file_name = ?", (paths[0].name,)).fetchall())
    assert rows == {"en": None, "zh": None, "ar": "رجل يركب دراجة"}

    engine = FakeCaptioner(languages=SHIPPED)
    _window, again = make_window(engine, store)
    qtbot.waitUntil(lambda: again.keeping.label.text() == "Library", timeout=HANG_MS)
    again.add_paths([paths[0].parent])
    qtbot.waitUntil(lambda: len(again.model.items()) == 3 and all(
        "ar" in i.others for i in again.model.items()), timeout=HANG_MS)
    assert [p for call in engine.calls for p in call] == []  # nothing captioned again
    item = again.model.item(paths[0])
    arabic, zh = item.in_language("ar"), item.in_language("zh")
    assert arabic.text == "رجل يركب دراجة" and arabic.edited and arabic.reviewed
    assert zh.text == chinese and zh.reviewed and not zh.edited
    assert not item.reviewed and not item.edited  # English untouched


def test_only_the_languages_the_model_ships_are_offered_and_the_choice_persists(
        qtbot, make_window, tmp_path):
    english_only = FakeCaptioner()  # what the shipped model is today
    store = _store(tmp_path, ("zh", "en"))
    window, controller = make_window(english_only, store)
    assert controller.languages.languages == (ENGLISH,)
    assert window.preview.captions.tabs.tabBar().isHidden() or (
        window.preview.captions.tabs.count() == 1)
    dialog = SettingsDialog(controller.settings, window,
                            languages=controller.languages.available)
    assert dialog.languages.list.count() == 1
    assert dialog.languages.checked() == ("en",)
    assert dialog.result_settings().caption_languages == ("zh", "en")  # kept for a zh model

    dialog = SettingsDialog(AppSettings(caption_languages=("zh", "en")), window,
                            languages=(ENGLISH, CHINESE, ARABIC))
    labels = [dialog.languages.list.item(i).text() for i in range(3)]
    assert labels == ["Chinese (中文)", "English", "Arabic (العربية)"]  # chosen first
    assert dialog.languages.chosen() == ("zh", "en")
    dialog.languages.list.setCurrentRow(2)
    dialog.languages.list.item(2).setCheckState(Qt.CheckState.Checked)
    dialog.languages.move_current(-1)
    dialog.languages.move_current(-1)
    assert dialog.languages.chosen() == ("ar", "zh", "en")
    chosen = dialog.result_settings()
    save_settings(chosen, store)
    assert load_settings(store).caption_languages == ("ar", "zh", "en")
    single = replace(chosen, caption_languages=("zh",))
    save_settings(single, store)
    assert load_settings(store).caption_languages == ("zh",)  # one value in the INI file


def test_read_caption_uses_a_voice_of_the_tabs_language_or_says_there_is_none(
        qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    controller.select(paths[0])
    voice = FakeVoice(languages=("en", "zh"))
    controller.feedback.reader = CaptionReader(window.announcer, lambda: voice, lambda: False)
    _show(window, "zh")
    assert controller.feedback.read_caption() == "Reading the caption aloud."
    assert voice.said == [controller.current_item.in_language("zh").text]
    assert voice.language == "zh"
    _show(window, "ar")
    status = controller.feedback.read_caption()
    assert status.startswith("Cannot read aloud: no built-in voice speaks Arabic here")
    assert len(voice.said) == 1  # not read in a voice that cannot pronounce it
    _show(window, "en")
    controller.feedback.read_caption()
    assert voice.language == "en" and voice.said[-1] == controller.current_item.text


def test_ctrl_page_down_moves_between_language_tabs(qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(qtbot, make_window, images, tmp_path)
    controller.select(paths[0])
    editor = window.preview.editor
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.preview.language.code == "zh"
    assert window.preview.words.buttons[1].text() == (
        controller.model.item(paths[0]).in_language("zh").caption.words[0])
    assert window.preview.editor.hasFocus()  # the Chinese editor, ready to type in
    qtbot.keyClick(window.preview.editor, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.preview.editor, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.preview.language.code == "ar"  # wraps around


def test_a_new_first_language_captions_again_but_keeps_the_other_languages_edits(
        qtbot, make_window, images, tmp_path, library_file):
    """English edited in an English-only session; then Chinese is chosen first: the photos
    are captioned for Chinese, and the English edit and review stay, shown and kept."""
    window, controller, _engine, paths = _captioned(
        qtbot, make_window, images, tmp_path, count=2, languages=("en",))
    controller.edit_caption(paths[0], "my dog Rex on the lawn")
    controller.select(paths[1])
    controller.accept_current()
    reviewed_text = controller.model.item(paths[1]).text
    window.close()

    engine = FakeCaptioner(languages=SHIPPED)
    _window, again = make_window(engine, _store(tmp_path, ("zh", "en")))
    qtbot.waitUntil(lambda: again.keeping.label.text() == "Library", timeout=HANG_MS)
    with qtbot.waitSignal(again.queue.finished, timeout=HANG_MS):
        again.add_paths([paths[0].parent])
    assert sorted(p for call in engine.calls for p in call) == sorted(paths)  # zh is new
    first, second = again.model.item(paths[0]), again.model.item(paths[1])
    assert first.language.code == "zh" and first.in_language("zh").caption is not None
    english = first.in_language("en")
    assert english.text == "my dog Rex on the lawn" and english.edited
    assert english.caption is not None and english.caption.attention.size  # new maps
    assert second.in_language("en").reviewed and second.in_language("en").text == reviewed_text
    again.window.close()
    with Library.open(library_file) as library:
        rows = library.connection.execute(
            "SELECT i.file_name, c.lang, c.person_text, c.reviewed FROM captions c "
            "JOIN images i ON i.id = c.image_id WHERE c.lang = 'en' ORDER BY i.file_name"
        ).fetchall()
    assert rows == [(paths[0].name, "en", "my dog Rex on the lawn", 1),
                    (paths[1].name, "en", None, 1)]


def test_export_writes_every_chosen_language_first_one_first(
        qtbot, make_window, images, tmp_path):
    window, controller, _engine, paths = _captioned(
        qtbot, make_window, images, tmp_path, count=2, languages=("zh", "ar", "en"))
    controller.select(paths[0])
    _show(window, "ar")
    _type(qtbot, window.preview.editor, "رجل يركب دراجة")
    written = controller.files.export_to(tmp_path / "out" / "captions.csv")
    assert written is not None
    rows = {r.path.name: r for r in read_csv(written)}
    first = rows[paths[0].name]
    assert [t.language.code for t in first.languages] == ["zh", "ar", "en"]
    assert first.caption == controller.model.item(paths[0]).in_language("zh").text
    arabic = first.text_in("ar")
    assert arabic is not None and arabic.caption == "رجل يركب دراجة" and arabic.edited


def test_choosing_languages_in_settings_changes_the_tabs_and_the_next_requests(
        qtbot, make_window, images, tmp_path):
    window, controller, engine, paths = _captioned(
        qtbot, make_window, images, tmp_path, count=1, languages=("en",))
    controller.select(paths[0])
    assert window.preview.captions.tabs.count() == 1
    controller.apply_settings(replace(controller.settings, caption_languages=("en", "ar")))
    assert [x.code for x in window.preview.captions.languages] == ["en", "ar"]
    assert controller.keeping.languages == ("en", "ar")
    assert window.preview.captions.editor_for("ar").text() == ""  # not captioned in Arabic yet
    assert not window.preview.captions.editor_for("ar").isEnabled()
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.recaption([paths[0]])
    assert engine.languages_asked[-1] == ("en", "ar")
    _show(window, "ar")
    assert window.preview.editor.text() == controller.model.item(paths[0]).in_language("ar").text
    assert window.preview.editor.isEnabled()


def test_qt_voice_switches_to_a_locale_of_the_captions_language(qtbot):
    """Qt's QTextToSpeech (its mock engine: en_GB, en_US, nb_NO, nn_NO, fi_FI) through the
    reader: a language it has a voice for is spoken in that locale, one it has none for is
    refused with the language named, and the own language comes back afterwards."""
    speech = pytest.importorskip("PySide6.QtTextToSpeech", reason="needs PySide6-Addons")
    if "mock" not in speech.QTextToSpeech.availableEngines():
        pytest.skip("this Qt build ships no mock text-to-speech engine")
    label = QLabel()
    qtbot.addWidget(label)
    voice = qt_speech("mock")
    home = voice._tts.locale()
    reader = CaptionReader(Announcer(label), lambda: voice, lambda: False)
    finnish = Language("fi", "Finnish", "suomi", "fi")
    assert reader.read("Koira juoksee.", finnish) == "Reading the caption aloud."
    assert voice._tts.locale().language() == QLocale.Language.Finnish
    reader.stop()
    status = reader.read("كلب يركض.", ARABIC)
    assert status.startswith("Cannot read aloud: no built-in voice speaks Arabic here")
    assert reader.read("A dog runs.", ENGLISH) == "Reading the caption aloud."
    assert voice._tts.locale() == home
    reader.stop()


def _caption(text: str) -> Caption:
    caption = caption_from_text(text, -0.5)
    assert caption is not None
    return caption


def test_a_languages_edit_typed_while_the_image_waited_wins_over_the_new_caption():
    state = LanguageState(ARABIC)
    state.apply(_caption("كلب يركض"))
    state.mark_queued()  # re-caption asked for
    state.set_text("كلب صغير")  # typed while it waited
    state.apply(_caption("كلب على العشب"))
    assert state.text == "كلب صغير" and state.edited
    assert state.caption is not None and state.caption.text == "كلب على العشب"  # new maps
    state.mark_queued()  # asked again, nothing typed meanwhile: the model's words replace
    state.apply(_caption("كلب على العشب"))
    assert state.text == "كلب على العشب" and not state.edited and not state.reviewed
