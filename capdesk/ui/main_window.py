"""The main window's widgets and layout: no captioning logic lives here.

The window builds its views from the command table and plain values (thumbnail size,
overlay settings); :class:`capdesk.ui.controller.WindowController` wires them to the
worker and the item model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizeGrip,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, MAX_BEAM_SIZE, MIN_BEAM_SIZE
from capdesk.ui.actions import build_actions
from capdesk.ui.announce import Announcer
from capdesk.ui.preview import PreviewPanel

log = logging.getLogger(__name__)

DROP_HINT = "Drop photos, folders or videos here\nor press Ctrl+O to open files"


def paths_from_mime(mime: QMimeData) -> list[Path]:
    """Local files and folders carried by a drag (web URLs are ignored)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def grid_cell(icon: QSize, line_spacing: int) -> QSize:
    """A grid cell: the thumbnail with three lines (name, status, caption) under it."""
    return QSize(icon.width() + 64, icon.height() + 3 * line_spacing + 12)


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
            return grid_cell(icon, line)
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
        if self.viewMode() is QListView.ViewMode.IconMode:
            self.setGridSize(grid_cell(self.iconSize(), self.fontMetrics().lineSpacing()))

    def set_grid(self, on: bool) -> None:
        """Thumbnails in wrapping rows (to scan a shoot by eye) or one row per image."""
        current = self.currentIndex()
        if on:
            self.setViewMode(QListView.ViewMode.IconMode)
            self.setMovement(QListView.Movement.Static)  # no drag-to-rearrange in a grid
            self.setResizeMode(QListView.ResizeMode.Adjust)
            self.setWrapping(True)
            self.setGridSize(grid_cell(self.iconSize(), self.fontMetrics().lineSpacing()))
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


class MainWindow(QMainWindow):
    """Widgets only; see the module docstring."""

    paths_dropped = Signal(list)  # list[Path]
    closing = Signal()
    first_painted = Signal()

    def __init__(
        self,
        thumbnail_size: int = 96,
        opacity: int = 50,
        show_overlay: bool = True,
        beam_size: int = DEFAULT_BEAM_SIZE,
    ) -> None:
        super().__init__()
        self.setWindowTitle("capdesk — captions and alt text")
        self.setAccessibleName("capdesk")
        self.setAcceptDrops(True)
        self.actions_by_name: dict[str, QAction] = build_actions(self)
        self._build(thumbnail_size, opacity, show_overlay, beam_size)
        self._build_menus()
        self._painted = False
        self.close_guard: Callable[[], bool] | None = None
        """Asked before closing (unsaved work); False keeps the window open."""
        self.resize(1200, 780)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._painted:  # lets the app start the model load after the first frame
            self._painted = True
            self.first_painted.emit()

    def _build(self, thumbnail_size: int, opacity: int, show_overlay: bool, beam_size: int) -> None:
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search captions…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search captions")
        self.search.setAccessibleDescription(
            "Show only images whose caption contains all the typed words."
        )
        for button in self.search.findChildren(QToolButton):  # the clear button
            button.setAccessibleName("Clear search")
            button.setToolTip("Clear search")
        self.list_view = ImageListView(thumbnail_size, self)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list_view, 1)

        self.preview = PreviewPanel(opacity, show_overlay, self)
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.preview)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setAccessibleName("Images and preview")
        splitter.setAccessibleDescription("Drag or use the arrow keys to resize the two panes.")
        for i in range(splitter.count()):
            splitter.handle(i).setAccessibleName("Resize images and preview")
        self.setCentralWidget(splitter)

        self.beam_spin = QSpinBox(self)
        self.beam_spin.setRange(MIN_BEAM_SIZE, MAX_BEAM_SIZE)
        self.beam_spin.setValue(beam_size)
        self.beam_spin.setPrefix("Beam ")
        self.beam_spin.setAccessibleName("Beam size")
        self.beam_spin.setAccessibleDescription(
            "Beam size used for the next captions and for Re-caption selected."
        )
        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setAccessibleName("Main toolbar")
        for name in (
            "open_files",
            "open_folder",
            "caption_all",
            "recaption",
            "cancel",
            "next_unreviewed",
            "export",
        ):
            toolbar.addAction(self.actions_by_name[name])
        toolbar.addWidget(self.beam_spin)
        self.addToolBar(toolbar)
        for button in toolbar.findChildren(QToolButton, "qt_toolbar_ext_button"):
            button.setAccessibleName("More toolbar buttons")

        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Captioning progress")
        self.progress.setTextVisible(True)
        self.progress.setMaximumWidth(360)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel captioning")
        self.cancel_button.setAccessibleDescription("Stop captioning; finished captions are kept.")
        self.cancel_button.clicked.connect(self.actions_by_name["cancel"].trigger)
        self.cancel_button.setVisible(False)
        self.engine_label = QLabel("Loading model…", self)
        self.engine_label.setAccessibleName("Model and provider")
        self.counts_label = QLabel("", self)
        self.counts_label.setAccessibleName("Review counts")
        status = self.statusBar()
        for grip in status.findChildren(QSizeGrip):
            grip.setAccessibleName("Resize window")
        holder = QWidget(self)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress)
        row.addWidget(self.cancel_button)
        status.addWidget(holder)
        # The live status label: announcements land here (see announce.py).
        self.live_label = QLabel("", self)
        self.live_label.setAccessibleName("Announcements")
        self.announcer = Announcer(self.live_label)
        status.addPermanentWidget(self.live_label, 1)
        status.addPermanentWidget(self.counts_label)
        status.addPermanentWidget(self.engine_label)

    def _build_menus(self) -> None:
        a = self.actions_by_name
        menu_bar = self.menuBar()
        menu_bar.setAccessibleName("Menu bar")
        file_menu = menu_bar.addMenu("&File")
        file_menu.addActions([a["open_files"], a["open_folder"]])
        self.recent_menu = QMenu("Recent &folders", self)
        self.recent_menu.setAccessibleName("Recent folders")
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([a["export"], a["save_overlay"]])
        file_menu.addSeparator()
        file_menu.addAction(a["quit"])
        edit_menu = menu_bar.addMenu("&Edit")
        edit_menu.addActions([a["undo"], a["redo"]])
        edit_menu.addSeparator()
        edit_menu.addActions(
            [a["edit"], a["accept"], a["next_unreviewed"], a["remove"], a["search"]]
        )
        edit_menu.addSeparator()
        edit_menu.addAction(a["settings"])
        caption_menu = menu_bar.addMenu("&Caption")
        caption_menu.addActions([a["caption_all"], a["recaption"], a["cancel"]])
        view_menu = menu_bar.addMenu("&View")
        view_menu.addActions(
            [a["grid_view"], a["play"], a["toggle_heatmap"], a["library"], a["video_panel"]]
        )
        view_menu.addSeparator()
        view_menu.addActions([a["read_caption"], a["stop_reading"]])
        help_menu = menu_bar.addMenu("&Help")
        help_menu.addAction(a["shortcuts"])
        for menu in (file_menu, edit_menu, caption_menu, view_menu, help_menu):
            menu.setAccessibleName(menu.title().replace("&", ""))

    # -- layout state ----------------------------------------------------------------
    def layout_state(self) -> tuple[str, str]:
        """Window geometry and splitter position as hex strings, for the settings."""
        geometry = bytes(self.saveGeometry().data()).hex()
        return geometry, bytes(self.splitter.saveState().data()).hex()

    def restore_layout(self, geometry: str, splitter: str) -> None:
        try:
            if geometry:
                self.restoreGeometry(QByteArray(bytes.fromhex(geometry)))
            if splitter:
                self.splitter.restoreState(QByteArray(bytes.fromhex(splitter)))
        except ValueError:  # a hand-edited settings file: keep the defaults
            log.warning("ignoring unreadable window layout in the settings")

    # -- drop zone -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self.list_view.set_drop_highlight(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.list_view.set_drop_highlight(False)
        super().dragLeaveEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if paths_from_mime(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.list_view.set_drop_highlight(False)
        paths = paths_from_mime(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.paths_dropped.emit(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.close_guard is not None and not self.close_guard():
            event.ignore()  # the person chose to stay (a run is still going)
            return
        self.closing.emit()  # direct connection: the worker is stopped before we return
        super().closeEvent(event)
