"""``--cluster local`` / ``--cluster tcp://host:8786``: batches on a Dask cluster.

Each worker loads the model once, in :class:`CaptionerPlugin` (a ``WorkerPlugin``), from
the model folder path it is given: that folder must be readable at the same path on every
worker (shared storage, or copied there first; docs/SCALING.md), as must the photos,
which are read inside the tasks. Tasks carry hundreds of paths (the scheduler costs about
a millisecond per task), at most a window of them is submitted at a time (no graph of a
million tasks) and results come back through ``as_completed`` as they finish. Dask
reschedules the tasks of a worker that died; a task that outlives
``distributed.scheduler.allowed-failures`` workers becomes error rows.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from typing import Any

from capdesk.cluster.work import WorkSettings, caption_records, failed_records
from capdesk.domain import CaptionRecord

log = logging.getLogger(__name__)

PLUGIN_NAME = "capdesk-captioner"
Done = tuple[int, list[CaptionRecord]]


class DaskMissing(RuntimeError):
    """dask.distributed is not installed (``pip install "capdesk[cluster]"``)."""


def _distributed() -> Any:
    try:
        import distributed  # noqa: PLC0415 - optional extra, only for --cluster
    except ImportError as exc:
        raise DaskMissing("--cluster needs dask.distributed: pip install "
                          "\"dask[distributed]\" (the capdesk[cluster] extra)") from exc
    return distributed


def check_available() -> None:
    """Raise :class:`DaskMissing` now, before any output file is created."""
    _distributed()


def make_plugin(settings: WorkSettings) -> Any:
    """A WorkerPlugin that builds this worker's Captioner once, at worker start."""
    distributed = _distributed()

    class CaptionerPlugin(distributed.WorkerPlugin):  # type: ignore[name-defined]
        name = PLUGIN_NAME

        def __init__(self, settings: WorkSettings) -> None:
            self.settings = settings
            self.captioner: Any = None
            self.lock: Any = None

        def setup(self, worker: Any) -> None:
            # A Captioner serves one thread at a time; a worker started with --nthreads > 1
            # runs its tasks one after another (start more worker processes instead).
            self.lock = threading.Lock()
            self.captioner = self.settings.captioner()

        def teardown(self, worker: Any) -> None:
            if self.captioner is not None:
                self.captioner.close()

    return CaptionerPlugin(settings)


def dask_batch(index: int, paths: list[str]) -> Done:
    """A Dask task: caption ``paths`` with the captioner the plugin loaded on this worker."""
    worker = _distributed().get_worker()
    plugin = worker.plugins[PLUGIN_NAME]
    with plugin.lock:
        return index, caption_records(plugin.captioner, paths, plugin.settings)


def _threads(client: Any) -> int:
    """Worker threads the scheduler knows now: the window is twice that."""
    return int(sum(client.nthreads().values()))


def run_dask(batches: Sequence[list[str]], settings: WorkSettings, address: str,
             workers: int | None, window: int | None = None, client: Any = None
             ) -> Iterator[Done]:
    """Yield ``(batch index, rows)`` in completion order, each batch exactly once.

    ``client``: an open ``distributed.Client`` to use instead of ``address`` (the
    benchmark times several runs on one cluster).
    """
    distributed = _distributed()
    # Dask logs every worker start and stop at INFO; capdesk's stderr is for the person.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    with ExitStack() as stack:
        if client is None and address == "local":
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers or 2, threads_per_worker=1, processes=True,
                dashboard_address=None))
            client = stack.enter_context(distributed.Client(cluster))
        elif client is None:
            client = stack.enter_context(distributed.Client(address))
        client.register_plugin(make_plugin(settings), name=PLUGIN_NAME)
        limit = window or 2 * max(_threads(client), 1)
        log.info("dask: %d worker threads at %s, %d batches", _threads(client),
                 client.scheduler.address, len(batches))
        waiting = deque(range(len(batches)))
        run = uuid.uuid4().hex[:12]  # keys unique per run on a shared scheduler
        stream = distributed.as_completed()
        tasks: dict[Any, int] = {}

        def submit() -> None:
            index = waiting.popleft()
            # pure=False: every batch is its own task, never merged with an equal-looking one
            future = client.submit(dask_batch, index, batches[index], pure=False,
                                   key=f"capdesk-{run}-{index}")
            tasks[future] = index
            stream.add(future)

        while waiting and len(tasks) < limit:
            submit()
        for finished, future in enumerate(stream, 1):
            index = tasks.pop(future)
            try:
                yield future.result()
            except distributed.KilledWorker as exc:
                log.warning("batch %d lost too many workers: %s", index, exc)
                yield index, failed_records(batches[index], "the workers captioning this "
                                            "photo kept dying")
            future.release()
            if window is None and finished % 16 == 0:  # workers come and go (adapt, SLURM)
                limit = 2 * max(_threads(client), 1)
            while waiting and len(tasks) < limit:
                submit()
