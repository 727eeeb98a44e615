"""Wires the window's views to the caption worker, the image decoder and the item model.

Everything that decides *what happens* when a person drops, captions, edits, reviews or
removes images lives here, so the widgets stay dumb and the logic is testable through
plain method calls (``add_paths``, ``caption_new``, ``cancel``...).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QSettings,
    Signal,
    Slot,
)
from PySide6.QtGui import QUndoStack

from capdesk.domain import CaptionResult
from capdesk.imaging import is_video_path
from capdesk.jobs import (
    CaptionQueue,
    EngineConfig,
    EngineFactory,
    EngineInfo,
    ImageLoader,
    PathScanner,
    RunFinished,
)
from capdesk.ui.attention_fill import AttentionFiller
from capdesk.ui.dialogs import model_error_box
from capdesk.ui.feedback import Feedback
from capdesk.ui.file_commands import FileCommands
from capdesk.ui.image_model import CaptionFilter, ImageListModel, ItemRole
from capdesk.ui.intake import AltTextGate
from capdesk.ui.items import ImageItem, Status, next_to_review
from capdesk.ui.keeping import WorkKeeper
from capdesk.ui.keys import CommandKeys
from capdesk.ui.language_desk import LanguageDesk
from capdesk.ui.main_window import MainWindow
from capdesk.ui.removal import remove_images
from capdesk.ui.reviewing import accept_captions, announce_accepted, say_all_reviewed
from capdesk.ui.settings import AppSettings, save_settings
from capdesk.ui.speech import CaptionReader
from capdesk.ui.thumbnails import ThumbnailCache
from capdesk.ui.undo import EditCaption, EditVisibleText
from capdesk.ui.video_controller import VideoController
from capdesk.ui.window_status import WindowStatus

log = logging.getLogger(__name__)

PREVIEW_SIDE = 2048
"""Longest side of the decoded preview: full quality on a 4K/HiDPI preview pane while a
24-megapixel photo still decodes in JPEG draft mode and composes in a few ms."""


class WindowController(QObject):
    """See the module docstring; ``window`` is shown by the caller."""

    scan_done = Signal(int)  # a drop or Open is fully listed and its existing alt text read

    def __init__(
        self,
        window: MainWindow,
        settings: AppSettings,
        *,
        store: QSettings | None = None,
        engine_factory: EngineFactory | None = None,
        batch_size: int = 8,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self._store = store
        self._current: Path | None = None
        self._model_name = ""
        self._shut_down = False
        window.preview.set_colours(settings.heatmap_colours)

        self.loader = ImageLoader(parent=self)
        self.scanner = PathScanner(self)
        self._no_caption_scans: set[int] = set()
        self.intake = AltTextGate()  # what may be captioned before its alt text is known
        self.thumbnails = ThumbnailCache(self.loader, settings.thumbnail_size, self)
        self.model = ImageListModel(self.thumbnails.pixmap, self)
        self.filter = CaptionFilter(self)
        self.filter.setSourceModel(self.model)
        self.undo_stack = QUndoStack(self)
        self.languages = LanguageDesk(window, self.model, self.undo_stack, parent=self,
                                      current=lambda: self._current, select=self.select,
                                      accept_own=self.accept_current)
        self.feedback = Feedback(window, self.model, self.languages.shown_caption)
        self.feedback.configure(settings)
        self.queue = CaptionQueue(
            self._engine_config(settings), engine_factory, batch_size=batch_size, parent=self
        )
        window.list_view.setModel(self.filter)
        self.command_keys = CommandKeys(window)  # Ctrl+E and co. work in text fields too
        self.keeping = WorkKeeper(window, self.model, self.intake, self)  # the library
        self.languages.person_changed.connect(self.keeping.person_changed_in)
        self.languages.languages_changed.connect(self.keeping.set_languages)
        self.languages.languages_changed.connect(self.queue.set_languages)
        self.languages.configure(settings.caption_languages)
        self.status = WindowStatus(window, self.model, self.filter)  # title and counts
        self.attention = AttentionFiller(window, self.model, self.queue)  # library captions
        self.video = VideoController(window, self.undo_stack, self._engine_config(settings),
                                     parent=self)  # videos: the strip in its own dock
        self.video.panel.set_colours(settings.heatmap_colours)
        self._connect()
        self.files = FileCommands(self, parent=self)  # File and Help menus, export
        window.close_guard = lambda: (self.files.may_close() and self.video.may_close()
                                      and self.keeping.may_close(self.queue.busy))
        self.keeping.open_folder.connect(self.files.open_folder_path)

    # -- wiring --------------------------------------------------------------------
    def _connect(self) -> None:
        w = self.window
        self.thumbnails.changed.connect(self.model.refresh)
        self.scanner.found.connect(self._on_paths_found)
        self.keeping.ready.connect(lambda paths: self._enqueue(paths, None))
        self.scanner.done.connect(self._on_scan_done)
        self.scanner.alt_text_read.connect(self._on_alt_text_read)
        self.scanner.metadata_done.connect(self.scan_done)
        self.loader.loaded.connect(self._on_image_loaded)
        self.loader.failed.connect(self._on_image_failed)
        self.model.edit_requested.connect(self.edit_caption)
        self.model.dataChanged.connect(self._on_model_changed)
        self.queue.started.connect(self.feedback.started)
        self.queue.result_ready.connect(self._on_result)
        self.queue.progress.connect(self.feedback.progress)
        self.queue.finished.connect(self._on_finished)
        self.queue.busy_changed.connect(self.feedback.busy)
        self.queue.engine_ready.connect(self._on_engine_ready)
        self.queue.engine_failed.connect(self._on_engine_failed)
        selection = w.list_view.selectionModel()
        selection.currentChanged.connect(
            lambda *_: self.keeping.keep_typed(self.edit_caption, self.languages.edit_at))
        selection.currentChanged.connect(self._on_current_changed)
        w.paths_dropped.connect(self.add_paths)
        w.closing.connect(self.shutdown)
        w.search.textChanged.connect(self.filter.set_query)
        w.search.returnPressed.connect(lambda: self.keeping.search(w.search.text()))
        w.preview.text_committed.connect(self._on_text_committed)
        w.preview.visible_text_committed.connect(self.edit_visible_text)
        w.preview.accept_requested.connect(self.accept_current)
        w.preview.overlay_settings_changed.connect(self._on_overlay_settings)
        w.beam_spin.valueChanged.connect(self._on_beam_changed)
        a = w.actions_by_name
        a["undo"].triggered.connect(self.undo_stack.undo)
        a["redo"].triggered.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(a["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(a["redo"].setEnabled)
        a["undo"].setEnabled(False)
        a["redo"].setEnabled(False)
        a["caption_all"].triggered.connect(self.caption_new)
        a["recaption"].triggered.connect(lambda: self.recaption(self.selected_paths()))
        a["cancel"].triggered.connect(self.cancel)
        a["cancel"].setEnabled(False)
        a["remove"].triggered.connect(lambda: self.remove(self.selected_paths()))
        a["next_unreviewed"].triggered.connect(self.next_unreviewed)
        a["accept"].triggered.connect(self.languages.accept_shown)
        a["edit"].triggered.connect(lambda: w.list_view.edit(w.list_view.currentIndex()))
        a["search"].triggered.connect(self._focus_search)
        a["library"].triggered.connect(self.keeping.show_library)
        a["play"].triggered.connect(w.preview.toggle_play)
        a["toggle_heatmap"].triggered.connect(w.preview.overlay_check.toggle)
        a["grid_view"].setChecked(self.settings.grid_view)
        w.list_view.set_grid(self.settings.grid_view)
        a["grid_view"].toggled.connect(self._on_grid_toggled)
        a["quit"].triggered.connect(w.close)

    @staticmethod
    def _engine_config(settings: AppSettings) -> EngineConfig:
        return EngineConfig(model_dir=settings.model_path, provider=settings.provider)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread (the model loads there) and open the caption library
        (on its own thread); call after the first paint."""
        self.queue.start()
        self.keeping.open(self.settings.library_path)

    def shutdown(self) -> None:
        """Cancel the run, wait for the worker and the decoder, and save the settings."""
        if self._shut_down:
            return
        self._shut_down = True
        self.files.stop_export()  # between two files, never inside one
        self.scanner.shutdown()
        self.queue.shutdown()
        self.video.shutdown()
        self.keeping.close()  # after the worker: its last results are recorded too
        self.loader.shutdown()
        geometry, splitter = self.window.layout_state()
        self.settings = replace(self.settings, window_geometry=geometry, splitter_state=splitter)
        self.save()

    def save(self) -> None:
        save_settings(self.settings, self._store)

    def apply_settings(self, settings: AppSettings) -> None:
        """Use new settings now: reload the model or resize thumbnails only when needed."""
        old, self.settings = self.settings, settings
        if (old.model_dir, old.provider) != (settings.model_dir, settings.provider):
            self.window.engine_label.setText("Loading model…")
            self.queue.reconfigure(self._engine_config(settings))
            self.video.reconfigure(self._engine_config(settings))
        if old.library_path != settings.library_path and self.keeping.keeper.path is not None:
            self.keeping.reopen(settings.library_path)
        if old.thumbnail_size != settings.thumbnail_size:
            self.thumbnails.set_size(settings.thumbnail_size)
            self.window.list_view.set_thumbnail_size(settings.thumbnail_size)
        self.languages.configure(settings.caption_languages)
        self.window.beam_spin.setValue(settings.beam_size)
        self.window.preview.set_colours(settings.heatmap_colours)
        self.video.panel.set_colours(settings.heatmap_colours)
        self.feedback.configure(settings)
        self.save()

    def exported(self, paths: list[Path], destination: Path, formats: list[str]) -> None:
        self.keeping.exported(paths, destination, formats)

    @property
    def reader(self) -> CaptionReader:
        return self.feedback.reader


    # -- adding and captioning -----------------------------------------------------
    def add_paths(self, paths: Iterable[Path], *, caption: bool = True) -> int:
        """Add files and folders; folders are listed off the GUI thread and the images shown
        batch by batch. Each is queued for captioning once its existing alt text is known
        (at once when that is not to be kept; see ``intake.py``). Video files named here go
        to the video view instead (``video_controller.py``). Returns the scan id."""
        requested = [Path(p) for p in paths]
        videos = [p for p in requested if is_video_path(p)]
        if videos:
            self.video.add_videos(videos)
        photos = [p for p in requested if not is_video_path(p)]
        self.status.opened(requested)  # the title names the folder
        scan_id = self.scanner.scan(photos, recursive=self.settings.recursive)
        if not caption:
            self._no_caption_scans.add(scan_id)
        return scan_id

    def _on_paths_found(self, scan_id: int, paths: list[Path]) -> None:
        added = self.model.add_paths(paths)
        if not added:
            return
        if self._current is None:
            self.select(added[0])
        caption = scan_id not in self._no_caption_scans
        keep = self.settings.skip_existing_alt_text
        self._enqueue(self.keeping.listed(added, caption=caption, keep_existing=keep), None)

    def _on_alt_text_read(
        self, _scan_id: int, paths: list[Path], existing: dict[Path, str]
    ) -> None:
        keep = self.settings.skip_existing_alt_text
        found, ready = self.intake.read(paths, existing, keep_existing=keep)
        self.keeping.alt_text_found(found)
        self.model.use_existing(found)  # only where it replaces nothing
        self._enqueue(ready, None)

    def _on_scan_done(self, scan_id: int, count: int) -> None:
        self._no_caption_scans.discard(scan_id)
        log.info("found %d images", count)

    def caption_new(self) -> None:
        """Caption every image that has no caption yet (new, cancelled or failed)."""
        todo = [
            i.path
            for i in self.model.items()
            if i.status in (Status.NEW, Status.CANCELLED, Status.ERROR)
        ]
        keep = self.settings.skip_existing_alt_text
        self._enqueue(self.intake.defer(todo, keep_existing=keep), None)

    def recaption(self, paths: Iterable[Path]) -> None:
        """Caption ``paths`` again with the beam size in the toolbar; others keep edits."""
        self._enqueue(list(paths), self.window.beam_spin.value())

    def _enqueue(self, paths: list[Path], beam_size: int | None) -> None:
        if not paths:
            return
        beam = beam_size if beam_size is not None else self.settings.beam_size
        self.model.mark_queued(paths)
        self.queue.enqueue(paths, beam)

    def cancel(self) -> None:
        self.queue.cancel()

    def remove(self, paths: Iterable[Path]) -> None:
        """Remove images from the list, undoably (see ``removal.py``); files are untouched.
        Words typed in the caption field are kept first: the edit, then the removal."""
        self.window.preview.commit_pending()
        remove_images(self, paths)

    # -- editing and review --------------------------------------------------------
    def edit_caption(self, path: Path, text: str) -> None:
        item = self.model.item(path)
        if item is not None and text.strip() and text != item.text:
            self.undo_stack.push(EditCaption(self.model, path, text.strip()))

    def edit_visible_text(self, text: str) -> None:
        """The person corrected the text read in the current photo (undoable)."""
        if self._current is not None and self.model.item(self._current) is not None:
            self.undo_stack.push(EditVisibleText(self.model, self._current, text.strip()))

    def accept_current(self) -> None:
        """Mark the selected captions reviewed, then move to the next unreviewed one."""
        paths = self.selected_paths() or ([self._current] if self._current else [])
        accepted = accept_captions(self.model, self.undo_stack, paths)
        announce_accepted(self.window, accepted, self.next_unreviewed())

    def next_unreviewed(self) -> Path | None:
        """Select the next unreviewed caption after the current one, flagged ones first."""
        target = next_to_review(self.model.items(), self._current)
        if target is None:
            say_all_reviewed(self.window)
            return None
        self.select(target.path)
        return target.path

    # -- queries -------------------------------------------------------------------
    def selected_paths(self) -> list[Path]:
        view = self.window.list_view
        rows = sorted(self.filter.mapToSource(i).row() for i in view.selectedIndexes())
        items = self.model.items()
        return [items[r].path for r in rows if 0 <= r < len(items)]

    @property
    def current_item(self) -> ImageItem | None:
        return self.model.item(self._current) if self._current else None

    def select(self, path: Path) -> None:
        """Make ``path`` the current image (clearing the search if it hides it)."""
        index = self.filter.mapFromSource(self.model.index_of(path))
        if not index.isValid():
            self.window.search.clear()
            index = self.filter.mapFromSource(self.model.index_of(path))
        view = self.window.list_view
        view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        view.scrollTo(index)

    # -- slots -----------------------------------------------------------------------
    def _on_text_committed(self, text: str) -> None:
        if self._current is not None:
            self.edit_caption(self._current, text)

    def _on_grid_toggled(self, on: bool) -> None:
        self.window.list_view.set_grid(on)
        self.settings = replace(self.settings, grid_view=on)

    def _focus_search(self) -> None:
        self.window.search.setFocus()
        self.window.search.selectAll()

    @Slot(object)
    def _on_result(self, result: CaptionResult) -> None:
        self.model.apply_result(result, self._model_name)
        self.keeping.caption_arrived(result)

    @Slot(object)
    def _on_finished(self, finished: RunFinished) -> None:
        self.model.mark_cancelled(finished.unfinished)
        self.status.update_counts()
        self.feedback.finished(finished)

    @Slot(object)
    def _on_engine_ready(self, info: EngineInfo) -> None:
        self._model_name = info.model_name
        self.languages.configure(available=getattr(info, "languages", ()) or None)
        self.window.engine_label.setText(f"Model {info.model_name} · {info.provider.upper()}")
        self.window.engine_label.setAccessibleDescription(
            f"Captions are made by {info.model_name} running on {info.provider}."
        )

    @Slot(str)
    def _on_engine_failed(self, message: str) -> None:
        self.window.engine_label.setText("Model not loaded")
        if not self._shut_down:
            self.window.announcer.error(f"The model could not be loaded: {message}")
            model_error_box(message, self.window).open()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        source = self.filter.mapToSource(current)
        item = self.model.data(source, ItemRole) if source.isValid() else None
        self._current = item.path if isinstance(item, ImageItem) else None
        self._show_preview()

    def _show_preview(self, message: str = "") -> None:
        item = self.current_item
        rgb = None
        if item is not None:
            rgb = self.loader.request(item.path, PREVIEW_SIDE, urgent=True)
            message = message or self.loader.error(item.path, PREVIEW_SIDE) or ""
        self.window.preview.show_item(item, rgb, message)

    @Slot(object, int, object)
    def _on_image_loaded(self, path: Path, side: int, _rgb: np.ndarray) -> None:
        if side == PREVIEW_SIDE and path == self._current:
            self._show_preview()

    @Slot(object, int, str)
    def _on_image_failed(self, path: Path, side: int, message: str) -> None:
        if side == PREVIEW_SIDE and path == self._current:
            self._show_preview(f"Cannot show this image: {message}")

    @Slot(QModelIndex, QModelIndex)
    def _on_model_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        if self._current is not None:
            source = self.model.index_of(self._current)
            if top.row() <= source.row() <= bottom.row():
                self._show_preview()
                self.window.list_view.row_changed(self.filter.mapFromSource(source).row())

    def _on_overlay_settings(self, opacity: int, shown: bool) -> None:
        self.settings = replace(self.settings, overlay_opacity=opacity, show_overlay=shown)

    def _on_beam_changed(self, beam: int) -> None:
        self.settings = replace(self.settings, beam_size=beam)

