"""The "Library" view: every folder the caption library knows, with its counts.

A table (folder, images, captioned, edited, reviewed, exported); Enter, a double click or
"Open folder" adds that folder to the list, where its known photos show their captions at
once. The counts come from the library thread (:meth:`LibraryKeeper.list_folders`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

COLUMNS = ("Folder", "Images", "Captioned", "Edited", "Reviewed", "Exported")


class LibraryDialog(QDialog):
    """Not modal: the window stays usable while it is open."""

    open_folder = Signal(object)  # Path

    def __init__(self, folders: list[Any], library: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Caption library")
        self.setAccessibleName("Caption library")
        total = sum(f.images for f in folders)
        summary = QLabel(f"{len(folders)} folders, {total} images in {library}", self)
        summary.setWordWrap(True)
        self.table = QTableWidget(len(folders), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Folders in the library")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, counts in enumerate(folders):
            values = (counts.folder, counts.images, counts.captioned, counts.edited,
                      counts.reviewed, counts.exported)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        if folders:
            self.table.selectRow(0)
        self.table.doubleClicked.connect(lambda _index: self._open())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.open_button = buttons.addButton("&Open folder",
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(bool(folders))
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def folders(self) -> list[str]:
        return [self._folder(r) for r in range(self.table.rowCount())]

    def _folder(self, row: int) -> str:
        item = self.table.item(row, 0)
        return item.text() if item is not None else ""

    def _open(self) -> None:
        row = self.table.currentRow()
        if row >= 0 and self._folder(row):
            self.open_folder.emit(Path(self._folder(row)))
            self.accept()
