"""Evidence that an export left the user's files alone: byte hashes, and exiftool's reading.

Shared by the export, command-line and window tests of "an export never changes what the
user did not ask to change" (issue 17, item 9).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest


def sha256_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file below ``folder``, keyed by its path relative to ``folder``."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def exiftool_alt_text(paths: list[Path]) -> list[str | None]:
    """IPTC "Alt Text (Accessibility)" of each file as exiftool (not capdesk) reads it."""
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    out = subprocess.run(
        [exe, "-json", "-charset", "UTF8", "-G1", "-XMP-iptcCore:AltTextAccessibility",
         *map(str, paths)],
        check=True, capture_output=True,
    ).stdout
    rows = {row["SourceFile"]: row for row in json.loads(out.decode("utf-8"))}
    return [rows[str(p)].get("XMP-iptcCore:AltTextAccessibility") for p in paths]
