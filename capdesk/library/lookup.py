"""What the library already knows about a list of files: the fast path of opening a folder.

For an already captioned folder this is one ``stat()`` per file and one query per
:data:`CHUNK` paths, no file is read. Reading (the 192 KiB fingerprint) happens only for
a file whose size or mtime differs from its row, or a new path with the size of a known
image (perhaps the same photo renamed or moved).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from capdesk.library.paths import fingerprint, path_key
from capdesk.library.queries import CAPTION_COLUMNS, known
from capdesk.library.records import KnownCaption

log = logging.getLogger(__name__)

CHUNK = 500
"""Paths per ``IN (...)`` query (well under SQLite's limit of bound parameters)."""


class _Seen(NamedTuple):
    path: Path
    key: str
    size: int
    mtime_ns: int


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _seen(paths: Sequence[Path]) -> list[_Seen]:
    seen = []
    for path in paths:
        text = os.fspath(path)  # once: Path's str() and stat() would each rebuild it
        try:
            info = os.stat(text)  # noqa: PTH116
        except OSError:
            continue
        seen.append(_Seen(path, path_key(text), info.st_size, info.st_mtime_ns))
    return seen


def _print(item: _Seen) -> str | None:
    try:
        return fingerprint(item.path, item.size)
    except OSError as exc:
        log.info("cannot fingerprint %s: %s", item.path, exc)
        return None


def find_known(db: sqlite3.Connection, paths: Sequence[Path], lang: str
               ) -> dict[Path, KnownCaption]:
    """See :meth:`capdesk.library.Library.lookup`; writes only to follow a touched or moved file."""
    found: dict[Path, KnownCaption] = {}
    touched: list[tuple[int, int, int]] = []  # (size, mtime_ns, id) of unchanged content
    unknown: list[_Seen] = []
    for chunk in _chunks(_seen(paths)):
        by_key = {item.key: item for item in chunk}
        rows = db.execute(
            f"SELECT i.id, i.path, i.size, i.mtime_ns, i.fingerprint, {CAPTION_COLUMNS} "
            "FROM images i LEFT JOIN captions c ON c.image_id = i.id AND c.lang = ? "
            f"WHERE i.path IN ({_marks(len(chunk))})",
            (lang, *by_key),
        ).fetchall()
        for row in rows:
            item = by_key.pop(row[1])
            captioned = row[6] is not None or row[11] is not None
            if (row[2], row[3]) != (item.size, item.mtime_ns):
                if _print(item) != row[4]:
                    continue  # changed: to be captioned again
                touched.append((item.size, item.mtime_ns, row[0]))
            if captioned:
                found[item.path] = known(row[0], item.path, row[5:])
        unknown.extend(by_key.values())
    moves = _find_moved(db, unknown, lang, found)
    if touched or moves:
        _follow(db, touched, moves)
    return found


def _find_moved(db: sqlite3.Connection, unknown: list[_Seen], lang: str,
                found: dict[Path, KnownCaption]) -> list[tuple[_Seen, int, str]]:
    """New paths whose content the library knows: (file, image id, its old path)."""
    sizes: set[int] = set()
    for chunk in _chunks(sorted({item.size for item in unknown})):
        sizes.update(r[0] for r in db.execute(
            f"SELECT DISTINCT size FROM images WHERE size IN ({_marks(len(chunk))})", chunk))
    candidates: dict[str, _Seen] = {}
    for item in unknown:
        if item.size in sizes and (digest := _print(item)) is not None:
            candidates.setdefault(digest, item)
    moves = []
    for chunk in _chunks(list(candidates)):
        rows = db.execute(
            f"SELECT i.id, i.path, i.fingerprint, {CAPTION_COLUMNS} FROM images i "
            "JOIN captions c ON c.image_id = i.id AND c.lang = ? "
            f"WHERE i.fingerprint IN ({_marks(len(chunk))}) "
            "AND (c.model_text IS NOT NULL OR c.person_text IS NOT NULL)",
            (lang, *chunk),
        ).fetchall()
        for row in rows:
            if row[2] not in candidates:
                continue
            item = candidates.pop(row[2])
            found[item.path] = known(row[0], item.path, row[3:])
            moves.append((item, int(row[0]), str(row[1])))
    return moves


def _follow(db: sqlite3.Connection, touched: list[tuple[int, int, int]],
            moves: list[tuple[_Seen, int, str]]) -> None:
    """Record new mtimes and moved or copied photos, in one short transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany("UPDATE images SET size = ?, mtime_ns = ? WHERE id = ?", touched)
        for item, image_id, old in moves:
            place = (item.key, str(Path(item.key).parent), Path(item.key).name, item.size,
                     item.mtime_ns)
            if Path(old).exists():
                _copy(db, image_id, place)
                log.info("library: %s is a copy of %s; captions copied", item.path, old)
            else:
                db.execute("UPDATE images SET path = ?, folder = ?, file_name = ?, size = ?, "
                           "mtime_ns = ? WHERE id = ?", (*place, image_id))
                log.info("library: %s was moved to %s; captions follow", old, item.path)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _copy(db: sqlite3.Connection, image_id: int, place: tuple[Any, ...]) -> None:
    cursor = db.execute(
        "INSERT INTO images (path, folder, file_name, size, mtime_ns, fingerprint, added_at) "
        "SELECT ?, ?, ?, ?, ?, fingerprint, added_at FROM images WHERE id = ?",
        (*place, image_id),
    )
    db.execute(
        "INSERT INTO captions (image_id, lang, model_text, score, model_name, model_hash, "
        "captioned_at, person_text, edited, reviewed, reviewed_at, trust, flags, visible_text, "
        "person_visible_text) "
        "SELECT ?, lang, model_text, score, model_name, model_hash, captioned_at, person_text, "
        "edited, reviewed, reviewed_at, trust, flags, visible_text, person_visible_text "
        "FROM captions WHERE image_id = ?",
        (cursor.lastrowid, image_id),
    )
