"""Rows for many photos from worker processes or a Dask cluster, as they finish.

Why completion order: a batch is written as soon as it is back, so memory holds no
reorder buffer however slow one batch is (a retried batch arrives late). Rows inside a
batch keep their input order; every input path appears exactly once, and ``--resume``
reads the paths back to skip what is done.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

from capdesk.cluster.dask_backend import run_dask
from capdesk.cluster.pool import run_pool
from capdesk.cluster.work import WorkSettings
from capdesk.domain import CaptionRecord

log = logging.getLogger(__name__)

DEFAULT_TASK_SIZE = 128
"""Photos per task: a few seconds of work, so the scheduler's ~1 ms a task is noise."""


def batches_of(paths: Sequence[Path], size: int) -> list[list[str]]:
    """Tasks of ``size`` paths (as text: what travels to workers and back)."""
    size = max(1, size)
    texts = [str(p) for p in paths]
    return [texts[i:i + size] for i in range(0, len(texts), size)]


def distributed_rows(paths: Sequence[Path], settings: WorkSettings, *, workers: int | None,
                     cluster: str | None, task_size: int = DEFAULT_TASK_SIZE
                     ) -> Iterator[list[CaptionRecord]]:
    """Yield each batch's rows as it completes (``cluster``: "local", an address, or None)."""
    batches = batches_of(paths, task_size)
    if not batches:
        return
    if cluster is not None:
        done = run_dask(batches, settings, cluster, workers)
    else:
        done = run_pool(batches, settings, workers or 2)
    seen: set[int] = set()
    for index, rows in done:
        if index in seen:  # never twice, whatever a backend retried
            log.warning("batch %d came back twice; keeping the first", index)
            continue
        seen.add(index)
        yield rows
    missing = len(batches) - len(seen)
    if missing:
        raise RuntimeError(f"{missing} batches never came back")
