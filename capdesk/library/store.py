"""The caption library: one SQLite file that keeps every caption, edit, review and export.

Every change is its own short ``BEGIN IMMEDIATE`` … ``COMMIT`` transaction, so what a
method returned from is on disk: in WAL mode a committed transaction survives a kill of
the process (the WAL file is in the OS page cache; the next open replays it).
``synchronous=NORMAL`` skips the fsync at each commit: after a power loss or OS crash the
last transactions before it may be lost, but the file stays consistent (SQLite's WAL
guarantee). ``BEGIN IMMEDIATE`` takes the write lock up front, so a second process waits
(``busy_timeout``, 10 s) instead of failing with "database is locked" on a lock upgrade.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from capdesk.domain.records import CaptionRecord
from capdesk.library import queries, schema
from capdesk.library.errors import LibraryCorrupted, LibraryError, explain, is_corruption
from capdesk.library.lookup import find_known
from capdesk.library.paths import default_library_path, fingerprint, path_key, utc_now
from capdesk.library.records import FolderCounts, KnownCaption

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 10.0


def _move_aside(path: Path) -> Path:
    """Rename the damaged file (and its -wal/-shm) to ``<name>.corrupt-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while kept.exists():
        counter += 1
        kept = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    path.replace(kept)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(kept.with_name(kept.name + suffix))
    return kept


class Library:
    """An open library file. Use from one thread at a time (a lock serialises calls)."""

    def __init__(self, path: Path, connection: sqlite3.Connection, search_index: bool) -> None:
        self.path = path
        self._connection = connection
        self.search_index = search_index
        """True when FTS5 search is available; False: :meth:`search` uses LIKE."""
        self._lock = threading.RLock()

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, timeout: float = BUSY_TIMEOUT_S) -> Library:
        """Open (creating and migrating as needed) the library at ``path`` or the default.

        Raises :class:`LibraryCorrupted` after moving a damaged file aside and creating a
        fresh library in its place (open again to use it), :class:`LibraryError` for a
        read-only folder, a full disk, a file from a newer capdesk or any other failure.
        """
        path = Path(path) if path is not None else default_library_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryError(explain(path, exc)) from exc
        try:
            return cls._connect(path, timeout)
        except schema.NewerSchema as exc:
            raise LibraryError(
                f"The caption library {path} was written by a newer capdesk (schema version "
                f"{exc.version}, this one knows up to {schema.SCHEMA_VERSION}). Update "
                "capdesk, or choose another file with --library PATH."
            ) from exc
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise LibraryError(explain(path, exc)) from exc
            try:
                kept = _move_aside(path)
                cls._connect(path, timeout).close()
            except (OSError, sqlite3.Error) as again:
                raise LibraryError(
                    f"The caption library {path} is damaged ({exc}) and could not be set "
                    f"aside: {again}"
                ) from again
            message = (f"The caption library {path} was damaged ({exc}). It was kept as "
                       f"{kept} and a new, empty library was started.")
            log.error("%s", message)
            raise LibraryCorrupted(message, kept) from exc
        except OSError as exc:
            raise LibraryError(explain(path, exc)) from exc

    @classmethod
    def _connect(cls, path: Path, timeout: float) -> Library:
        connection = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > schema.SCHEMA_VERSION:  # before anything writes (even WAL mode)
                raise schema.NewerSchema(version)
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("library %s: WAL not available here (journal mode %s)", path, mode)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            check = connection.execute("PRAGMA quick_check").fetchall()
            if [tuple(row) for row in check] != [("ok",)]:
                raise sqlite3.DatabaseError(
                    "database disk image is malformed: " + "; ".join(r[0] for r in check[:3])
                )
            fts = schema.fts5_available(connection)
            schema.migrate(connection, fts)
            return cls(path, connection, fts and schema.has_search_index(connection))
        except BaseException:
            connection.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection, for diagnostics (``PRAGMA integrity_check``) and tests."""
        return self._connection

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction; any SQLite failure becomes LibraryError."""
        with self._lock, self._errors():
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
                self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise LibraryError(explain(self.path, exc)) from exc
        except OSError as exc:  # the photo itself (stat, fingerprint), not the library
            raise LibraryError(f"cannot read {exc.filename}: {exc.strerror or exc}") from exc

    def _image(self, db: sqlite3.Connection, path: Path, print_: str | None = None
               ) -> tuple[int, bool]:
        """The image's id, adding or refreshing its row; True when its content changed."""
        info = path.stat()
        key = path_key(path)
        digest = print_ or fingerprint(path, info.st_size)
        row = db.execute("SELECT id, fingerprint FROM images WHERE path = ?", (key,)).fetchone()
        if row is None:
            cursor = db.execute(
                "INSERT INTO images (path, folder, file_name, size, mtime_ns, fingerprint, "
                "added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key, str(Path(key).parent), Path(key).name, info.st_size, info.st_mtime_ns,
                 digest, utc_now()),
            )
            return int(cursor.lastrowid or 0), False
        db.execute("UPDATE images SET size = ?, mtime_ns = ?, fingerprint = ? WHERE id = ?",
                   (info.st_size, info.st_mtime_ns, digest, row[0]))
        return int(row[0]), row[1] != digest

    def _existing_id(self, db: sqlite3.Connection, path: Path) -> int:
        row = db.execute("SELECT id FROM images WHERE path = ?", (path_key(path),)).fetchone()
        return int(row[0]) if row else self._image(db, path)[0]

    def record_caption(self, path: Path, text: str, *, score: float | None = None,
                       model_name: str = "", model_hash: str = "", lang: str = "en",
                       captioned_at: datetime | None = None, replace_edit: bool = False,
                       trust: float | None = None, flags: Iterable[str] = (),
                       visible_text: str | None = None) -> bool:
        """Store the model's caption of ``path``; False when the photo is gone or unreadable.

        ``trust``, ``flags`` (codes) and ``visible_text`` are what the engine said with it
        (docs/TRUST.md); they replace the previous run's. The person's text and review stay,
        unless ``replace_edit`` or the photo's content changed since they were made (then
        they belonged to another picture); their correction of the read text stays unless
        the content changed (re-captioning does not change the text in the photo). The file is
        fingerprinted before the write lock is taken, so other writers do not wait on it.
        """
        try:
            info = path.stat()
            digest = fingerprint(path, info.st_size)
        except OSError as exc:
            log.warning("not recorded in the library: %s: %s", path, exc.strerror or exc)
            return False
        at = (captioned_at or datetime.now(UTC)).astimezone(UTC).isoformat()
        codes = ",".join(flags)
        with self._write() as db:
            image_id, changed = self._image(db, path, digest)
            reset = replace_edit or changed
            db.execute(
                "INSERT INTO captions (image_id, lang, model_text, score, model_name, "
                "model_hash, captioned_at, trust, flags, visible_text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (image_id, lang) DO UPDATE SET model_text = excluded.model_text, "
                "score = excluded.score, model_name = excluded.model_name, "
                "model_hash = excluded.model_hash, captioned_at = excluded.captioned_at, "
                "trust = excluded.trust, flags = excluded.flags, "
                "visible_text = excluded.visible_text",
                (image_id, lang, text, score, model_name, model_hash, at, trust, codes,
                 visible_text),
            )
            if reset:
                db.execute("UPDATE captions SET person_text = NULL, edited = 0, reviewed = 0, "
                           "reviewed_at = NULL WHERE image_id = ? AND lang = ?", (image_id, lang))
            if changed:  # another picture: its text is not the one the person corrected
                db.execute("UPDATE captions SET person_visible_text = NULL "
                           "WHERE image_id = ?", (image_id,))
        return True

    def record_visible_text(self, path: Path, text: str | None, *, lang: str = "en") -> None:
        """The person's correction of the text read in ``path`` (None: back to the reader's).

        Kept apart from :meth:`record_edit` because correcting the read text is not a
        review of the caption: the caption may still be wrong.
        """
        with self._write() as db:
            image_id = self._existing_id(db, path)
            db.execute(
                "INSERT INTO captions (image_id, lang, person_visible_text) VALUES (?, ?, ?) "
                "ON CONFLICT (image_id, lang) DO UPDATE "
                "SET person_visible_text = excluded.person_visible_text",
                (image_id, lang, text),
            )

    def record_edit(self, path: Path, text: str | None, *, lang: str = "en") -> None:
        """The person's words for ``path`` (None: back to the model's); editing is reviewing."""
        with self._write() as db:
            image_id = self._existing_id(db, path)
            db.execute(
                "INSERT INTO captions (image_id, lang, person_text, edited, reviewed, "
                "reviewed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (image_id, lang) DO UPDATE "
                "SET person_text = excluded.person_text, edited = excluded.edited, "
                "reviewed = max(reviewed, excluded.reviewed), "
                "reviewed_at = coalesce(excluded.reviewed_at, reviewed_at)",
                (image_id, lang, text, text is not None, text is not None,
                 utc_now() if text is not None else None),
            )

    def record_review(self, path: Path, reviewed: bool = True, *, lang: str = "en") -> None:
        with self._write() as db:
            image_id = self._existing_id(db, path)
            db.execute(
                "INSERT INTO captions (image_id, lang, reviewed, reviewed_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (image_id, lang) DO UPDATE SET reviewed = excluded.reviewed, "
                "reviewed_at = excluded.reviewed_at",
                (image_id, lang, reviewed, utc_now() if reviewed else None),
            )

    def record_export(self, paths: Iterable[Path], destination: Path | str,
                      formats: Iterable[str]) -> None:
        """One export of these images (where, which formats, now), in one transaction."""
        names = ",".join(sorted(formats))
        at = utc_now()
        with self._write() as db:
            for path in paths:
                db.execute("INSERT INTO exports (image_id, at, destination, formats) "
                           "VALUES (?, ?, ?, ?)",
                           (self._existing_id(db, path), at, str(destination), names))

    def record_alt_text(self, path: Path, text: str | None) -> None:
        """The alt text found in the file itself (None: it has none)."""
        with self._write() as db:
            image_id = self._existing_id(db, path)
            if text is None:
                db.execute("DELETE FROM existing_alt_text WHERE image_id = ?", (image_id,))
            else:
                db.execute("INSERT OR REPLACE INTO existing_alt_text (image_id, text, found_at) "
                           "VALUES (?, ?, ?)", (image_id, text, utc_now()))

    # -- reading ---------------------------------------------------------------------

    def lookup(self, paths: Iterable[Path], *, lang: str = "en") -> dict[Path, KnownCaption]:
        """The captions the library already has for ``paths`` whose content is unchanged.

        One stat() per file and one query per 500 paths; a file is fingerprinted
        only when its size or mtime differs from the row (touched, or changed), or when its
        path is new but an image of the same size is known (renamed or moved: its captions
        follow it — the row moves when the old path is gone, is copied when both exist).
        """
        with self._lock, self._errors():
            return find_known(self._connection, list(paths), lang)

    def search(self, text: str, limit: int = 50, *, lang: str = "en") -> list[KnownCaption]:
        """Images whose file name or captions contain every word of ``text`` (as a prefix)."""
        with self._lock, self._errors():
            if self.search_index:
                return queries.search_fts(self._connection, text, limit, lang)
            return queries.search_like(self._connection, text, limit, lang)

    def folders(self, *, lang: str = "en") -> list[FolderCounts]:
        with self._lock, self._errors():
            return queries.folders(self._connection, lang)

    def stats(self, *, lang: str = "en") -> dict[str, Any]:
        with self._lock, self._errors():
            totals: dict[str, Any] = dict(queries.stats(self._connection, lang))
            version = self._connection.execute("PRAGMA user_version").fetchone()[0]
        totals.update(path=str(self.path), schema_version=version,
                      search="fts5" if self.search_index else "like")
        return totals

    def iter_rows(self, *, lang: str = "en") -> Iterator[CaptionRecord]:
        """Every captioned image as an export row, in path order."""
        with self._lock, self._errors():
            rows = list(queries.iter_known(self._connection, lang))
        for row in rows:
            yield row.to_record(provider="")
