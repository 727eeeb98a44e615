"""Delete can be undone (rows, captions, edits and review come back) and keeps the focus
near the deleted rows; the files and the caption library are never touched by it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from capdesk.library import Library
from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner
from tests.ui.test_library import HANG_MS, _caption_folder


def _select(controller, paths) -> None:
    controller.select(paths[0])
    selection = controller.window.list_view.selectionModel()
    for path in paths[1:]:
        index = controller.filter.mapFromSource(controller.model.index_of(path))
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)


def test_delete_then_undo_restores_rows_edits_and_reviews(qtbot, make_window, images,
                                                          library_file):
    paths = images(5)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    model_text_2 = controller.model.item(paths[2]).text
    controller.edit_caption(paths[2], "my dog Rex on the beach")
    controller.select(paths[3])
    controller.accept_current()
    model_text = controller.model.item(paths[1]).text
    _select(controller, [paths[1], paths[2], paths[3]])

    window.actions_by_name["remove"].trigger()
    assert controller.model.paths() == [paths[0], paths[4]]
    assert controller.current_item.path == paths[4]  # the row after the deleted ones
    assert all(p.exists() for p in paths)

    window.actions_by_name["undo"].trigger()
    assert controller.model.paths() == paths  # back where they were
    items = {i.path: i for i in controller.model.items()}
    assert items[paths[1]].text == model_text
    assert items[paths[2]].text == "my dog Rex on the beach" and items[paths[2]].edited
    assert items[paths[3]].reviewed
    assert controller.current_item.path == paths[1]
    assert controller.selected_paths() == paths[1:4]

    controller.undo_stack.undo()  # the edits before the Delete are still undoable
    controller.undo_stack.undo()
    assert not controller.model.item(paths[3]).reviewed
    assert controller.model.item(paths[2]).text == model_text_2
    controller.undo_stack.redo()
    controller.undo_stack.redo()
    controller.undo_stack.redo()  # and the Delete is redone
    assert controller.model.paths() == [paths[0], paths[4]]
    window.close()
    with Library.open(library_file) as library:  # Delete is about the list, not the library
        assert library.stats()["images"] == 5


def test_delete_at_the_end_moves_to_the_previous_row_and_keeps_focus(qtbot, make_window,
                                                                     images):
    paths = images(3)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=HANG_MS)
    view = window.list_view
    view.setFocus()
    controller.select(paths[2])
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert controller.model.paths() == paths[:2]
    assert controller.current_item.path == paths[1]
    assert view.hasFocus()
    assert window.preview.editor.text() == controller.model.item(paths[1]).text
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert controller.model.paths() == paths
    assert controller.current_item.path == paths[2]

    for _ in range(3):  # deleting everything leaves an empty preview, not a stale one
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert controller.model.paths() == []
    assert controller.current_item is None
    assert window.preview.editor.text() == ""


def test_an_image_deleted_while_waiting_is_captioned_after_undo(qtbot, make_window, images):
    paths = images(10)
    engine = FakeCaptioner(pause_after=2)  # holds after the first batch of eight
    _window, controller = make_window(engine)
    controller.add_paths(paths)
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)
    waiting = paths[9]  # queued, or already handed to the held engine
    assert controller.model.item(waiting).status in (Status.QUEUED, Status.CAPTIONING)
    controller.remove([waiting])
    controller.undo_stack.undo()
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        engine.resume()
    assert controller.model.item(waiting).status is Status.DONE
    assert waiting in {p for call in engine.calls for p in call}
