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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemDelegate, QLabel, QMessageBox

from capdesk.domain import CaptionResult, Language
from capdesk.jobs.library_job import LibraryKeeper
from capdesk.ui.image_model import ImageListModel
from capdesk.ui.intake import AltTextGate
from capdesk.ui.items import Status
from capdesk.ui.lang_items import language_of
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
        self.languages: tuple[str, ...] = ("en",)
        """The chosen caption languages (Settings), the first first: what lookups ask for."""
        self._next_token = 0
        self.keeper.opened.connect(self._on_opened)
        self.keeper.failed.connect(self._on_failed)
        self.keeper.write_failed.connect(self._on_write_failed)
        self.keeper.known.connect(self._on_known)
        self.keeper.known_languages.connect(self._on_known_languages)
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
        first = language_of(self.languages[0])
        for path in paths:  # their own fields will hold the first chosen language
            item = self.model.item(path)
            if item is not None and item.caption is None and not item.text:
                item.language = first
        if not self.keeper.active:
            return self.intake.listed(paths, caption=caption, keep_existing=keep_existing)
        self.intake.listed(paths, caption=False, keep_existing=keep_existing)
        self._next_token += 1
        self._pending[self._next_token] = (caption, keep_existing)
        self.keeper.lookup(self._next_token, paths, self.languages)
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

    def set_languages(self, languages: tuple[Language, ...]) -> None:
        """The languages captions are written in now: what the next lookups ask for."""
        self.languages = tuple(language.code for language in languages)

    def _on_known_languages(self, _token: int, known: dict[str, dict[Path, Any]]) -> None:
        """The library's captions in the further chosen languages: each language's text,
        edit and review come back as they were left (``use_library`` changes nothing the
        model or the person gave it in this session; a photo captioned now for its first
        language keeps them, see ``LanguageState.apply``)."""
        for lang, captions in known.items():
            for path, caption in captions.items():
                item = self.model.item(path)
                if item is None or lang == item.language.code:
                    continue  # the own language came with ``known``
                if lang == "en" and item.provider == "library":
                    # English chosen but not first: its row keeps trust, flags, read text.
                    item.trust, item.flags = caption.trust, caption.flags
                    item.reader_text = caption.visible_text
                    item.person_visible_text = caption.person_visible_text
                    self.model.refresh(path)
                if item.state_for_edit(lang).use_library(
                        caption.text, caption.model_text, caption.score, edited=caption.edited,
                        reviewed=caption.reviewed, model_name=caption.model_name):
                    self.model.refresh(path)

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
        """Keep the model's caption in every language the result has (each language's
        own edit stays when the person typed it while the photo waited)."""
        item = self.model.item(result.path)
        if item is None or result.caption is None or item.caption is not result.caption:
            return
        codes = [entry.lang for entry in result.captions]
        owner = "en" if "en" in codes else codes[0] if codes else ""
        for entry in result.captions:
            state = item.in_language(entry.lang)
            said = entry.lang == owner  # trust, flags and read text: one row (rows.py)
            self.keeper.record_caption(
                result.path, entry.caption.text, score=entry.caption.score,
                model_name=item.model_name, replace_edit=not (state.edited or state.reviewed),
                lang=entry.lang, trust=result.trust if said else None,
                flags=list(result.flag_codes) if said else [],
                visible_text=result.visible_text if said else None,
            )

    def _on_person_changed(self, path: Path) -> None:
        item = self.model.item(path)
        if item is not None:
            self.person_changed_in(path, item.language.code)

    def person_changed_in(self, path: Path, lang: str) -> None:
        """An edit or review (or its undo) of ``path``'s caption in ``lang``: keep it."""
        item = self.model.item(path)
        if item is None:
            return
        state = item.in_language(lang)
        self.keeper.record_person(path, state.text if state.edited else None,
                                  state.reviewed or state.edited, lang,
                                  read_text_lang=item.read_text_language,
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
    def keep_typed(self, edit: Callable[[Path, str], None],
                   edit_in: Callable[[Path, str, str], None] | None = None) -> None:
        """Another image is about to be shown (a click, F8, Accept, Delete): words typed in
        the caption fields for this one are kept, as Enter would, once the change of image
        is over (it may be inside an undo step, where no other step may be pushed). The
        image's own language goes to ``edit``, each further one to ``edit_in`` (path,
        language code, text)."""
        pending = self.window.preview.pending()
        if pending is not None:
            path, text = pending
            QTimer.singleShot(0, self, lambda: edit(path, text))
        shown, further = self.window.preview.pending_languages()
        if edit_in is not None and shown is not None:
            for code, words in further.items():
                QTimer.singleShot(0, self, lambda c=code, w=words: edit_in(shown, c, w))

    def may_close(self, running: bool) -> bool:
        """Called before the window closes: nothing typed or captioned is lost silently.

        An edit still open (in the list's inline editor or the preview's caption field)
        is committed, as Enter would; a run in progress asks "stop and quit?" (every
        caption finished so far is already in the library), and so does quitting with
        captions when the library is not available (they would be gone). False: stay open.
        """
        view = self.window.list_view
        editor = view.indexWidget(view.currentIndex())
        if editor is not None:
            view.commitData(editor)
            view.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.window.preview.commit_pending()
        if not running and (self.active or not self._finished()):
            return True
        return self.confirm_stop()

    def _finished(self) -> int:
        return sum(1 for i in self.model.items() if i.caption is not None or i.edited)

    def stop_question(self) -> tuple[str, str]:
        """The question asked when quitting during a run (or with captions the library
        cannot keep), and what is kept, in numbers."""
        items = self.model.items()
        done = self._finished()
        left = sum(1 for i in items if i.status in (Status.QUEUED, Status.CAPTIONING))
        if not self.active and not left:
            return "Quit without keeping the captions?", (
                f"The caption library is not available, so the {done} captions are gone "
                "when capdesk closes. Export them first (Ctrl+E) to keep them.")
        if self.active:
            kept = f"The {done} captions finished so far are kept in the caption library."
            rest = (f" The {left} photos not captioned yet are captioned when you open them "
                    "again.") if left else ""
        else:
            kept = (f"The {done} captions finished so far are not kept: the caption library "
                    "is not available. Export them first to keep them.")
            rest = ""
        return "Stop captioning and quit?", kept + rest

    def confirm_stop(self) -> bool:
        """Ask; tests replace this method (a modal box would wait for a click)."""
        question, detail = self.stop_question()
        box = QMessageBox(QMessageBox.Icon.Question, "Quit capdesk", question,
                          QMessageBox.StandardButton.Cancel, self.window)
        box.setInformativeText(detail)
        box.setAccessibleDescription(f"{question} {detail}")
        proceed = "Stop and quit" if question.startswith("Stop") else "Quit anyway"
        stop = box.addButton(proceed, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is stop
