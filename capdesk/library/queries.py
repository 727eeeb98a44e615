"""Read-only queries: search, per-folder counts, statistics and export rows.

Plain functions over a connection so :mod:`capdesk.library.store` stays about writing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from capdesk.library.records import FolderCounts, KnownCaption

CAPTION_COLUMNS = (
    "c.lang, c.model_text, c.score, c.model_name, c.model_hash, c.captioned_at, "
    "c.person_text, c.edited, c.reviewed, c.reviewed_at, c.trust, c.flags, c.visible_text, "
    "c.person_visible_text"
)
_WORD = re.compile(r"\w+", re.UNICODE)


def known(image_id: int, path: str | Path, row: sqlite3.Row | tuple[Any, ...]) -> KnownCaption:
    """A :class:`KnownCaption` from the fourteen :data:`CAPTION_COLUMNS` values."""
    (lang, model_text, score, model_name, model_hash, at, person, edited, reviewed, rev_at,
     trust, flags, visible, person_visible) = row
    return KnownCaption(
        path=path if isinstance(path, Path) else Path(path), image_id=image_id,
        lang=lang or "en", model_text=model_text,
        score=score, model_name=model_name or "", model_hash=model_hash or "",
        captioned_at=at, person_text=person, edited=bool(edited), reviewed=bool(reviewed),
        reviewed_at=rev_at, trust=trust,
        flag_codes=tuple(code for code in (flags or "").split(",") if code),
        visible_text=visible, person_visible_text=person_visible,
    )


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def fts_query(text: str) -> str:
    """Every word of ``text`` as a quoted prefix term: ``dog beach`` → ``"dog"* "beach"*``.

    Quoting keeps FTS5 syntax (``AND``, ``-``, ``:``, ``"``) in a person's text from being
    read as operators; the prefix star finds "dogs" for "dog".
    """
    return " ".join(f'"{word}"*' for word in words(text))


def search_fts(connection: sqlite3.Connection, text: str, limit: int, lang: str
               ) -> list[KnownCaption]:
    query = fts_query(text)
    if not query:
        return []
    rows = connection.execute(
        f"SELECT i.id, i.path, {CAPTION_COLUMNS} FROM search s "
        "JOIN images i ON i.id = s.rowid "
        "LEFT JOIN captions c ON c.image_id = i.id AND c.lang = ? "
        "WHERE search MATCH ? ORDER BY s.rowid DESC LIMIT ?",
        (lang, query, limit),
    ).fetchall()
    return [known(row[0], row[1], row[2:]) for row in rows]


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_like(connection: sqlite3.Connection, text: str, limit: int, lang: str
                ) -> list[KnownCaption]:
    """The fallback without FTS5: every word somewhere in the file name or a caption text."""
    terms = words(text)
    if not terms:
        return []
    clause = " AND ".join(
        "(i.file_name LIKE ? ESCAPE '\\' OR c.model_text LIKE ? ESCAPE '\\' "
        "OR c.person_text LIKE ? ESCAPE '\\')" for _ in terms
    )
    values: list[Any] = [lang]
    for word in terms:
        values += [_like(word)] * 3
    rows = connection.execute(
        f"SELECT i.id, i.path, {CAPTION_COLUMNS} FROM images i "
        f"LEFT JOIN captions c ON c.image_id = i.id AND c.lang = ? WHERE {clause} "
        "ORDER BY i.path LIMIT ?",
        (*values, limit),
    ).fetchall()
    return [known(row[0], row[1], row[2:]) for row in rows]


_FOLDERS = """
SELECT i.folder, count(*),
       sum(c.model_text IS NOT NULL OR c.person_text IS NOT NULL),
       sum(coalesce(c.edited, 0)), sum(coalesce(c.reviewed, 0)),
       sum(EXISTS (SELECT 1 FROM exports e WHERE e.image_id = i.id))
  FROM images i LEFT JOIN captions c ON c.image_id = i.id AND c.lang = ?
 GROUP BY i.folder ORDER BY i.folder
"""


def folders(connection: sqlite3.Connection, lang: str) -> list[FolderCounts]:
    return [
        FolderCounts(row[0], row[1], row[2] or 0, row[3] or 0, row[4] or 0, row[5] or 0)
        for row in connection.execute(_FOLDERS, (lang,))
    ]


def stats(connection: sqlite3.Connection, lang: str) -> dict[str, int]:
    """Totals over every folder, plus the file's size in bytes."""
    counts = folders(connection, lang)
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    alt = connection.execute("SELECT count(*) FROM existing_alt_text").fetchone()[0]
    return {
        "folders": len(counts),
        "images": sum(f.images for f in counts),
        "captioned": sum(f.captioned for f in counts),
        "edited": sum(f.edited for f in counts),
        "reviewed": sum(f.reviewed for f in counts),
        "exported": sum(f.exported for f in counts),
        "with_alt_text": alt,
        "bytes": pages * page_size,
    }


def iter_known(connection: sqlite3.Connection, lang: str) -> Iterator[KnownCaption]:
    """Every captioned image in path order (one query, rows fetched as they are read)."""
    cursor = connection.execute(
        f"SELECT i.id, i.path, {CAPTION_COLUMNS} FROM images i "
        "JOIN captions c ON c.image_id = i.id AND c.lang = ? "
        "WHERE c.model_text IS NOT NULL OR c.person_text IS NOT NULL ORDER BY i.path",
        (lang,),
    )
    for row in cursor:
        yield known(row[0], row[1], row[2:])
