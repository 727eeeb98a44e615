"""The list of images: one row per photo, or a grid of thumbnails that fills the width.

Split from ``main_window.py`` so the window module holds only the window's layout.
The grid's cells are stretched to share the viewport's width (``fit_grid``): Qt's icon
mode lays out fixed-size cells, so a pane a little narrower than two cells would show a
single column with an empty strip beside it until the person dragged the splitter.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

DROP_HINT = "Drop photos, folders or videos here\nor press Ctrl+O to open files"


def grid_cell(icon: QSize, line_spacing: int) -> QSize:
    """A grid cell: the thumbnail with three lines (name, status, caption) under it."""
    return QSize(icon.width() + 64, icon.height() + 3 * line_spacing + 12)


MIN_CELL_MARGIN = 16
"""The narrowest grid cell is the thumbnail plus this: room for a short name under it."""


def fitted_cell(width: int, icon: QSize, line_spacing: int) -> QSize:
    """A grid cell that, repeated, fills ``width`` exactly.

    As many natural cells (:func:`grid_cell`) as fit, but at least two narrower ones
    (down to the thumbnail plus :data:`MIN_CELL_MARGIN`) when two of those fit: a pane a
    little narrower than two natural cells shows two columns, not one and a gap.
    """
    natural = grid_cell(icon, line_spacing)
    narrowest = icon.width() + MIN_CELL_MARGIN
    columns = max(1, width // natural.width(), min(2, width // max(1, narrowest)))
    return QSize(max(narrowest, width // columns), natural.height())


class CaptionDelegate(QStyledItemDelegate):
    """Keeps what the person is typing: Qt re-reads the model into an open editor on
    every change of its row (a thumbnail arriving, a status update), which would wipe
    an edit in progress."""

    def sizeHint(  # noqa: N802
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """A fixed row height (thumbnail or three lines of text) computed without asking
        for the thumbnail: otherwise laying out 10,000 rows would decode 10,000 images."""
        view = self.parent()
        icon = view.iconSize() if isinstance(view, QListView) else QSize(96, 96)
        line = option.fontMetrics.lineSpacing()
        if isinstance(view, QListView) and view.viewMode() is QListView.ViewMode.IconMode:
            return view.gridSize() if view.gridSize().isValid() else grid_cell(icon, line)
        return QSize(icon.width() + 200, max(icon.height(), 3 * line) + 8)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Qt's focus rectangle is drawn in the highlight colour, invisible on a selected
        row: outline the keyboard-focused row in the text colour so focus always shows."""
        super().paint(painter, option, index)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.save()
            selected = option.state & QStyle.StateFlag.State_Selected
            palette = option.palette
            colour = (palette.highlightedText() if selected else palette.text()).color()
            pen = QPen(colour, 2, Qt.PenStyle.DotLine)
            painter.setPen(pen)
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()

    def createEditor(  # noqa: N802
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        """The inline editor, named for the screen reader ("Caption of img1.jpg")."""
        editor = super().createEditor(parent, option, index)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "").split("\n", 1)[0]
        editor.setAccessibleName(f"Caption of {name}" if name else "Caption")
        editor.setAccessibleDescription("Type the caption; Enter keeps it, Escape cancels.")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:  # noqa: N802
        if isinstance(editor, QLineEdit) and editor.isModified():
            return
        super().setEditorData(editor, index)


class ImageListView(QListView):
    """The list of images; Enter edits the caption and an empty list invites a drop."""

    def __init__(self, thumbnail_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Images")
        self.setAccessibleDescription(
            "Photos to caption. Up and Down move, Enter edits the caption, Delete removes."
        )
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self._drop_highlight = False
        self._last_row_text: tuple[int, str] = (-1, "")
        self.setItemDelegate(CaptionDelegate(self))
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.set_thumbnail_size(thumbnail_size)

    def set_drop_highlight(self, on: bool) -> None:
        """Outline the list while files are dragged over the window: "drop here"."""
        self._drop_highlight = on
        self.viewport().update()

    def set_thumbnail_size(self, size: int) -> None:
        self.setIconSize(QSize(size, size))
        self._fit_grid()

    def _fit_grid(self) -> None:
        """In the grid, cells as wide as the pane shared by whole columns (see
        :func:`fitted_cell`). The width is counted as if the scroll bar were shown, so
        the bar appearing or going never changes the cells and re-lays them out again."""
        if self.viewMode() is not QListView.ViewMode.IconMode:
            return
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        width = self.contentsRect().width() - bar - 2 * self.spacing() - 2
        cell = fitted_cell(width, self.iconSize(), self.fontMetrics().lineSpacing())
        if cell != self.gridSize():
            self.setGridSize(cell)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_grid()

    def set_grid(self, on: bool) -> None:
        """Thumbnails in wrapping rows (to scan a shoot by eye) or one row per image."""
        current = self.currentIndex()
        if on:
            self.setViewMode(QListView.ViewMode.IconMode)
            self.setMovement(QListView.Movement.Static)  # no drag-to-rearrange in a grid
            self.setResizeMode(QListView.ResizeMode.Adjust)
            self.setWrapping(True)
            self.setFlow(QListView.Flow.LeftToRight)  # rows of thumbnails, scrolled down
            self._fit_grid()
        else:
            self.setViewMode(QListView.ViewMode.ListMode)
            self.setWrapping(False)
            self.setGridSize(QSize())
        self.setAccessibleDescription(
            f"Photos to caption, as a {'grid' if on else 'list'}. Arrow keys move, Enter "
            "edits the caption, Delete removes."
        )
        if current.isValid():
            self.scrollTo(current)

    def row_changed(self, row: int) -> None:
        """Tell the screen reader a row's text changed (status, caption, review flag).

        Qt's list view sends only a table-model change on ``dataChanged``, which the
        AT-SPI bridge does not turn into a name change, so a focused row's "captioning…"
        would stay stale in Orca; this sends the name and description changes itself.
        """
        model = self.model()
        if not QAccessible.isActive() or row < 0 or model is None:
            return
        text = str(model.index(row, 0).data(Qt.ItemDataRole.AccessibleTextRole) or "")
        if (row, text) == self._last_row_text:
            return  # a thumbnail arriving changes nothing the screen reader says
        self._last_row_text = (row, text)
        for kind in (QAccessible.Event.NameChanged, QAccessible.Event.DescriptionChanged):
            event = QAccessibleEvent(self, kind)
            event.setChild(row)
            QAccessible.updateAccessibility(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            index = self.currentIndex()
            if index.isValid() and self.state() != QAbstractItemView.State.EditingState:
                self.edit(index)
                return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        model = self.model()
        if model is not None and model.rowCount() > 0:
            super().paintEvent(event)
        else:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, DROP_HINT)
            painter.end()
        if self._drop_highlight:
            painter = QPainter(self.viewport())
            pen = QPen(self.palette().highlight().color(), 3, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(self.viewport().rect().adjusted(2, 2, -3, -3))
            painter.end()
