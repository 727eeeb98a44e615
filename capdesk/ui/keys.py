"""The window's commands keep their keys while a text field has the focus.

A text field claims some keys before any shortcut sees them (Qt's ShortcutOverride): with
the X11, GNOME and KDE key schemes a QLineEdit takes Ctrl+E as "end of line", so Ctrl+E
(Export) did nothing while the search box or the caption field had the focus. The window's
commands are chosen not to need those editing keys, so here the commands win: while a
text field of the window has the focus, an application event filter (it runs before the
field's own handling and any filter on it) turns down the override for a command's key,
and the shortcut fires. No filter runs while no field is focused. The keys a field really
needs stay the field's: undo and redo of what is being typed, Delete, Return and Escape
(the list's own Delete and Escape act outside a field).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from capdesk.ui.actions import COMMANDS

TEXT_FIELDS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)
"""Widgets that claim editing keys (a multi-line caption editor would be one too)."""

FIELD_KEYS = frozenset({"undo", "redo", "remove", "edit", "cancel"})
"""Commands whose key a text field keeps (they mean something while typing)."""


def command_keys() -> frozenset[int]:
    """Every window command's key combination (as ``QKeyCombination.toCombined()``)."""
    keys = set()
    for command in COMMANDS:
        if command.name not in FIELD_KEYS:
            keys.add(QKeySequence(command.shortcut)[0].toCombined())  # type: ignore[index]
    return frozenset(keys)


OWN_KEYS = "capdeskOwnKeys"
"""A field's Qt property: key combinations it keeps though a command has them (the read-text
field's Ctrl+Enter keeps the text there instead of accepting the caption)."""


def own_keys(widget: QWidget) -> tuple[int, ...]:
    return tuple(widget.property(OWN_KEYS) or ())


class CommandKeys(QObject):
    """Follows the focus: on while a text field of ``window`` has it (fields made later,
    like the list's inline editor, are covered too), off otherwise."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._keys = command_keys()
        self._app = QApplication.instance()
        if isinstance(self._app, QApplication):
            self._app.focusChanged.connect(self._on_focus)

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._app is None:
            return
        self._app.removeEventFilter(self)
        if (new is not None and new.window() is self._window
                and isinstance(new, TEXT_FIELDS)):
            self._app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and isinstance(watched, QWidget) and watched.window() is self._window
                and event.keyCombination().toCombined() in self._keys
                and event.keyCombination().toCombined() not in own_keys(watched)):
            event.ignore()  # not the field's: the shortcut map fires the command
            return True
        return False
