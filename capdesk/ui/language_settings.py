"""The Settings row that chooses the caption languages: which ones, in which order.

A list of the languages the loaded model ships, each with a check box; checked ones are
written, top to bottom, and the first is the ``x-default`` entry of exported alt text
(and the language shown in the image list). Up and Down (buttons, or Alt+Up / Alt+Down
in the list) reorder; at least one language stays checked. Chosen languages the loaded
model does not ship (or all but English, while no model has loaded yet) are not listed but
kept in the choice, at their place, for the model that has them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import Language

CODE_ROLE = Qt.ItemDataRole.UserRole


class _LanguageList(QListWidget):
    """Alt+Up / Alt+Down move the current language, like the buttons."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        chooser = self.parent()
        if (event.modifiers() & Qt.KeyboardModifier.AltModifier and isinstance(
                chooser, LanguageChooser) and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)):
            chooser.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)


class LanguageChooser(QWidget):
    """See the module docstring; :meth:`chosen` is the checked codes in order."""

    def __init__(self, chosen: tuple[str, ...], available: tuple[Language, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = _LanguageList(self)
        self.list.setAccessibleName("Caption languages")
        self.list.setAccessibleDescription(
            "Checked languages are written, in this order; the first is the default "
            "language of exported alt text. Space checks, Alt+Up and Alt+Down move."
        )
        by_code = {language.code: language for language in available}
        self._unlisted = [(i, c) for i, c in enumerate(chosen) if c not in by_code]
        order = [by_code[c] for c in chosen if c in by_code]
        order += [x for x in available if x not in order]
        for language in order:
            entry = QListWidgetItem(language.label, self.list)
            entry.setData(CODE_ROLE, language.code)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = language.code in chosen
            entry.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            if language.rtl:
                entry.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.list.setCurrentRow(0)
        self.list.setMaximumHeight(self.list.sizeHintForRow(0) * max(len(order), 2) + 8)
        self.list.itemChanged.connect(self._keep_one)
        self.up = QPushButton("Move &up", self)
        self.up.setAccessibleName("Move language up")
        self.up.clicked.connect(lambda: self.move_current(-1))
        self.down = QPushButton("Move do&wn", self)
        self.down.setAccessibleName("Move language down")
        self.down.clicked.connect(lambda: self.move_current(1))
        buttons = QVBoxLayout()
        buttons.addWidget(self.up)
        buttons.addWidget(self.down)
        buttons.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        only_one = len(order) < 2
        self.up.setEnabled(not only_one)
        self.down.setEnabled(not only_one)

    def checked(self) -> tuple[str, ...]:
        """The checked languages' codes, top to bottom."""
        entries = [self.list.item(row) for row in range(self.list.count())]
        return tuple(
            str(e.data(CODE_ROLE)) for e in entries if e.checkState() == Qt.CheckState.Checked
        )

    def chosen(self) -> tuple[str, ...]:
        """What to save: the checked languages, with the unlisted chosen ones at their
        former places."""
        codes = list(self.checked())
        for index, code in self._unlisted:
            codes.insert(min(index, len(codes)), code)
        return tuple(codes)

    def move_current(self, step: int) -> None:
        """Move the current language ``step`` rows (-1 up, 1 down), keeping it current."""
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        entry = self.list.takeItem(row)
        self.list.insertItem(target, entry)
        self.list.setCurrentRow(target)

    def _keep_one(self, entry: QListWidgetItem) -> None:
        """Unchecking the last checked language is undone: something must be written."""
        if not self.checked():
            entry.setCheckState(Qt.CheckState.Checked)
