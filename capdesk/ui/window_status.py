"""What the window's frame and status bar say about the list: the title and the counts.

* The title names the folder being worked on and the photo shown, with Qt's ``[*]``
  marker for the one thing not kept yet: a caption typed into the editor and not
  committed (every committed edit is in the library at once, so nothing else is unsaved).
* The counts follow the list whatever changes it: rows added or removed, results, edits,
  reviews, the search filter (then they also say how many are shown). Counting every item
  on every result would cost O(n²) over a run, so changes are coalesced by a short timer.

The run's progress line is worded in ``feedback.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, QTimer

from capdesk.ui.image_model import ImageListModel, ItemRole
from capdesk.ui.items import ImageItem, review_summary
from capdesk.ui.main_window import MainWindow

APP_TITLE = "capdesk — captions and alt text"
COUNTS_DELAY_MS = 150


def folder_of(paths: Iterable[Path]) -> Path | None:
    """The folder a set of dropped or opened paths is "in": the folder itself when one
    folder was opened, else the files' common parent folder (None for nothing)."""
    items = [Path(p) for p in paths]
    if not items:
        return None
    if len(items) == 1 and items[0].is_dir():
        return items[0]
    parents = [p if p.is_dir() else p.parent for p in items]
    try:
        return Path(os.path.commonpath([str(p.absolute()) for p in parents]))
    except ValueError:  # different drives on Windows
        return parents[0]


def window_title(folder: Path | None, current: Path | None) -> str:
    """``img003.jpg[*] — Holiday — capdesk``; Qt shows ``[*]`` as "*" while the photo's
    caption has unsaved typing, and hides it otherwise."""
    parts = [f"{current.name}[*]"] if current is not None else []
    if folder is not None:
        parts.append(folder.name or str(folder))
    return " — ".join([*parts, "capdesk"]) if parts else APP_TITLE


class WindowStatus(QObject):
    """Keeps the title and the counts label up to date (see the module docstring)."""

    def __init__(
        self, window: MainWindow, model: ImageListModel, shown: QSortFilterProxyModel
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.shown = shown
        self.folder: Path | None = None
        self._current: ImageItem | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COUNTS_DELAY_MS)
        self._timer.timeout.connect(self.update_counts)
        for source in (model, shown):
            for signal in (
                source.rowsInserted,
                source.rowsRemoved,
                source.modelReset,
                source.layoutChanged,
                source.dataChanged,
            ):
                signal.connect(self.schedule_counts)
        model.dataChanged.connect(self._update_modified)
        window.list_view.selectionModel().currentChanged.connect(self._on_current)
        window.preview.captions.typed.connect(self._update_modified)  # every language's tab
        self.update_title()
        self.update_counts()

    # -- title ---------------------------------------------------------------------
    def opened(self, paths: Iterable[Path]) -> None:
        """A drop or Open: name its folder in the title."""
        folder = folder_of(paths)
        if folder is not None:
            self.folder = folder
            self.update_title()

    def update_title(self) -> None:
        current = self._current.path if self._current is not None else None
        self.window.setWindowTitle(window_title(self.folder, current))
        self._update_modified()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = current.data(ItemRole) if current.isValid() else None
        self._current = item if isinstance(item, ImageItem) else None
        self.update_title()

    def _update_modified(self, *_args: object) -> None:
        """Unsaved: an editor (any language's) holds words that differ from those kept."""
        preview = self.window.preview
        pending = preview.pending() is not None or bool(preview.pending_languages()[1])
        self.window.setWindowModified(self._current is not None and pending)

    # -- counts ----------------------------------------------------------------------
    def schedule_counts(self, *_args: object) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def update_counts(self) -> None:
        """Now: ``24 images · 20 captioned · 3 flagged · 5 reviewed`` (+ ``· 7 shown``)."""
        self._timer.stop()
        text = review_summary(self.model.items())
        total, visible = self.model.rowCount(), self.shown.rowCount()
        if visible != total:
            text += f" · {visible:,} shown"
        label = self.window.counts_label
        label.setText(text)
        label.setAccessibleDescription(text)
