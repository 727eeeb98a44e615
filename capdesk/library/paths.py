"""Where the library lives, how an image is named in it, and its content fingerprint."""

from __future__ import annotations

import hashlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ORGANIZATION = "capdesk"
APPLICATION = "capdesk"
"""Mirror ``QCoreApplication.setOrganizationName`` / ``setApplicationName`` in
``capdesk.ui.app``: Qt's ``AppDataLocation`` is ``<data folder>/<organization>/<application>``,
and the command line must find the very file the app uses without importing Qt."""

FILE_NAME = "library.sqlite3"
ENVIRONMENT = "CAPDESK_LIBRARY"

CHUNK = 64 * 1024
"""Bytes read from each of the start, middle and end of a file for its fingerprint."""


def data_folder() -> Path:
    """The folder ``QStandardPaths.AppDataLocation`` gives the app, computed without Qt.

    Linux and other Unixes: ``$XDG_DATA_HOME`` (when absolute) else ``~/.local/share``;
    Windows: ``%APPDATA%`` (Roaming); macOS: ``~/Library/Application Support``; each
    followed by ``<organization>/<application>``.
    """
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / ORGANIZATION / APPLICATION


def default_library_path() -> Path:
    """``$CAPDESK_LIBRARY`` when set, else ``library.sqlite3`` in :func:`data_folder`."""
    chosen = os.environ.get(ENVIRONMENT, "")
    return Path(chosen).expanduser() if chosen else data_folder() / FILE_NAME


def path_key(path: Path | str) -> str:
    """The text an image is stored under: its absolute, normalised path.

    Not resolved (a photo reached through a symlinked folder keeps the name the person
    used). A name that is not valid UTF-8 (SQLite text must be) gets ``\\xNN`` escapes,
    the same text the CSV/JSONL rows show, so the key is stable from run to run.
    """
    absolute = os.path.abspath(path)  # noqa: PTH100 - resolve() would follow symlinks
    return os.fsencode(absolute).decode("utf-8", errors="backslashreplace")


def fingerprint(path: Path, size: int | None = None) -> str:
    """A content fingerprint that costs at most 192 KiB of reading however big the file.

    blake2b (16-byte digest) of the size as 8 little-endian bytes, then the first, middle
    and last 64 KiB (the whole file when it is shorter than 192 KiB). Two different photos
    of the same size that agree in all three windows would collide; camera files differ in
    their first 64 KiB (EXIF time, thumbnail) already, so a rename or move is recognised
    and an edit of the pixels or metadata is not mistaken for the old photo. Raises OSError.
    """
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        length = os.fstat(handle.fileno()).st_size if size is None else size
        digest.update(length.to_bytes(8, "little"))
        if length <= 3 * CHUNK:
            digest.update(handle.read())
        else:
            for offset in (0, (length - CHUNK) // 2, length - CHUNK):
                handle.seek(offset)
                digest.update(handle.read(CHUNK))
    return digest.hexdigest()


def utc_now() -> str:
    """Now as UTC ISO-8601 with seconds and a ``+00:00`` offset (what every column holds)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
