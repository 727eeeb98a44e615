"""Writing captions out. One function, so the window doesn't care which exporter runs.

Until ``capdesk.export`` offers its batch entry point this writes a plain CSV of path
and caption; switching later only touches this module.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from pathlib import Path

from capdesk.domain import CaptionRecord

log = logging.getLogger(__name__)


def write_csv(records: Sequence[CaptionRecord], destination: Path) -> Path:
    """Write ``path,caption,edited,score`` rows (UTF-8, header first); returns the file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + ".part")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "caption", "edited", "score"])
        for record in records:
            score = "" if record.score is None else f"{record.score:.4f}"
            writer.writerow([str(record.path), record.caption, int(record.edited), score])
    temporary.replace(destination)  # never leave a half-written file under the real name
    log.info("exported %d captions to %s", len(records), destination)
    return destination


def export_records(records: Sequence[CaptionRecord], destination: Path) -> Path:
    """Export captions to ``destination``; returns what was written."""
    return write_csv(records, destination)
