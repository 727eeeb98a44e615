"""Where ``capdesk caption`` writes, and whether it may: new, ``--replace`` or ``--resume``.

One set of rules for the in-process run and the ``--workers``/``--cluster`` run, checked
before the model is loaded: an existing table is refused unless ``--replace`` (overwrite)
or ``--resume`` (append: carry on what a stopped run wrote, each photo once; the table is
never truncated then, except for a torn last row). Per-photo files (sidecars, copies in
``--out``) that exist are refused without ``--replace``; with ``--resume`` only those of
the photos still to caption count, since the others were written by the stopped run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO, cast

from capdesk.cli.rows import planned_records
from capdesk.domain import Language
from capdesk.export import (
    CsvWriter,
    ExportOptions,
    JsonlWriter,
    Resumed,
    ResumeError,
    cut_torn_row,
    onto_photos,
    path_text,
    plan_export,
    resume_table,
)

Writer = CsvWriter | JsonlWriter


def table_of(args: argparse.Namespace) -> Path | None:
    path: Path | None = args.jsonl or args.csv
    return path


def table_refusal(paths: list[Path], args: argparse.Namespace) -> str | None:
    """Why the table (or ``--resume``) must not be used as asked, or None."""
    table = table_of(args)
    if args.resume and table is None and args.library is None:
        return ("--resume carries on an output a stopped run wrote: give its --jsonl FILE "
                "or --csv FILE (or its --library); rows printed on stdout cannot be resumed")
    if table is None:
        return None
    if onto_photos([table], paths):
        return f"{table} is one of the photos being captioned; name another output file"
    if table.exists() and not (args.replace or args.resume):
        return (f"{table} already exists; add --replace to overwrite it, --resume to carry "
                "on a stopped run, or name another file")
    return None


def resumed(args: argparse.Namespace) -> Resumed:
    """What the table already holds (``--resume``), else nothing; raises ResumeError."""
    table = table_of(args)
    if not args.resume or table is None:
        return Resumed(frozenset(), needs_header=True)
    return resume_table(table, csv_format=args.csv is not None)


def still_to_do(paths: list[Path], done: Resumed) -> list[Path]:
    return [p for p in paths if path_text(p) not in done.done] if done.done else paths


def export_refusal(paths: list[Path], exports: ExportOptions | None,
                   args: argparse.Namespace,
                   languages: Sequence[Language] | None = None) -> str | None:
    """The app's export rules for the per-photo files of ``paths`` (every chosen
    language's sidecar is checked too)."""
    if exports is None or not paths:
        return None
    plan = plan_export(planned_records(paths, languages), exports)
    message = plan.refusal() or plan.clash_message()
    if message:
        return message
    if plan.existing and not args.replace:
        also = " (the --resume table is still appended to)" if args.resume else ""
        return (f"{plan.existing_message()} Add --replace to overwrite them{also}, or use "
                "another --out.")
    return None


def open_writer(stack: ExitStack, args: argparse.Namespace, done: Resumed) -> Writer:
    """The row writer: a new file ("x": never truncates), --replace ("w"), --resume ("a")."""
    table = table_of(args)
    stream: TextIO = sys.stdout
    if table is not None:
        mode = "a" if args.resume else "w" if args.replace else "x"
        if args.resume:
            cut_torn_row(table, done)
        stream = cast(TextIO, stack.enter_context(table.open(mode, encoding="utf-8",
                                                             newline="")))
    if args.csv is not None:
        return CsvWriter(stream, header=done.needs_header)
    return JsonlWriter(stream)


__all__ = ["ResumeError", "Writer", "export_refusal", "open_writer", "resumed",
           "still_to_do", "table_of", "table_refusal"]
