"""``--resume``: carry on a JSON Lines file a stopped run left, each photo exactly once.

The file is appended to, never rewritten: ``--resume`` is the explicit request to add to
an existing output (without it or ``--replace`` capdesk refuses, as everywhere). A run
killed mid-write can leave a last line without its newline; that row is incomplete, so it
is cut off (its photo is captioned again) before anything is appended. Any other line that
is not a capdesk row stops the run: it is not our file to change.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class ResumeError(ValueError):
    """The existing output cannot be resumed (not capdesk JSON Lines)."""


def done_paths(table: Path) -> set[str]:
    """The ``path`` of every complete row in ``table`` (after cutting a torn last line)."""
    if not table.exists():
        return set()
    data = table.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        log.warning("%s: dropping an incomplete last row (%d bytes) left by a stopped run",
                    table, len(data) - end)
        with table.open("r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())
    done: set[str] = set()
    for number, line in enumerate(data[:end].decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            done.add(str(row["path"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ResumeError(f"{table} line {number} is not a capdesk row; "
                              "name another file or use --replace") from exc
    return done
