"""The list of images as a Qt item model, plus the search filter over it.

The model is the single owner of :class:`ImageItem` objects; views and the preview read
values from it. Edits made in the list do not change the item directly: they are handed
to ``edit_requested`` so the controller can put them on the undo stack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette, QPixmap

from capdesk.domain import CaptionResult
from capdesk.ui.items import ImageItem, Status, trust_text
from capdesk.ui.lang_items import language_of

log = logging.getLogger(__name__)

ItemRole = Qt.ItemDataRole.UserRole + 1
CaptionRole = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex
ThumbnailSource = Callable[[Path], QPixmap | None]


def flag_lines(item: ImageItem) -> list[str]:
    """The row's reasons to check it: the engine's flag messages (kept after a review, as
    information), else a fallback rule's reason, plus the trust estimate when known."""
    lines = [flag.message for flag in item.flags]
    if not lines and item.check_reason:
        lines.append(f"check this: {item.check_reason}")
    if item.trust is not None:
        lines.append(trust_text(item.trust))
    return lines


def _luminance(colour: QColor) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_brush(on_light: str, on_dark: str) -> QBrush | None:
    """A warning colour that keeps 4.5:1 contrast on the current palette's background,
    or None (the palette's own text colour: a high-contrast theme stays intact). The
    flag never relies on colour alone: the row's text says "⚠ check this" or "error"."""
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    for name in (on_light, on_dark):
        colour = QColor(name)
        if contrast_ratio(colour, base) >= 4.5:
            return QBrush(colour)
    return None


def describe(item: ImageItem) -> str:
    """One sentence a screen reader reads for a row: name, status, flags and caption."""
    parts = [item.path.name, item.status.value]
    if item.flagged:
        parts.append("needs a look")
    parts += flag_lines(item)
    if item.error and item.status is Status.ERROR:
        parts.append(item.error)
    if item.text:
        parts.append(item.text)
    return ", ".join(parts)


class ImageListModel(QAbstractListModel):
    """Images in the order they were added; at most one row per path."""

    edit_requested = Signal(object, str)  # path, new text
    person_changed = Signal(object)  # path: an edit, review or their undo (to be kept)

    def __init__(
        self, thumbnails: ThumbnailSource | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._items: list[ImageItem] = []
        self._rows: dict[Path, int] = {}
        self._thumbnails = thumbnails

    # -- Qt model API ----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self._items[index.row()].editable:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: PLR0911
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            flag = "⚠ check this · " if item.flagged else ""
            reviewed = " · reviewed" if item.reviewed and not item.edited else ""
            detail = item.error if item.status is Status.ERROR else item.text
            return f"{item.path.name}\n{flag}{item.status.value}{reviewed}\n{detail or ''}"
        if role == Qt.ItemDataRole.EditRole:
            return item.text
        if role == Qt.ItemDataRole.DecorationRole and self._thumbnails is not None:
            return self._thumbnails(item.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            # The grid view shows only the start of a caption; the tooltip has all of it.
            lines = [str(item.path), item.text, *flag_lines(item), item.error or ""]
            return "\n".join(line for line in lines if line)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return describe(item)
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.status is Status.ERROR:
                return readable_brush("#b00020", "#ff8a80")
            if item.flagged:
                return readable_brush("#8a5300", "#ffcc80")
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and item.language.rtl:
            # The row shows the caption in its first language: Arabic reads from the right.
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == ItemRole:
            return item
        if role == CaptionRole:
            return item.text
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        item = self._items[index.row()]
        text = str(value).strip()
        if text and text != item.text:
            self.edit_requested.emit(item.path, text)
        return True

    # -- queries ------------------------------------------------------------------------
    def items(self) -> list[ImageItem]:
        return list(self._items)

    def item(self, path: Path) -> ImageItem | None:
        row = self._rows.get(path)
        return None if row is None else self._items[row]

    def index_of(self, path: Path) -> QModelIndex:
        row = self._rows.get(path)
        return QModelIndex() if row is None else self.index(row, 0)

    def paths(self) -> list[Path]:
        return [item.path for item in self._items]

    # -- changes ------------------------------------------------------------------------
    def add_paths(self, paths: Iterable[Path]) -> list[Path]:
        """Append new paths (already listed ones are ignored); returns those added."""
        new = [p for p in dict.fromkeys(Path(p) for p in paths) if p not in self._rows]
        if not new:
            return []
        first = len(self._items)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for offset, path in enumerate(new):
            self._items.append(ImageItem(path))
            self._rows[path] = first + offset
        self.endInsertRows()
        return new

    def remove_paths(self, paths: Iterable[Path]) -> None:
        """Remove rows, highest first so row numbers stay valid while removing."""
        rows = sorted({self._rows[p] for p in paths if p in self._rows}, reverse=True)
        for row in rows:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()
        self._rows = {item.path: row for row, item in enumerate(self._items)}

    def insert_items(self, placed: list[tuple[int, ImageItem]]) -> list[Path]:
        """Put removed items back at their rows (undo of Delete), lowest row first so each
        lands where it was; a path listed again meanwhile is skipped. Returns the paths."""
        back = [(r, i) for r, i in sorted(placed, key=lambda p: p[0]) if i.path not in self._rows]
        runs: list[list[ImageItem]] = []
        starts: list[int] = []
        for row, item in back:  # one insertion per run of neighbouring rows
            if runs and row == starts[-1] + len(runs[-1]):
                runs[-1].append(item)
            else:
                runs.append([item])
                starts.append(row)
        for start, run in zip(starts, runs, strict=True):
            first = min(start, len(self._items))
            self.beginInsertRows(QModelIndex(), first, first + len(run) - 1)
            self._items[first:first] = run
            self._rows = {item.path: row for row, item in enumerate(self._items)}
            self.endInsertRows()
        return [item.path for _, item in back]

    def use_existing(self, texts: dict[Path, str]) -> None:
        """Show the alt text images already carry (read by the scanner) where it replaces
        nothing: on images not yet queued, captioned or edited."""
        for path, text in texts.items():
            item = self.item(path)
            if item is not None and item.status is Status.NEW and not item.edit_count:
                item.use_existing(text)
                self.refresh(path)

    def set_status(self, paths: Iterable[Path], status: Status) -> None:
        """Set many statuses with one change notification (a 1,000-image drop stays cheap)."""

        def change(item: ImageItem) -> None:
            item.status = status

        self._update(paths, change)

    def mark_queued(self, paths: Iterable[Path]) -> None:
        """Queue status plus the edit count, so results keep edits typed while waiting."""
        self._update(paths, ImageItem.mark_queued)

    def mark_cancelled(self, paths: Iterable[Path]) -> None:
        self._update(paths, ImageItem.cancel)

    def _update(self, paths: Iterable[Path], change: Callable[[ImageItem], None]) -> None:
        rows = []
        for path in paths:
            row = self._rows.get(path)
            if row is not None:
                change(self._items[row])
                rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0))

    def apply_result(self, result: CaptionResult, model_name: str = "") -> None:
        item = self.item(result.path)
        if item is None:
            return  # removed from the list while it was being captioned
        item.apply(result, model_name)
        self.refresh(result.path)

    def set_text(self, path: Path, text: str) -> None:
        item = self.item(path)
        if item is not None:
            item.set_text(text)
            self.refresh(path)

    def set_reviewed(self, path: Path, reviewed: bool) -> None:
        item = self.item(path)
        if item is not None:
            item.reviewed = reviewed
            self.refresh(path)

    def use_library(self, known: dict[Path, Any]) -> list[Path]:
        """Show the library's captions (``{path: KnownCaption}``) on images it replaces
        nothing on (not queued, captioned or edited); returns the paths it showed."""
        shown = []
        for path, caption in known.items():
            item = self.item(path)
            if item is None or item.edit_count or item.status not in (
                    Status.NEW, Status.EXISTING):
                continue
            if item.status is Status.EXISTING and not caption.edited:
                continue  # the file's own alt text wins over an unedited model caption
            at = caption.captioned_at
            item.use_library(caption.text, caption.model_text, caption.score,
                             edited=caption.edited, reviewed=caption.reviewed,
                             model_name=caption.model_name,
                             captioned_at=datetime.fromisoformat(at) if at else None,
                             language=language_of(caption.lang),
                             trust=caption.trust, flags=caption.flags,
                             reader_text=caption.visible_text,
                             person_visible_text=caption.person_visible_text)
            shown.append(path)
        if shown:
            rows = [self._rows[p] for p in shown]
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 0))
        return shown

    def changed_by_person(self, path: Path) -> None:
        """An edit or review (or its undo) changed ``path``: repaint it and say so."""
        self.refresh(path)
        self.person_changed.emit(path)

    def refresh(self, path: Path) -> None:
        """Tell views that one row changed (status, caption or thumbnail)."""
        index = self.index_of(path)
        if index.isValid():
            self.dataChanged.emit(index, index)


class CaptionFilter(QSortFilterProxyModel):
    """Show only rows whose caption contains every typed word (any order, any case)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._words: tuple[str, ...] = ()

    def set_query(self, text: str) -> None:
        self.beginFilterChange()
        self._words = tuple(text.lower().split())
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        if not self._words:
            return True
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        item = model.data(index, ItemRole)
        name = item.path.name if isinstance(item, ImageItem) else ""
        words = f"{model.data(index, CaptionRole) or ''} {name}".lower()  # as the library
        return all(word in words for word in self._words)
