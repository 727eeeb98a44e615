"""Ctrl+E (Export) and the other commands work wherever the focus is, text fields too.

With the X11, GNOME and KDE key schemes QLineEdit claims Ctrl+E ("end of line") before
any shortcut sees it. The offscreen platform the tests use has the Windows scheme, where it
does not, so the test puts the X11 behaviour on the field (:class:`X11LineKeys`, the
override a QLineEdit sends on xcb) unless the platform already has it. Run on a real
display (``xvfb-run -a env QT_QPA_PLATFORM=xcb pytest ...``) the stand-in is not used.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from capdesk.ui.exporting import ExportDialog
from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner
from tests.ui.test_library import HANG_MS, _caption_folder

CTRL_E = QKeySequence("Ctrl+E")[0].toCombined()


class X11LineKeys(QObject):
    """Accepts the ShortcutOverride of Ctrl+E, as QLineEdit does with the X11 key scheme."""

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.keyCombination().toCombined() == CTRL_E):
            event.accept()
            return True
        return False


def _x11_keys(field: QLineEdit, keep: list) -> None:
    ends = QKeySequence.keyBindings(QKeySequence.StandardKey.MoveToEndOfLine)
    if not any(k.toString() == "Ctrl+E" for k in ends):
        keep.append(X11LineKeys(field))
        field.installEventFilter(keep[-1])  # before the field is focused: the app's runs first


def _press_ctrl_e(qtbot, window, field: QLineEdit) -> ExportDialog:
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=HANG_MS)
    qtbot.keyClick(field, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(ExportDialog)),
                    timeout=10_000)
    (dialog,) = [d for d in window.findChildren(ExportDialog) if d.isVisible()]
    return dialog


def test_ctrl_e_exports_from_the_search_box_and_the_caption_fields(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    controller.select(paths[0])
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=HANG_MS)
    keep: list = []
    for field in (window.search, window.preview.editor):
        _x11_keys(field, keep)
        _press_ctrl_e(qtbot, window, field).reject()
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=10_000)

    view = window.list_view  # the inline editor of the list
    view.setFocus()
    view.edit(view.currentIndex())
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    _x11_keys(editor, keep)
    _press_ctrl_e(qtbot, window, editor).reject()


def test_text_fields_keep_their_own_editing_keys(qtbot, make_window, images):
    paths = images(2)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=HANG_MS)
    search = window.search
    search.setFocus()
    qtbot.keyClicks(search, "dogs")
    qtbot.keyClick(search, Qt.Key.Key_Home)
    qtbot.keyClick(search, Qt.Key.Key_Delete)  # deletes a letter, not the selected photo
    assert search.text() == "ogs"
    assert controller.model.paths() == paths
    qtbot.keyClick(search, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert search.text() == "dogs"  # the field's undo, not the window's
    assert window.list_view.state() != QAbstractItemView.State.EditingState


def test_escape_in_the_list_editor_cancels_the_edit_not_the_run(qtbot, make_window, images):
    """Escape is Cancel (the run) and, in the list's editor, cancel the edit: the editor's
    delegate claims it, so the two never clash."""
    paths = images(10)
    engine = FakeCaptioner(pause_after=2)  # holds after the first batch (8 images)
    window, controller = make_window(engine)
    controller.add_paths(paths)
    qtbot.waitUntil(lambda: getattr(controller.model.item(paths[0]), "status", None)
                    is Status.DONE, timeout=HANG_MS)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=HANG_MS)
    view = window.list_view
    controller.select(paths[0])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, " not wanted")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState,
                    timeout=HANG_MS)
    assert "not wanted" not in controller.model.item(paths[0]).text
    assert controller.queue.busy  # still captioning
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        qtbot.keyClick(view, Qt.Key.Key_Escape)  # outside a field: Cancel the run
