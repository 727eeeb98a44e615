"""The app's caption library, used from one thread of its own (never the GUI thread).

Why a thread and not the GUI thread: opening runs ``PRAGMA quick_check`` (O(file size))
and may migrate; a lookup of a big folder stats every file and may fingerprint some;
each commit is short, but on a slow or network disk even a short one is a stall the
window must not have. Why one thread: an SQLite connection must not be shared between
threads, so the thread that opens the :class:`~capdesk.library.Library` is the only one
that ever touches it. Every call here is queued to that thread *in order* (a caption is
recorded before a later edit of it), and answers come back as Qt signals, delivered
queued on the GUI thread.

Closing (:meth:`LibraryKeeper.close`) runs every write still queued, then closes the
connection: each write is its own transaction, so what was recorded before a kill is in
the file (see docs/adr/0007-caption-library-in-sqlite.md). It waits at most ``timeout``.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from capdesk.library import Library

log = logging.getLogger(__name__)

CLOSE_SECONDS = 10.0

Job = Callable[[], None]


class _Relay(QObject):
    """Lives on the GUI thread; the library thread emits through it (queued)."""

    opened = Signal(str, str)  # path, a warning ("" or: the damaged file was kept aside)
    failed = Signal(str)  # the library cannot be used: why, in a sentence
    known = Signal(int, list, object)  # token, paths asked, {Path: KnownCaption}
    known_languages = Signal(int, object)  # token, {lang: {Path: KnownCaption}}, after known
    write_failed = Signal(str)
    searched = Signal(str, list)  # the query, list[KnownCaption] (every folder)
    folders_listed = Signal(list)  # list[FolderCounts]


class LibraryKeeper(QObject):
    """Queue library work to its own thread; see the module docstring.

    ``active`` is True from :meth:`open` until the library failed to open or was closed;
    while it is False, :meth:`lookup` answers at once with nothing known and writes are
    dropped (the app works without a library).
    """

    opened = Signal(str, str)
    failed = Signal(str)
    known = Signal(int, list, object)
    known_languages = Signal(int, object)
    write_failed = Signal(str)
    searched = Signal(str, list)
    folders_listed = Signal(list)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay()
        self._relay.opened.connect(self.opened)
        self._relay.failed.connect(self._on_failed)
        self._relay.known.connect(self.known)
        self._relay.known_languages.connect(self.known_languages)
        self._relay.write_failed.connect(self.write_failed)
        self._relay.searched.connect(self.searched)
        self._relay.folders_listed.connect(self.folders_listed)
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._library: Library | None = None  # touched by the library thread only
        self._active = False
        self.path: Path | None = None

    @property
    def active(self) -> bool:
        return self._active

    def open(self, path: Path) -> None:
        """Open (create, migrate) ``path`` on the library thread; ``opened`` or ``failed``."""
        if self._thread is None:
            self._jobs = queue.SimpleQueue()  # a thread left behind keeps its own queue
            self._thread = threading.Thread(target=self._run, name="capdesk-library", daemon=True)
            self._thread.start()
        self._active = True
        self.path = path
        self._submit(lambda: self._open(path))

    def lookup(self, token: int, paths: list[Path], langs: tuple[str, ...] = ("en",)) -> None:
        """What the library knows about ``paths`` (unchanged, captioned) in the first of
        ``langs``: ``known`` follows; then, when more languages are asked for,
        ``known_languages`` with the captions in each of the others (for every path,
        also those to be captioned again: a person's words in another language stay)."""
        first, *more = langs or ("en",)
        if not self._active:
            self.known.emit(token, paths, {})
            return
        relay = self._relay

        def job() -> None:
            found: dict[Path, Any] = {}
            others: dict[str, dict[Path, Any]] = {}
            if self._library is not None:
                try:
                    found = self._library.lookup(paths, lang=first)
                    # Every path: a photo new in the first language may have edits in others.
                    others = {lang: self._library.lookup(paths, lang=lang) for lang in more}
                except Exception as exc:  # a lookup failure only means: caption them again
                    log.warning("library lookup failed: %s", exc)
            relay.known.emit(token, paths, found)
            if more:
                relay.known_languages.emit(token, others)

        self._submit(job)

    def search(self, text: str, limit: int = 200) -> None:
        """FTS5 search of every folder the library knows: ``searched`` follows."""
        if not self._active:
            return
        relay = self._relay

        def job() -> None:
            hits: list[Any] = []
            if self._library is not None:
                try:
                    hits = self._library.search(text, limit)
                except Exception as exc:
                    log.warning("library search failed: %s", exc)
            relay.searched.emit(text, hits)

        self._submit(job)

    def list_folders(self) -> None:
        """Every folder the library knows with its counts: ``folders_listed`` follows."""
        relay = self._relay

        def job() -> None:
            folders: list[Any] = []
            if self._library is not None:
                try:
                    folders = self._library.folders()
                except Exception as exc:
                    log.warning("library folders failed: %s", exc)
            relay.folders_listed.emit(folders)

        if self._active:
            self._submit(job)
        else:
            self.folders_listed.emit([])

    def record_caption(self, path: Path, text: str, *, score: float | None, model_name: str,
                       replace_edit: bool, lang: str = "en", trust: float | None = None,
                       flags: Iterable[str] = (), visible_text: str | None = None) -> None:
        codes = list(flags)
        self._write(lambda lib: lib.record_caption(
            path, text, score=score, model_name=model_name, replace_edit=replace_edit,
            lang=lang, trust=trust, flags=codes, visible_text=visible_text))

    def record_person(self, path: Path, person_text: str | None, reviewed: bool,
                      lang: str = "en", *, read_text_lang: str | None = None,
                      visible_text: str | None = None) -> None:
        """The person's state of one image in one language: their words (None: the
        model's) and review; with ``read_text_lang`` (the row that keeps the read text,
        which may be another language's) their correction of the read text too (None: the
        reader's)."""
        def write(lib: Library) -> None:
            lib.record_edit(path, person_text, lang=lang)
            lib.record_review(path, reviewed, lang=lang)
            if read_text_lang is not None:
                lib.record_visible_text(path, visible_text, lang=read_text_lang)

        self._write(write)

    def record_alt_text(self, found: dict[Path, str]) -> None:
        """Alt text found in the files themselves (only those that carry some)."""
        todo = dict(found)

        def write(lib: Library) -> None:
            for path, text in todo.items():
                lib.record_alt_text(path, text)

        self._write(write)

    def record_export(self, paths: Iterable[Path], destination: Path | str,
                      formats: Iterable[str]) -> None:
        todo, names = list(paths), list(formats)
        self._write(lambda lib: lib.record_export(todo, destination, names))

    def close(self, timeout: float = CLOSE_SECONDS) -> bool:
        """Run the queued writes, close the file; False when that took over ``timeout``."""
        self._active = False
        if self._thread is None:
            return True
        thread, self._thread = self._thread, None
        self._jobs.put(None)
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the caption library did not close within %.1f s", timeout)
            return False
        return True

    # -- the library thread ------------------------------------------------------------

    def _submit(self, job: Job) -> None:
        self._jobs.put(job)

    def _write(self, change: Callable[[Library], object]) -> None:
        if not self._active:
            return
        relay = self._relay

        def job() -> None:
            if self._library is None:
                return
            try:
                change(self._library)
            except Exception as exc:  # LibraryError: disk full, read-only, locked too long
                log.warning("library write failed: %s", exc)
                relay.write_failed.emit(str(exc))

        self._submit(job)

    def _open(self, path: Path) -> None:
        from capdesk.library import Library, LibraryCorrupted, LibraryError  # noqa: PLC0415

        warning = ""
        try:
            try:
                self._library = Library.open(path)
            except LibraryCorrupted as exc:
                warning = str(exc)
                self._library = Library.open(path)
        except LibraryError as exc:
            self._relay.failed.emit(str(exc))
            return
        except Exception as exc:  # anything else: still a library we cannot use
            log.exception("opening the caption library failed")
            self._relay.failed.emit(f"The caption library {path} could not be opened: {exc}")
            return
        log.info("caption library %s opened", path)
        self._relay.opened.emit(str(path), warning)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # one broken job must not end the thread
                log.exception("library job failed")
        if self._library is not None:
            self._library.close()
            self._library = None

    def _on_failed(self, message: str) -> None:
        self._active = False
        self.failed.emit(message)
