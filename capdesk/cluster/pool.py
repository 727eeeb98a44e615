"""``--workers N``: N local processes, each with its own ONNX Runtime session.

Why processes: on a many-core machine the limit is decoding and the Python search loop,
which one process cannot spread over cores. Tasks are batches of paths; at most
``2 × N`` are submitted at a time, so memory stays flat for any number of photos. A
worker killed mid-run breaks the whole pool (``BrokenProcessPool``): the batches that had
not come back are resubmitted to a fresh pool, and a batch that was in flight through
:data:`MAX_ATTEMPTS` broken pools gets error rows instead of looping forever.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from capdesk.cluster.work import WorkSettings, failed_records, init_process, process_batch
from capdesk.domain import CaptionRecord

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""Broken pools a batch may be in flight for before its rows report the failure."""

Done = tuple[int, list[CaptionRecord]]


def run_pool(batches: Sequence[list[str]], settings: WorkSettings, workers: int,
             window: int | None = None) -> Iterator[Done]:
    """Yield ``(batch index, rows)`` in completion order, each batch exactly once."""
    limit = window or 2 * workers
    waiting: deque[int] = deque(range(len(batches)))
    attempts = [0] * len(batches)
    context = multiprocessing.get_context("spawn")
    while waiting:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=init_process, initargs=(settings,))
        running: dict[Future[Done], int] = {}
        broken = False
        try:
            while (waiting or running) and not broken:
                while waiting and len(running) < limit:
                    index = waiting.popleft()
                    running[pool.submit(process_batch, index, batches[index])] = index
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = running.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        running[future] = index  # retried below with the rest
        finally:
            pool.shutdown(wait=not broken, cancel_futures=True)
        if broken:
            retry = sorted(running.values())
            log.warning("a worker process died; retrying %d batches in a fresh pool",
                        len(retry))
            for index in reversed(retry):
                attempts[index] += 1
                if attempts[index] >= MAX_ATTEMPTS:
                    yield index, failed_records(batches[index], "the worker process "
                                                "captioning this photo kept dying")
                else:
                    waiting.appendleft(index)
