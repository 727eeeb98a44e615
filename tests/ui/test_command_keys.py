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
