"""``capdesk caption --workers N`` / ``--cluster ADDR``: the same rows, captioned elsewhere.

The thin command-line side of :mod:`capdesk.cluster`: only *where* the photos are
captioned changes. Everything else is the in-process run's (:mod:`capdesk.cli.caption`):
the output rules and ``--resume`` (:mod:`capdesk.cli.output`), the one row writer, the
library (each caption committed before its row is written), and alt text and sidecars
written here, in the parent, so they land exactly where an in-process run puts them (the
parent must reach the photos for that). The model description is read, and dask asked
for, only when some photo is left to caption.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from pathlib import Path

from capdesk.cli.rows import manifest_hash
from capdesk.cluster.dask_backend import DaskMissing, check_available
from capdesk.cluster.runner import DEFAULT_TASK_SIZE, distributed_rows
from capdesk.cluster.work import WorkSettings
from capdesk.domain import CaptionRecord, usable_cpu_count
from capdesk.engine import load_spec

log = logging.getLogger(__name__)


def add_distributed_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("many processes or machines (docs/SCALING.md)")
    group.add_argument("--workers", type=int, default=None, metavar="N",
                       help="caption in N local processes (one model each); with --cluster "
                       "local, the number of Dask workers (default 2)")
    group.add_argument("--cluster", default=None, metavar="ADDRESS",
                       help="caption on Dask: 'local' starts a LocalCluster, tcp://host:8786 "
                       "uses a running scheduler (needs capdesk[cluster]; the model folder "
                       "and the photos must be readable at the same paths on the workers)")
    group.add_argument("--task-size", type=int, default=DEFAULT_TASK_SIZE, metavar="N",
                       help=f"photos per task (default {DEFAULT_TASK_SIZE})")
    group.add_argument("--resume", action="store_true",
                       help="carry on a stopped run: append to its --jsonl/--csv file, "
                       "skipping the photos it already has (a torn last row is cut); "
                       "with --library, the photos it has recorded are skipped too")


def wants_distributed(args: argparse.Namespace) -> bool:
    return bool(args.workers or args.cluster)


def distributed_refusal(args: argparse.Namespace) -> str | None:
    """Options that cannot work elsewhere than in this process."""
    if wants_distributed(args) and getattr(args, "read_text", False):
        return "--read-text runs in process only; leave out --workers/--cluster"
    return None


def distributed_records(todo: list[Path], args: argparse.Namespace
                        ) -> tuple[Iterator[CaptionRecord], str]:
    """The rows of ``todo`` from worker processes or Dask, and the model's manifest hash.

    Raises ModelError (no model at ``--model``) or DaskMissing before anything is written.
    """
    spec = load_spec(args.model)
    if args.cluster:
        check_available()
    workers = args.workers or 2
    # Local processes share this machine's cores; a remote worker's cores are its own
    # (ONNX Runtime's default: all of them; --threads when several workers share a host).
    remote = args.cluster not in (None, "local")
    threads = args.threads or (None if remote else max(1, usable_cpu_count() // workers))
    settings = WorkSettings(model_dir=str(spec.directory.resolve()), provider=args.provider,
                            threads=threads, beam=args.beam, batch=max(1, args.batch),
                            languages=getattr(args, "languages", None))

    def records() -> Iterator[CaptionRecord]:
        for rows in distributed_rows(todo, settings, workers=args.workers,
                                     cluster=args.cluster, task_size=args.task_size):
            yield from rows

    return records(), manifest_hash(spec.directory)


__all__ = ["DaskMissing", "add_distributed_options", "distributed_records",
           "distributed_refusal", "wants_distributed"]
