"""Quitting never loses work silently: Ctrl+Q keeps an edit still being typed (the list's
editor or the caption field), asks before stopping a run, and keeps every caption the
engine finished before it stopped, even those the window had not shown yet."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner
from tests.ui.test_library import HANG_MS, _caption_folder, _captioned_paths, _reopen, _wait_library


def _active(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=HANG_MS)


def test_ctrl_q_keeps_what_is_typed_in_the_list_editor(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    _active(qtbot, window)
    controller.select(paths[1])
    view = window.list_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "typed, then Ctrl+Q")
    qtbot.keyClick(editor, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    _window, again, engine = _reopen(qtbot, make_window, paths[0].parent, 2)
    assert again.model.item(paths[1]).text == "typed, then Ctrl+Q"
    assert _captioned_paths(engine) == []


def test_ctrl_q_keeps_what_is_typed_in_the_caption_field(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    _active(qtbot, window)
    controller.select(paths[0])
    field = window.preview.editor
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "never confirmed with Enter")
    qtbot.keyClick(field, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    _window, again, _engine2 = _reopen(qtbot, make_window, paths[0].parent, 2)
    item = again.model.item(paths[0])
    assert item.text == "never confirmed with Enter" and item.status is Status.EDITED


def test_captions_finished_but_not_yet_shown_are_kept_when_quitting(qtbot, make_window,
                                                                    images):
    paths = images(10)
    engine = FakeCaptioner(pause_after=0)  # holds before its first batch
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)
    engine.resume()
    deadline = time.monotonic() + HANG_MS / 1000  # a hang guard: no Qt events meanwhile
    while engine.yielded < len(paths) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.yielded == len(paths)
    assert not any(i.status is Status.DONE for i in controller.model.items())  # not shown yet
    window.close()  # "stop and quit?": yes (the fixture's answer)

    _window, _again, engine2 = _reopen(qtbot, make_window, paths[0].parent, 10)
    assert _captioned_paths(engine2) == []


def test_the_quit_question_says_what_is_kept(qtbot, make_window, images):
    paths = images(10)
    engine = FakeCaptioner(pause_after=2)  # holds after the first batch (8 images)
    _window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(lambda: sum(i.status is Status.DONE for i in controller.model.items()) == 8,
                    timeout=HANG_MS)
    title, detail = controller.keeping.stop_question()
    assert title == "Stop captioning and quit?"
    assert detail == ("The 8 captions finished so far are kept in the caption library. "
                      "The 2 photos not captioned yet are captioned when you open them again.")


def test_the_quit_box_defaults_to_cancel_and_stop_quits(qtbot, make_window, images,
                                                       monkeypatch):
    paths = images(10)
    engine = FakeCaptioner(pause_after=2)
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)
    del controller.keeping.confirm_stop  # the real box, not the fixture's "yes"
    shown, answers = [], ["Cancel", "Stop and quit"]

    def fake_exec(box: QMessageBox) -> int:
        shown.append((box.text(), box.defaultButton().text()))
        wanted = answers.pop(0)
        next(b for b in box.buttons() if b.text().replace("&", "") == wanted).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    window.close()
    assert window.isVisible() and controller.queue.busy  # Cancel: still running
    assert shown[0] == ("Stop captioning and quit?", "Cancel")
    window.close()
    assert not window.isVisible()


def test_words_typed_in_the_caption_field_survive_moving_to_another_image(
        qtbot, make_window, images):
    paths = images(3)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    controller.select(paths[0])
    field = window.preview.editor
    field.selectAll()
    qtbot.keyClicks(field, "typed, then F8")
    window.actions_by_name["next_unreviewed"].trigger()  # F8, without Enter first
    assert controller.current_item.path != paths[0]
    qtbot.waitUntil(lambda: controller.model.item(paths[0]).text == "typed, then F8",
                    timeout=HANG_MS)
    assert field.text() == controller.current_item.text  # the next image's own caption
    controller.undo_stack.undo()  # an edit like any other
    assert controller.model.item(paths[0]).text != "typed, then F8"

    controller.select(paths[1])
    field.selectAll()
    qtbot.keyClicks(field, "typed, then Delete from the menu")
    window.actions_by_name["remove"].trigger()
    assert controller.undo_stack.count() == 2  # the edit, then the Delete
    controller.undo_stack.undo()
    assert controller.model.item(paths[1]).text == "typed, then Delete from the menu"


def test_quitting_without_a_library_asks_before_the_captions_are_gone(
        qtbot, make_window, images, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CAPDESK_LIBRARY", str(blocker / "library.sqlite3"))
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    assert not controller.keeping.active
    assert controller.keeping.stop_question() == (
        "Quit without keeping the captions?",
        "The caption library is not available, so the 2 captions are gone when capdesk "
        "closes. Export them first (Ctrl+E) to keep them.")
    asked = []
    controller.keeping.confirm_stop = lambda: asked.append(True) and False  # Cancel
    window.close()
    assert asked and window.isVisible()
    controller.keeping.confirm_stop = lambda: True  # "Quit anyway"
    window.close()
    assert not window.isVisible()


def test_quitting_during_an_export_asks_and_the_library_keeps_what_it_wrote(
        qtbot, make_window, images, tmp_path, monkeypatch, library_file):
    import threading

    from capdesk.jobs import export_job
    from capdesk.library import Library

    real = export_job.export_records
    wrote_one = threading.Event()

    def held_after_the_first(records, options, *, progress, should_cancel):
        def report(done, total):
            progress(done, total)
            if done == 1:
                wrote_one.set()
                while not should_cancel():  # until the window closes (and cancels)
                    time.sleep(0.01)
        return real(records, options, progress=report, should_cancel=should_cancel)

    monkeypatch.setattr(export_job, "export_records", held_after_the_first)
    paths = images(3)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    dialog = controller.files.export()
    dialog.destination.setText(str(tmp_path / "out"))
    dialog.accept()
    assert wrote_one.wait(HANG_MS / 1000)
    asked = []
    controller.files.confirm_export_stop = lambda: asked.append(True) and False  # Cancel
    window.close()
    assert asked and window.isVisible() and controller.files.export_job.busy
    controller.files.confirm_export_stop = lambda: True  # "Stop and quit"
    window.close()
    assert not window.isVisible() and not controller.files.export_job.busy
    with Library.open(library_file) as library:
        exported = library.connection.execute("SELECT count(*) FROM exports").fetchone()[0]
    assert exported == 1  # the one image written before the stop
