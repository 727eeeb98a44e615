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
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizeGrip,
    QSpinBox,
    QSplitter,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, MAX_BEAM_SIZE, MIN_BEAM_SIZE
from capdesk.ui.actions import build_actions
from capdesk.ui.announce import Announcer
from capdesk.ui.list_view import DROP_HINT, CaptionDelegate, ImageListView, grid_cell
from capdesk.ui.preview import PreviewPanel

log = logging.getLogger(__name__)

__all__ = ["DROP_HINT", "CaptionDelegate", "ImageListView", "MainWindow", "grid_cell"]


def paths_from_mime(mime: QMimeData) -> list[Path]:
    """Local files and folders carried by a drag (web URLs are ignored)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


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
        self.recent_menu = QMenu("&Recent folders", self)
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
