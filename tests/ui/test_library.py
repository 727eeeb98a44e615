"""The caption library in the window: work survives closing, known photos are not captioned
again, a broken library leaves a message and a working app. Real SQLite files in tmp_path;
timeouts are hang guards only."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QCoreApplication, QStandardPaths
from PySide6.QtWidgets import QLineEdit

from capdesk.library import Library, data_folder
from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000


def _captioned_paths(engine: FakeCaptioner) -> list:
    return [path for call in engine.calls for path in call]


def _wait_library(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: controller.keeping.label.text() in ("Library",
                                                                "Library: not available"),
                    timeout=HANG_MS)


def _caption_folder(qtbot, make_window, folder, engine=None):
    engine = engine or FakeCaptioner()
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([folder])
    return window, controller, engine


def _reopen(qtbot, make_window, folder, count):
    """A new window on the same library and folder; waits until every image is settled."""
    engine = FakeCaptioner()
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([folder])
    qtbot.waitUntil(lambda: len(controller.model.items()) == count and all(
        i.status in (Status.DONE, Status.EDITED) for i in controller.model.items()),
        timeout=HANG_MS)
    return window, controller, engine


def test_captions_and_edits_survive_closing_and_are_not_captioned_again(
        qtbot, make_window, images, library_file):
    paths = images(5)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    controller.edit_caption(paths[1], "my dog Rex on the beach")
    controller.edit_caption(paths[3], "grandma's garden in May")
    controller.select(paths[4])
    controller.accept_current()
    model_text = controller.model.item(paths[0]).text
    window.close()

    _window, again, engine = _reopen(qtbot, make_window, paths[0].parent, 5)
    assert _captioned_paths(engine) == []  # the model was not asked about any of them
    items = {i.path: i for i in again.model.items()}
    assert items[paths[1]].text == "my dog Rex on the beach"
    assert items[paths[1]].edited and items[paths[1]].status is Status.EDITED
    assert items[paths[3]].text == "grandma's garden in May"
    assert items[paths[0]].text == model_text and not items[paths[0]].reviewed
    assert items[paths[4]].reviewed
    with Library.open(library_file) as library:
        assert library.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert library.stats()["images"] == 5


def test_a_photo_changed_on_disk_is_captioned_again(qtbot, make_window, images):
    paths = images(3)
    window, _controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    window.close()
    pixels = np.full((40, 40, 3), 200, dtype=np.uint8)
    Image.fromarray(pixels).save(paths[2])  # different content and size

    engine = FakeCaptioner()
    _window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([paths[0].parent])
    assert _captioned_paths(engine) == [paths[2]]
    assert all(i.status is Status.DONE for i in controller.model.items())


def test_undoing_an_edit_is_kept_too(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    model_text = controller.model.item(paths[0]).text
    controller.edit_caption(paths[0], "a typo")
    controller.undo_stack.undo()
    window.close()
    _window, again, engine = _reopen(qtbot, make_window, paths[0].parent, 2)
    item = again.model.item(paths[0])
    assert item.text == model_text and not item.edited
    assert _captioned_paths(engine) == []


def test_closing_keeps_the_text_in_an_open_editor(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    controller.select(paths[1])
    view = window.list_view
    view.edit(view.currentIndex())
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    editor.setText("typed but never confirmed")
    window.close()
    _window, again, _engine2 = _reopen(qtbot, make_window, paths[0].parent, 2)
    assert again.model.item(paths[1]).text == "typed but never confirmed"


def test_quitting_during_a_run_asks_and_keeps_what_finished(qtbot, make_window, images):
    paths = images(10)
    engine = FakeCaptioner(pause_after=2)  # holds after the first batch (8 images)
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)
    qtbot.waitUntil(lambda: sum(i.status is Status.DONE for i in controller.model.items()) == 8,
                    timeout=HANG_MS)
    asked = []
    controller.keeping.confirm_stop = lambda: asked.append(True) and False  # "Cancel"
    window.close()
    assert asked and window.isVisible()
    controller.keeping.confirm_stop = lambda: True  # "Yes, stop and quit"
    window.close()
    assert not window.isVisible()

    engine2 = FakeCaptioner()
    _window, again = make_window(engine2)
    _wait_library(qtbot, again)
    with qtbot.waitSignal(again.queue.finished, timeout=HANG_MS):
        again.add_paths([paths[0].parent])
    assert sorted(_captioned_paths(engine2)) == paths[8:]  # the eight finished are kept


def test_a_corrupt_library_is_kept_aside_and_the_window_works(
        qtbot, make_window, images, library_file):
    library_file.parent.mkdir(parents=True)
    library_file.write_bytes(b"this is not an SQLite database" * 100)
    paths = images(2)
    window, controller, engine = _caption_folder(qtbot, make_window, paths[0].parent)
    assert "damaged" in controller.keeping.problem
    assert controller.keeping.box is not None and "damaged" in controller.keeping.box.text()
    assert list(library_file.parent.glob("library.sqlite3.corrupt-*"))  # kept, not deleted
    assert sorted(_captioned_paths(engine)) == paths
    window.close()
    with Library.open(library_file) as library:  # the fresh library kept this run
        assert library.stats()["images"] == 2


def test_a_library_that_cannot_be_opened_leaves_a_message(
        qtbot, make_window, images, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CAPDESK_LIBRARY", str(blocker / "library.sqlite3"))
    paths = images(3)
    _window, controller, engine = _caption_folder(qtbot, make_window, paths[0].parent)
    assert controller.keeping.label.text() == "Library: not available"
    assert str(blocker) in controller.keeping.problem
    assert controller.keeping.box is not None and str(blocker) in controller.keeping.box.text()
    assert not controller.keeping.active
    assert sorted(_captioned_paths(engine)) == paths  # captioning works without it
    assert all(i.status is Status.DONE for i in controller.model.items())


def test_the_app_and_the_command_line_agree_on_the_library_folder(monkeypatch, tmp_path, qapp):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    old = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName("capdesk")
    QCoreApplication.setApplicationName("capdesk")
    try:
        location = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppDataLocation)
    finally:
        QCoreApplication.setOrganizationName(old[0])
        QCoreApplication.setApplicationName(old[1])
    assert location == str(data_folder())


def test_an_export_is_recorded(qtbot, make_window, images, library_file, tmp_path):
    paths = images(3)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    assert controller.files.export_to(tmp_path / "out.csv") is not None
    window.close()
    with Library.open(library_file) as library:
        rows = library.connection.execute("SELECT destination, formats FROM exports").fetchall()
    assert rows == [(str(tmp_path / "out.csv"), "csv")] * 3


def test_choosing_another_library_in_settings_uses_it(qtbot, make_window, images, tmp_path):
    from dataclasses import replace

    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    other = tmp_path / "elsewhere" / "mine.sqlite3"
    controller.apply_settings(replace(controller.settings, library_path=str(other)))
    _wait_library(qtbot, controller)
    qtbot.waitUntil(lambda: str(other) in controller.keeping.label.toolTip(), timeout=HANG_MS)
    controller.edit_caption(paths[0], "kept in the other file")
    window.close()
    with Library.open(other) as library:
        known = library.lookup(paths)
    assert known[paths[0]].text == "kept in the other file"


def test_enter_in_the_search_box_finds_photos_of_other_folders(qtbot, make_window, images):
    first = images(3, "holiday")
    window, controller, _engine = _caption_folder(qtbot, make_window, first[0].parent)
    controller.edit_caption(first[1], "zebra crossing at dusk")
    window.close()

    other = images(2, "work")
    engine = FakeCaptioner()
    window, controller, engine = _caption_folder(qtbot, make_window, other[0].parent, engine)
    window.search.setText("zebra")
    with qtbot.waitSignal(controller.keeping.keeper.searched, timeout=HANG_MS):
        window.search.returnPressed.emit()
    item = controller.model.item(first[1])
    assert item is not None and item.text == "zebra crossing at dusk"
    assert first[1] not in _captioned_paths(engine)
    assert controller.filter.rowCount() == 1  # the visible list shows the match only
    assert "1 added" in window.statusBar().currentMessage()


def test_the_library_view_lists_folders_and_opens_one(qtbot, make_window, images):
    first = images(3, "holiday")
    window, controller, _engine = _caption_folder(qtbot, make_window, first[0].parent)
    controller.edit_caption(first[0], "the lighthouse")
    window.close()

    engine = FakeCaptioner()
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    window.actions_by_name["library"].trigger()
    qtbot.waitUntil(lambda: controller.keeping.library_dialog is not None, timeout=HANG_MS)
    dialog = controller.keeping.library_dialog
    assert dialog.folders() == [str(first[0].parent)]
    row = [dialog.table.item(0, c).text() for c in range(1, 6)]
    assert row == ["3", "3", "1", "1", "0"]  # images, captioned, edited, reviewed, exported
    dialog.open_button.click()
    qtbot.waitUntil(lambda: len(controller.model.items()) == 3 and all(
        i.status in (Status.DONE, Status.EDITED) for i in controller.model.items()),
        timeout=HANG_MS)
    assert _captioned_paths(engine) == []


def test_without_capdesk_names_the_app_still_uses_the_command_lines_file(monkeypatch, tmp_path,
                                                                          qapp):
    from capdesk.ui.keeping import library_path

    monkeypatch.delenv("CAPDESK_LIBRARY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert library_path("") == data_folder() / "library.sqlite3"
    assert library_path(str(tmp_path / "mine.sqlite3")) == tmp_path / "mine.sqlite3"
