"""Keep the person's work in the caption library, and show what it already knows.

Every change is written as it happens (docs/adr/0007-caption-library-in-sqlite.md): a
caption arriving, an edit, a review (and their undo: the library mirrors the item), an
export. All of it goes through :class:`capdesk.jobs.LibraryKeeper`, which owns the only
connection, on its own thread: the GUI thread never waits on SQLite.

Opening a folder: the listed images are looked up in the library (on that thread); the
ones it knows unchanged show their stored caption, the person's words when edited, and
their review, and are not captioned; only new or changed photos are handed back through
``ready`` to be queued. A library that cannot be opened leaves a message in the status
bar and the app works as it did without one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QAbstractItemDelegate, QLabel, QMessageBox

from capdesk.domain import CaptionResult
from capdesk.jobs.library_job import LibraryKeeper
from capdesk.ui.image_model import ImageListModel
from capdesk.ui.intake import AltTextGate
from capdesk.ui.items import Status
from capdesk.ui.library_view import LibraryDialog
from capdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def library_path(chosen: str) -> Path:
    """The library file: the setting when set, else ``$CAPDESK_LIBRARY``, else
    ``library.sqlite3`` in ``QStandardPaths.AppDataLocation`` (the folder
    :func:`capdesk.library.data_folder` computes for the command line)."""
    from capdesk.library.paths import (  # noqa: PLC0415  (sqlite3 loads after the window)
        ENVIRONMENT,
        FILE_NAME,
        data_folder,
        default_library_path,
    )

    if chosen:
        return Path(chosen).expanduser()
    if os.environ.get(ENVIRONMENT):
        return default_library_path()
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if location and Path(location) != data_folder():
        # Only when the organisation/application names differ from capdesk.ui.app's (a
        # test driver, an embedding): keep the file the command line uses, one library.
        log.warning("AppDataLocation %s is not %s; using the latter", location, data_folder())
    return data_folder() / FILE_NAME


class WorkKeeper(QObject):
    """See the module docstring; ``ready`` carries paths to queue for captioning."""

    ready = Signal(list)  # list[Path]: listed, not known to the library, may be captioned
    open_folder = Signal(object)  # Path: chosen in the Library view

    def __init__(self, window: MainWindow, model: ImageListModel, intake: AltTextGate,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.model = model
        self.intake = intake
        self.keeper = LibraryKeeper(self)
        self.label = QLabel("", window)
        self.label.setAccessibleName("Caption library")
        window.statusBar().addPermanentWidget(self.label)
        self.box: QMessageBox | None = None
        self.problem = ""
        """The last thing that went wrong with the library ('' when all is well)."""
        self._pending: dict[int, tuple[bool, bool]] = {}  # token: (caption, keep existing)
        self._next_token = 0
        self.keeper.opened.connect(self._on_opened)
        self.keeper.failed.connect(self._on_failed)
        self.keeper.write_failed.connect(self._on_write_failed)
        self.keeper.known.connect(self._on_known)
        self.keeper.searched.connect(self._on_searched)
        self.keeper.folders_listed.connect(self._on_folders)
        self.library_dialog: LibraryDialog | None = None
        model.person_changed.connect(self._on_person_changed)

    @property
    def active(self) -> bool:
        return self.keeper.active

    def open(self, chosen: str) -> None:
        path = library_path(chosen)
        self.label.setText("Library: opening…")
        self.keeper.open(path)

    def reopen(self, chosen: str) -> None:
        """Another library file was chosen in Settings: close this one, open that one."""
        self.keeper.close()
        self.open(chosen)

    def close(self) -> None:
        """Write what is still queued, then close the file (called when the window closes)."""
        self.keeper.close()

    # -- opening a folder ------------------------------------------------------------
    def listed(self, paths: list[Path], *, caption: bool, keep_existing: bool) -> list[Path]:
        """New images in the list; returns those to queue now. With a library, none: the
        ones it does not know follow through ``ready`` once it has answered."""
        if not self.keeper.active:
            return self.intake.listed(paths, caption=caption, keep_existing=keep_existing)
        self.intake.listed(paths, caption=False, keep_existing=keep_existing)
        self._next_token += 1
        self._pending[self._next_token] = (caption, keep_existing)
        self.keeper.lookup(self._next_token, paths)
        return []

    def _on_known(self, token: int, paths: list[Path], known: dict[Path, Any]) -> None:
        caption, keep = self._pending.pop(token, (False, True))
        shown = set(self.model.use_library(known))
        if shown:
            log.info("library: %d of %d listed images already captioned", len(shown), len(paths))
        if not caption:
            return
        rest = [p for p in paths if p not in shown and p not in known]
        todo = []
        for path in self.intake.defer(rest, keep_existing=keep):
            item = self.model.item(path)
            if item is not None and (item.status is Status.NEW or (
                    item.status is Status.EXISTING and not keep)):
                todo.append(path)
        if todo:
            self.ready.emit(todo)

    # -- the Library view ------------------------------------------------------------
    def show_library(self) -> None:
        """Open the Library view once the library thread has counted its folders."""
        self.keeper.list_folders()

    def _on_folders(self, folders: list[Any]) -> None:
        where = str(self.keeper.path) if self.keeper.active else "no library (not available)"
        self.library_dialog = LibraryDialog(folders, where, self.window)
        self.library_dialog.open_folder.connect(self.open_folder)
        self.library_dialog.open()

    # -- searching ---------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Search the library (every folder it knows) and add the photos it finds that are
        not in the list yet, with their stored captions (Enter in the search box)."""
        if text.strip() and self.keeper.active:
            self.keeper.search(text)

    def _on_searched(self, text: str, hits: list[Any]) -> None:
        new = {k.path: k for k in hits if self.model.item(k.path) is None and k.path.exists()}
        self.model.add_paths(list(new))
        self.model.use_library(new)
        found = f"{len(hits)} in the library"
        added = f", {len(new)} added to the list" if new else ""
        message = f"Search “{text}”: {found}{added}."
        self.window.statusBar().showMessage(message, 8000)
        self.window.announcer.announce(message)

    # -- writing -----------------------------------------------------------------------
    def caption_arrived(self, result: CaptionResult) -> None:
        item = self.model.item(result.path)
        if item is None or result.caption is None or item.caption is not result.caption:
            return
        self.keeper.record_caption(
            result.path, result.caption.text, score=result.caption.score,
            model_name=item.model_name, replace_edit=not item.edited, trust=result.trust,
            flags=list(result.flag_codes), visible_text=result.visible_text,
        )

    def _on_person_changed(self, path: Path) -> None:
        item = self.model.item(path)
        if item is None:
            return
        self.keeper.record_person(path, item.text if item.edited else None,
                                  item.reviewed or item.edited,
                                  visible_text=item.person_visible_text)

    def alt_text_found(self, found: dict[Path, str]) -> None:
        if found:
            self.keeper.record_alt_text(found)

    def exported(self, paths: list[Path], destination: Path, formats: list[str]) -> None:
        if paths:
            self.keeper.record_export(paths, destination, formats)

    # -- messages ------------------------------------------------------------------------
    def _on_opened(self, path: str, warning: str) -> None:
        self.label.setText("Library")
        self.label.setToolTip(f"Captions and edits are kept in {path}")
        if warning:
            self._tell(warning, box=True)

    def _on_failed(self, message: str) -> None:
        self.label.setText("Library: not available")
        self._tell(message + " Captions are not kept after the window closes.", box=True)

    def _on_write_failed(self, message: str) -> None:
        if message != self.problem:
            self._tell(message)

    def _tell(self, message: str, *, box: bool = False) -> None:
        """Status bar, the label's tooltip, the screen reader; a box (not modal, so the
        app goes on working) when the library could not be used as it was."""
        self.problem = message
        if box:
            self.box = QMessageBox(QMessageBox.Icon.Warning, "Caption library", message,
                                   QMessageBox.StandardButton.Ok, self.window)
            self.box.open()
        self.label.setToolTip(message)
        self.label.setAccessibleDescription(message)
        self.window.statusBar().showMessage(message)
        self.window.announcer.error(message)

    # -- closing -------------------------------------------------------------------------
    def may_close(self, running: bool) -> bool:
        """Called before the window closes: nothing typed or captioned is lost silently.

        An edit still open (in the list's inline editor or the preview's caption field)
        is committed, as Enter would; a run in progress asks "stop and quit?" (every
        caption finished so far is already in the library). False: stay open.
        """
        view = self.window.list_view
        editor = view.indexWidget(view.currentIndex())
        if editor is not None:
            view.commitData(editor)
            view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.window.preview.commit_pending()
        if not running:
            return True
        return self.confirm_stop()

    def confirm_stop(self) -> bool:
        """Ask; tests replace this method (a modal box would wait for a click)."""
        kept = ("Every caption finished so far is kept in the library." if self.active
                else "Captions finished so far are not kept: the library is not available.")
        answer = QMessageBox.question(
            self.window, "Quit capdesk",
            f"Captioning is still running — stop and quit?\n{kept}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes
