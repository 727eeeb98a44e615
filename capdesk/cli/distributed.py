"""``capdesk caption --workers N`` / ``--cluster ADDR``: the same rows, captioned elsewhere.

The thin command-line side of :mod:`capdesk.cluster`: it checks the outputs with the same
rules as an in-process run, writes every row through the same writer (one per format),
records captions in the library before their row is written, and writes alt text and
sidecars here, in the parent, so they land exactly where an in-process run puts them
(the parent must reach the photos for that). ``--resume`` appends to an existing
``--jsonl`` file and skips the photos it already has (capdesk.cluster.resume).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from capdesk.cli.library import open_library
from capdesk.cli.progress import Progress
from capdesk.cli.rows import manifest_hash, write_row
from capdesk.cluster.dask_backend import DaskMissing, check_available
from capdesk.cluster.resume import ResumeError, done_paths
from capdesk.cluster.runner import DEFAULT_TASK_SIZE, distributed_rows
from capdesk.cluster.work import WorkSettings
from capdesk.domain import CaptionRecord, usable_cpu_count
from capdesk.engine import ModelError, load_spec
from capdesk.export import (
    CsvWriter,
    ExportOptions,
    JsonlWriter,
    onto_photos,
    path_text,
    plan_export,
)
from capdesk.imaging import expand_paths
from capdesk.library import LibraryError

log = logging.getLogger(__name__)

EXIT_REFUSED = 2


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
                       help="with --workers/--cluster and --jsonl: append to the existing "
                       "file, skipping the photos it already has (a torn last row is cut)")


def wants_distributed(args: argparse.Namespace) -> bool:
    return bool(args.workers or args.cluster or args.resume)


def _resume_refusal(args: argparse.Namespace) -> str | None:
    if args.resume and (args.jsonl is None or args.replace):
        return "--resume needs --jsonl FILE (and no --replace): it appends to that file"
    if args.resume and not (args.workers or args.cluster):
        return "--resume is for --workers N or --cluster runs"
    return None


def _refusal(paths: list[Path], args: argparse.Namespace,
             exports: ExportOptions | None) -> str | None:
    """The in-process run's rules, plus: --resume appends to --jsonl only."""
    table = args.jsonl or args.csv
    problem = _resume_refusal(args)
    if problem is None and table is not None:
        if onto_photos([table], paths):
            problem = f"{table} is one of the photos being captioned; name another output file"
        elif table.exists() and not (args.replace or args.resume):
            problem = (f"{table} already exists; add --resume to carry on, --replace to "
                       "overwrite it, or name another file")
    if problem is not None or exports is None:
        return problem
    plan = plan_export([CaptionRecord(path, "") for path in paths], exports)
    message = plan.refusal() or plan.clash_message()
    if message:
        return message
    if plan.existing and not args.replace:
        return f"{plan.existing_message()} Add --replace to overwrite them, or use another --out."
    return None


def run_distributed(args: argparse.Namespace, exports: ExportOptions | None) -> int:
    paths = list(expand_paths(args.paths, recursive=args.recursive))
    if not paths:
        log.error("no image files found in %s", " ".join(str(p) for p in args.paths))
        return 1
    problem = _refusal(paths, args, exports)
    try:
        done = done_paths(args.jsonl) if args.resume and problem is None else set()
        spec = load_spec(args.model)
        if args.cluster:
            check_available()
    except (ResumeError, ModelError, DaskMissing) as exc:
        problem = str(exc)
    if problem:
        log.error("%s", problem)
        return EXIT_REFUSED
    workers = args.workers or 2
    # Local processes share this machine's cores; a remote worker's cores are its own
    # (ONNX Runtime's default: all of them; --threads when several workers share a host).
    remote = args.cluster not in (None, "local")
    threads = args.threads or (None if remote else max(1, usable_cpu_count() // workers))
    settings = WorkSettings(model_dir=str(spec.directory.resolve()), provider=args.provider,
                            threads=threads, beam=args.beam, batch=max(1, args.batch))
    model_hash = manifest_hash(spec.directory)
    with ExitStack() as stack:
        try:
            library = (stack.enter_context(open_library(args.library))
                       if args.library is not None else None)
            todo = [p for p in paths if path_text(p) not in done]
            known = library.lookup(todo) if library and not args.recaption else {}
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_REFUSED
        target = args.jsonl or args.csv
        mode = "a" if args.resume else "w" if args.replace else "x"
        stream: TextIO = (stack.enter_context(target.open(mode, encoding="utf-8", newline=""))
                          if target else sys.stdout)
        writer = CsvWriter(stream) if args.csv is not None else JsonlWriter(stream)
        if done:
            log.info("%s already has %d of these photos; not captioned again", target,
                     len(paths) - len(todo))
        todo = [p for p in todo if p not in known]
        progress = Progress(len(todo))
        report = _LogProgress(len(todo))
        captioned = 0
        try:
            for path in paths:
                if path in known:
                    write_row(known[path].to_record(), exports, progress, writer, library)
            if known:
                progress.message(f"capdesk: {len(known)} photos already in the library "
                                 f"{library.path if library else ''}, not captioned again")
            for rows in distributed_rows(todo, settings, workers=args.workers,
                                         cluster=args.cluster, task_size=args.task_size):
                for record in rows:
                    ok = record.error is None
                    if library is not None and ok:
                        library.record_caption(record.path, record.caption,
                                               score=record.score, model_name=record.model,
                                               model_hash=model_hash,
                                               captioned_at=record.captioned_at,
                                               trust=record.trust,
                                               flags=[f.code for f in record.flags],
                                               visible_text=record.visible_text)
                    write_row(record, exports, progress, writer, library)
                    progress.advance(ok)
                    report.tick(progress)
                    captioned += ok
                    if not ok:
                        progress.message(f"capdesk: {path_text(record.path)}: {record.error}")
        except (LibraryError, DaskMissing) as exc:
            progress.message(f"capdesk: {exc}")
            return EXIT_REFUSED
        progress.close()
    return 0 if captioned or known or done else 1


class _LogProgress:
    """A progress line with ETA every :attr:`EVERY` seconds when stderr is not a terminal.

    Why: cluster runs live in logs (a batch job, nohup) where the redrawn bar is silent.
    """

    EVERY = 30.0

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = self.last = time.monotonic()
        self.enabled = not sys.stderr.isatty()

    def tick(self, progress: Progress) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or now - self.last < self.EVERY:
            return
        self.last = now
        rate = self.done / (now - self.started)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        progress.message(f"capdesk: {self.done}/{self.total} images, {rate:.1f}/s, "
                         f"ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:"
                         f"{int(left % 60):02d}")


