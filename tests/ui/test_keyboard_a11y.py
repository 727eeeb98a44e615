"""Keyboard use and accessible names: everything reachable without a mouse."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QLineEdit,
    QWidget,
)

from capdesk.ui.actions import COMMANDS


def test_every_focusable_control_has_an_accessible_name(qtbot, make_window, images):
    window, controller = make_window()
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(images(2))
    controller.select(controller.model.paths()[0])
    qtbot.waitUntil(lambda: window.preview.current_overlay() is not None, timeout=60_000)
    unnamed = []
    for widget in window.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(window):
            continue
        if isinstance(widget.parent(), QAbstractSpinBox):
            continue  # the spin box's own line edit: the spin box carries the name
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (widget.accessibleName() or text):
            unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
    assert unnamed == []


def test_every_command_has_a_shortcut_listed_in_f1(qtbot, make_window):
    window, controller = make_window()
    dialog = controller.files.show_shortcuts()
    table = dialog.findChild(QAbstractItemView)
    listed = {table.model().index(r, 0).data() for r in range(table.model().rowCount())}
    assert {c.shortcut for c in COMMANDS} <= listed
    for name in ("open_files", "export", "remove", "shortcuts", "next_unreviewed"):
        assert not window.actions_by_name[name].shortcut().isEmpty()
    assert window.actions_by_name["open_files"].shortcut().toString() == "Ctrl+O"
    assert window.actions_by_name["export"].shortcut().toString() == "Ctrl+E"
    dialog.close()


def test_arrows_move_and_enter_edits_in_the_list(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(3)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths(paths)
    view = window.list_view
    view.setFocus()
    controller.select(paths[0])
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert controller.current_item.path == paths[1]
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert view.state() == QAbstractItemView.State.EditingState
    editors = [e for e in view.findChildren(QLineEdit) if e.isVisibleTo(view)]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    qtbot.keyClicks(editor, "typed by keyboard")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits through a queued call
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState, timeout=60_000)
    assert controller.model.item(paths[1]).text == "typed by keyboard"
    assert controller.undo_stack.canUndo()


def test_settings_dialog_applies_changes(qtbot, make_window):
    window, controller = make_window()
    dialog = controller.files.edit_settings()
    dialog.beam_size.setValue(7)
    dialog.thumbnail_size.setValue(64)
    dialog.accept()
    assert controller.settings.beam_size == 7
    assert window.beam_spin.value() == 7
    assert controller.thumbnails.size == 64
