"""Preview heatmaps, editing with undo, review flags, search, export and settings."""

from __future__ import annotations

import csv
import itertools

import numpy as np
from PIL import Image
from PySide6.QtCore import QSettings, Qt

from capdesk.ui.items import Status
from capdesk.ui.overlay import ALL_WORDS
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000


def captioned(qtbot, make_window, images, count=3, engine=None):
    window, controller = make_window(engine)
    paths = images(count)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    return window, controller, paths


def wait_preview(qtbot, window):
    qtbot.waitUntil(lambda: window.preview.current_overlay() is not None, timeout=HANG_MS)


def test_each_word_shows_a_different_overlay(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[1])
    wait_preview(qtbot, window)
    preview = window.preview
    item = controller.current_item
    assert item is not None and item.caption is not None
    assert len(preview.words.buttons) == len(item.caption.words) + 1
    overlays = []
    for index in range(len(item.caption.words)):
        preview.select_word(index)
        overlays.append(preview.current_overlay())
    for a, b in itertools.pairwise(overlays):
        assert not np.array_equal(a, b)
    preview.overlay_check.setChecked(False)
    plain = preview.current_overlay()
    assert not any(np.array_equal(plain, o) for o in overlays)


def test_hovering_a_word_shows_its_map_then_returns(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[0])
    wait_preview(qtbot, window)
    preview = window.preview
    whole = preview.current_overlay()
    preview.words.hovered.emit(1)
    assert preview.current_word == 1
    assert not np.array_equal(whole, preview.current_overlay())
    preview.words.hovered.emit(None)
    assert preview.current_word == ALL_WORDS


def test_play_steps_through_the_words(qtbot, make_window, images, monkeypatch):
    from capdesk.ui import preview as preview_module

    monkeypatch.setattr(preview_module, "PLAY_INTERVAL_MS", 10)  # read when the pane is built
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[0])
    wait_preview(qtbot, window)
    preview = window.preview
    shown = []
    select_word = preview.select_word

    def spy(index):
        shown.append(index)
        select_word(index)

    preview.select_word = spy  # the pane's own steps go through its public method
    preview.play()
    assert preview.current_word == 0
    qtbot.waitUntil(lambda: not preview.is_playing, timeout=HANG_MS)
    words = len(controller.current_item.caption.words)
    assert shown == [*range(words), ALL_WORDS]  # every word in turn, then the whole caption
    assert preview.current_word == ALL_WORDS


def test_opacity_changes_the_overlay(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[0])
    wait_preview(qtbot, window)
    preview = window.preview
    preview.opacity_slider.setValue(20)
    faint = preview.current_overlay()
    preview.opacity_slider.setValue(90)
    assert not np.array_equal(faint, preview.current_overlay())
    assert controller.settings.overlay_opacity == 90


def test_save_overlay_png_at_full_size(qtbot, make_window, images, tmp_path):
    _window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[2])
    target = tmp_path / "overlay.png"
    assert controller.files.save_overlay_to(target, 0, 0.6)
    with Image.open(target) as saved, Image.open(paths[2]) as original:
        assert saved.size == original.size


def test_edit_undo_redo_and_export_uses_the_edit(qtbot, make_window, images, tmp_path):
    window, controller, paths = captioned(qtbot, make_window, images)
    model_text = controller.model.item(paths[0]).text
    index = controller.filter.mapFromSource(controller.model.index_of(paths[0]))
    controller.filter.setData(index, "a red kite over the beach")  # as the inline editor does
    item = controller.model.item(paths[0])
    assert item.text == "a red kite over the beach"
    assert item.edited and item.reviewed and item.status is Status.EDITED
    window.actions_by_name["undo"].trigger()
    assert item.text == model_text and not item.edited and not item.reviewed
    assert item.status is Status.DONE
    window.actions_by_name["redo"].trigger()
    assert item.text == "a red kite over the beach"

    out = controller.files.export_to(tmp_path / "out" / "captions.csv")
    with out.open(encoding="utf-8") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    assert rows[str(paths[0])]["caption"] == "a red kite over the beach"
    assert rows[str(paths[0])]["edited"] == "true"
    assert rows[str(paths[1])]["caption"] == controller.model.item(paths[1]).text


def test_recaption_selected_keeps_other_edits(qtbot, make_window, images):
    engine = FakeCaptioner()
    window, controller, paths = captioned(qtbot, make_window, images, engine=engine)
    controller.edit_caption(paths[0], "kept edit")
    window.beam_spin.setValue(5)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.recaption([paths[1]])
    assert engine.beam_sizes[-1] == 5
    assert controller.model.item(paths[0]).text == "kept edit"
    assert controller.model.item(paths[1]).text == engine.caption_for(paths[1], 5).text


def test_edit_typed_while_an_image_waits_survives_its_new_caption(qtbot, make_window, images):
    engine = FakeCaptioner()
    _window, controller, paths = captioned(qtbot, make_window, images, engine=engine)
    # Results reach the window only through its event loop, so the edit made right
    # after queueing always lands while paths[1] waits, however fast the engine is.
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.recaption(paths[:2])
        controller.edit_caption(paths[1], "typed while it waited")
    first, second = controller.model.item(paths[0]), controller.model.item(paths[1])
    assert first.text == engine.caption_for(paths[0], first_beam(engine)).text
    assert second.text == "typed while it waited"
    assert second.edited and second.status is Status.EDITED
    assert second.caption.text == engine.caption_for(paths[1], first_beam(engine)).text


def first_beam(engine: FakeCaptioner) -> int | None:
    return engine.beam_sizes[-1]


def test_unsure_captions_are_flagged_and_visited_first(qtbot, make_window, images):
    paths_names = {"img002.jpg"}
    _window, controller, paths = captioned(
        qtbot, make_window, images, count=4, engine=FakeCaptioner(unsure=paths_names)
    )
    flagged = [i.path.name for i in controller.model.items() if i.flagged]
    assert flagged == ["img002.jpg"]
    assert "check this" in controller.filter.index(2, 0).data()
    controller.select(paths[0])
    assert controller.next_unreviewed() == paths[2]  # flagged first
    controller.accept_current()  # accept img002 -> reviewed, moves on
    assert controller.model.item(paths[2]).reviewed
    assert not controller.model.item(paths[2]).flagged
    assert controller.current_item.path != paths[2]
    for _ in range(3):
        controller.accept_current()
    assert all(i.reviewed for i in controller.model.items())
    assert controller.next_unreviewed() is None


def test_search_shows_only_matching_captions(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images, count=6)
    controller.edit_caption(paths[3], "a Yellow boat on the lake")
    window.search.setText("yellow   LAKE")
    assert controller.filter.rowCount() == 1
    assert controller.filter.index(0, 0).data().startswith("img003.jpg")
    window.search.clear()
    assert controller.filter.rowCount() == 6


def test_delete_removes_from_the_list(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[1])
    window.actions_by_name["remove"].trigger()
    assert controller.model.paths() == [paths[0], paths[2]]
    assert paths[1].exists()


def test_settings_persist_between_windows(qtbot, make_window, settings_store, tmp_path):
    from dataclasses import replace

    window, controller = make_window()
    controller.apply_settings(
        replace(
            controller.settings, beam_size=6, recursive=False, thumbnail_size=128, provider="cpu"
        )
    )
    controller.files.open_folder_path(tmp_path)
    window.close()

    fresh = QSettings(settings_store.fileName(), QSettings.Format.IniFormat)  # a new "run"
    second, controller2 = make_window(store=fresh)
    assert controller2.settings.beam_size == 6
    assert controller2.settings.recursive is False
    assert controller2.settings.thumbnail_size == 128
    assert controller2.settings.provider == "cpu"
    assert controller2.settings.recent_folders[0] == str(tmp_path)
    assert second.beam_spin.value() == 6
    assert second.recent_menu.actions()[0].text() == str(tmp_path)


def test_export_dialog_writes_copies_with_alt_text_in_the_background(
    qtbot, make_window, images, tmp_path
):
    from capdesk.export import read_alt_text, read_jsonl

    _window, controller, paths = captioned(qtbot, make_window, images)
    controller.edit_caption(paths[0], "A photo of a dog on grass")
    dialog = controller.files.export()
    dialog._boxes["alt-text"].setChecked(True)
    dialog._boxes["jsonl"].setChecked(True)
    dialog.destination.setText(str(tmp_path / "export"))
    assert "photo of" in dialog.checks.text().lower()  # alt-text checks shown up front
    job = controller.files.export_job
    with qtbot.waitSignal(job.signals.finished, timeout=HANG_MS) as blocker:
        dialog.accept()
    report = blocker.args[0]
    assert report.ok, report.summary()
    copy = tmp_path / "export" / paths[0].name
    assert read_alt_text(copy) == "A photo of a dog on grass"
    assert read_alt_text(paths[0]) is None  # originals untouched
    records = read_jsonl(tmp_path / "export" / "captions.jsonl")
    assert next(r.caption for r in records) == "A photo of a dog on grass"


def test_preview_editor_commits_with_enter(qtbot, make_window, images):
    window, controller, paths = captioned(qtbot, make_window, images)
    controller.select(paths[2])
    editor = window.preview.editor
    editor.selectAll()
    qtbot.keyClicks(editor, "three friends at the seaside")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    item = controller.model.item(paths[2])
    assert item.text == "three friends at the seaside" and item.edited
    window.actions_by_name["undo"].trigger()
    assert not controller.model.item(paths[2]).edited


def test_window_layout_is_restored(qtbot, make_window):
    window, _controller = make_window()
    window.resize(700, 500)  # inside the offscreen screen (800×600)
    window.splitter.setSizes([200, 700])
    window.close()
    second, _controller2 = make_window()
    assert second.size().width() == 700
    assert second.splitter.sizes()[0] < second.splitter.sizes()[1]
