"""The library's tables, their forward migrations, and the FTS5 search index.

``PRAGMA user_version`` is the schema version. :data:`MIGRATIONS` is append-only:
migration *n* (1-based) turns a version *n-1* database into version *n*; opening a library
runs the missing ones in order, each in its own transaction, so a newer capdesk reads every
older file and an older one refuses a newer file instead of damaging it.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

log = logging.getLogger(__name__)

V1 = """
CREATE TABLE images (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    folder      TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    added_at    TEXT NOT NULL
);
CREATE INDEX images_folder ON images(folder);
CREATE INDEX images_fingerprint ON images(fingerprint);
CREATE TABLE captions (
    id           INTEGER PRIMARY KEY,
    image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    lang         TEXT NOT NULL DEFAULT 'en',
    model_text   TEXT,
    score        REAL,
    model_name   TEXT,
    model_hash   TEXT,
    captioned_at TEXT,
    person_text  TEXT,
    edited       INTEGER NOT NULL DEFAULT 0,
    reviewed     INTEGER NOT NULL DEFAULT 0,
    reviewed_at  TEXT,
    UNIQUE (image_id, lang)
);
CREATE TABLE existing_alt_text (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    text     TEXT NOT NULL,
    found_at TEXT NOT NULL
);
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    destination TEXT NOT NULL,
    formats     TEXT NOT NULL
);
CREATE INDEX exports_image ON exports(image_id);
"""

V2_INDEXES = """
CREATE INDEX images_size ON images(size);
"""

# One FTS row per image (rowid = images.id): its file name and every caption text, model's
# and person's, all languages. A regular FTS5 table (it keeps its own copy of the text)
# because each row aggregates two tables, which an external-content table cannot follow
# by itself, and contentless_delete needs SQLite 3.43 (Python 3.11 ships older builds).
FTS = """
CREATE VIRTUAL TABLE search USING fts5(file_name, texts,
    tokenize = "unicode61 remove_diacritics 2");
"""

_REINDEX = """
    DELETE FROM search WHERE rowid = {ref};
    INSERT INTO search(rowid, file_name, texts)
        SELECT i.id, i.file_name,
               (SELECT group_concat({texts}, ' ')
                  FROM captions c WHERE c.image_id = i.id)
          FROM images i WHERE i.id = {ref};
"""

_TRIGGERS = """
CREATE TRIGGER search_image_added AFTER INSERT ON images BEGIN {added} END;
CREATE TRIGGER search_image_renamed AFTER UPDATE OF file_name ON images BEGIN {added} END;
CREATE TRIGGER search_image_removed AFTER DELETE ON images BEGIN
    DELETE FROM search WHERE rowid = OLD.id; END;
CREATE TRIGGER search_caption_added AFTER INSERT ON captions BEGIN {caption_new} END;
CREATE TRIGGER search_caption_changed AFTER UPDATE OF {columns} ON captions BEGIN
    {caption_new} END;
CREATE TRIGGER search_caption_removed AFTER DELETE ON captions BEGIN {caption_old} END;
"""


def _search_sql(texts: str, columns: str) -> tuple[str, str]:
    """(the triggers, the statement filling the index) for one schema version's texts."""
    def reindex(ref: str) -> str:
        return _REINDEX.format(ref=ref, texts=texts)

    triggers = _TRIGGERS.format(added=reindex("NEW.id"), caption_new=reindex("NEW.image_id"),
                                caption_old=reindex("OLD.image_id"), columns=columns)
    return triggers, reindex("{ref}").split(";")[1].replace("WHERE i.id = {ref}", "")


# Version 2 indexed the captions' words; version 3 adds the text read in the photo (the
# person's correction when there is one), so a receipt is found by a word printed on it.
TRIGGERS_V2, _POPULATE_V2 = _search_sql(
    "coalesce(c.model_text, '') || ' ' || coalesce(c.person_text, '')",
    "model_text, person_text")
TRIGGERS, _POPULATE = _search_sql(
    "coalesce(c.model_text, '') || ' ' || coalesce(c.person_text, '') || ' ' || "
    "coalesce(c.person_visible_text, c.visible_text, '')",
    "model_text, person_text, visible_text, person_visible_text")


def run_script(connection: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` inside the caller's transaction.

    ``executescript`` would COMMIT the open transaction first, which would make a
    half-done migration visible; statements are split where ``complete_statement`` says
    one ends (so the semicolons inside a trigger body stay in it).
    """
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                connection.execute(buffer)
            buffer = ""


def fts5_available(connection: sqlite3.Connection) -> bool:
    """Whether this sqlite3 build has FTS5 (most do; some distributions' builds do not)."""
    try:
        connection.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    connection.execute("DROP TABLE temp.fts5_probe")
    return True


def has_search_index(connection: sqlite3.Connection) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search'"
    ).fetchone()
    return row is not None


def create_search_index(connection: sqlite3.Connection, *, version: int = 0) -> None:
    """The FTS5 table, its triggers, and a row for every image already known (``version``
    2: the triggers of schema version 2, which has no read-text columns yet)."""
    triggers, populate = (TRIGGERS_V2, _POPULATE_V2) if version == 2 else (TRIGGERS, _POPULATE)
    run_script(connection, FTS + triggers)
    connection.execute(populate)


def _v1(connection: sqlite3.Connection, fts: bool) -> None:
    run_script(connection, V1)


def _v2(connection: sqlite3.Connection, fts: bool) -> None:
    run_script(connection, V2_INDEXES)
    if fts:
        create_search_index(connection, version=2)
    else:
        log.warning("this sqlite3 has no FTS5: library search falls back to LIKE")


# Issue 18: what the engine said about each caption, kept so a reopened folder shows the
# same flags (and F8 visits them first) without captioning again. ``flags`` holds the codes
# only, comma-separated (their messages are the app's words, which may change); ``trust``
# is about the model's words; ``visible_text`` is the text the reader found (NULL: not
# read), ``person_visible_text`` the person's correction of it (NULL: not edited).
V3_COLUMNS = """
ALTER TABLE captions ADD COLUMN trust REAL;
ALTER TABLE captions ADD COLUMN flags TEXT NOT NULL DEFAULT '';
ALTER TABLE captions ADD COLUMN visible_text TEXT;
ALTER TABLE captions ADD COLUMN person_visible_text TEXT;
"""


def _v3(connection: sqlite3.Connection, fts: bool) -> None:
    """The trust columns; the search triggers are replaced so read text is searchable too."""
    run_script(connection, V3_COLUMNS)
    if fts and has_search_index(connection):
        for name in _TRIGGER_NAMES:
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        run_script(connection, TRIGGERS)
        connection.execute("DELETE FROM search")
        connection.execute(_POPULATE)


MIGRATIONS: list[Callable[[sqlite3.Connection, bool], None]] = [_v1, _v2, _v3]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection, fts: bool) -> int:
    """Run the missing migrations; returns the version the file had. Autocommit connection.

    Each step runs under ``BEGIN IMMEDIATE`` and re-reads ``user_version`` inside it, so two
    processes opening a new library at once do not both create it.
    """
    start = connection.execute("PRAGMA user_version").fetchone()[0]
    if start > SCHEMA_VERSION:
        raise NewerSchema(start)
    for target in range(start + 1, SCHEMA_VERSION + 1):
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version < target:
                MIGRATIONS[target - 1](connection, fts)
                connection.execute(f"PRAGMA user_version = {target}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        if version < target:
            log.info("library schema migrated to version %d", target)
    _fit_search_index(connection, fts)
    return int(start)


_TRIGGER_NAMES = ("search_image_added", "search_image_renamed", "search_image_removed",
                  "search_caption_added", "search_caption_changed", "search_caption_removed")


def _triggers(connection: sqlite3.Connection) -> int:
    marks = ",".join("?" * len(_TRIGGER_NAMES))
    return int(connection.execute(
        f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
        _TRIGGER_NAMES).fetchone()[0])


def _fit_search_index(connection: sqlite3.Connection, fts: bool) -> None:
    """Make the FTS5 index fit this sqlite3 build, whichever build wrote the file last.

    With FTS5: create the index if missing, or rebuild it when a build without FTS5 had
    suspended its triggers (the captions written meanwhile are indexed too). Without FTS5
    (the same file opened by another Python): drop the triggers, which would otherwise fail
    every write with "no such module: fts5"; search uses LIKE until FTS5 is back.
    """
    present, triggers = has_search_index(connection), _triggers(connection)
    if fts and present and triggers == len(_TRIGGER_NAMES):
        return
    if not fts and (not present or triggers == 0):
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        if fts and not has_search_index(connection):
            create_search_index(connection)
        elif fts and _triggers(connection) < len(_TRIGGER_NAMES):
            for name in _TRIGGER_NAMES:
                connection.execute(f"DROP TRIGGER IF EXISTS {name}")
            connection.execute("DELETE FROM search")
            run_script(connection, TRIGGERS)
            connection.execute(_POPULATE)
            log.info("library search index rebuilt")
        elif not fts:
            for name in _TRIGGER_NAMES:
                connection.execute(f"DROP TRIGGER IF EXISTS {name}")
            log.warning("this sqlite3 has no FTS5: search index suspended, LIKE search used")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


class NewerSchema(Exception):
    """The file was written by a newer capdesk (its schema version is higher than ours)."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version
