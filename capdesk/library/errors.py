"""What can go wrong with the library file, in words a person can act on."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class LibraryError(Exception):
    """The library cannot be used as asked; the message says why and what to do."""


class LibraryCorrupted(LibraryError):
    """The file was damaged: it was moved to :attr:`kept_at` and a new library started.

    Opening the same path again gives the fresh, empty library; the damaged file is never
    deleted, so it can still be inspected or repaired (``sqlite3 FILE .recover``).
    """

    def __init__(self, message: str, kept_at: Path) -> None:
        super().__init__(message)
        self.kept_at = kept_at


def is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def explain(path: Path, exc: BaseException) -> str:
    """A sentence for an error SQLite or the file system raised about the library file."""
    text = str(exc)
    lower = text.lower()
    if "disk is full" in lower or getattr(exc, "errno", None) == 28:
        return (f"The caption library {path} cannot be written: the disk is full. Free some "
                "space; everything saved before is still in the library.")
    read_only = "unable to open" in lower and not os.access(path.parent, os.W_OK)
    if read_only or "readonly" in lower or "read-only" in lower or (
            getattr(exc, "errno", None) in (13, 30)):
        return (f"The caption library {path} is on a read-only disk or folder. Choose another "
                "file with --library PATH (or in Settings).")
    if "unable to open" in lower:
        return (f"The caption library {path} cannot be opened ({text}): check that its folder "
                "exists and can be written, or choose another file with --library PATH.")
    if "locked" in lower or "busy" in lower:
        return (f"The caption library {path} stayed locked by another capdesk for too long "
                f"({text}); try again when the other run has finished.")
    return f"The caption library {path} could not be used: {text}"
