"""``capdesk library``: search, export and count what the caption library holds.

Also the ``--library [PATH]`` option ``capdesk caption`` shares, and the one place the
command line opens a library, so a damaged file is handled the same way everywhere (kept
aside, a fresh library started, a warning on stderr) and other failures stop the command
with the library's own sentence and exit status 2 before any model is loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from capdesk.export import ExportError, path_text, write_csv, write_jsonl
from capdesk.library import KnownCaption, Library, LibraryCorrupted, LibraryError

log = logging.getLogger(__name__)

DEFAULT = Path()
"""``--library`` given without a path: the default library (``$CAPDESK_LIBRARY`` or the
app's data folder)."""

EXIT_FAILED = 2


def add_library_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library", nargs="?", const=DEFAULT, default=None, type=Path, metavar="PATH",
        help="record captions in the caption library and skip photos it already has "
        "captioned and unchanged (PATH: another library file than the app's; put it after "
        "the photos or write --library=PATH)",
    )
    parser.add_argument("--recaption", action="store_true",
                        help="with --library: caption every photo again, even known ones")


def open_library(choice: Path | None) -> Library:
    """The library chosen on the command line; a damaged one is replaced, with a warning.

    Raises :class:`LibraryError` when it cannot be used (read-only, full, newer schema).
    """
    path = None if choice is None or choice == DEFAULT else choice
    try:
        return Library.open(path)
    except LibraryCorrupted as exc:
        log.warning("%s", exc)
        return Library.open(path)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "library", help="search, export and count the caption library",
        description="The caption library the app and `capdesk caption --library` share.",
    )
    parser.add_argument("--library", type=Path, default=None, metavar="PATH",
                        help="library file (default: $CAPDESK_LIBRARY or the app's)")
    commands = parser.add_subparsers(dest="library_command", required=True, metavar="ACTION")
    search = commands.add_parser("search", help="find images by words in captions or names")
    search.add_argument("text", nargs="+", metavar="TEXT")
    search.add_argument("--limit", type=int, default=50, help="most results (default 50)")
    search.add_argument("--json", action="store_true", help="one JSON object per line")
    search.set_defaults(run=_search)
    export = commands.add_parser("export", help="write every captioned image as CSV or JSONL")
    where = export.add_mutually_exclusive_group(required=True)
    where.add_argument("--csv", type=Path, metavar="FILE")
    where.add_argument("--jsonl", type=Path, metavar="FILE")
    export.add_argument("--replace", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(run=_export)
    stats = commands.add_parser("stats", help="counts: images, captioned, edited, reviewed...")
    stats.add_argument("--json", action="store_true", help="a JSON object")
    stats.add_argument("--folders", action="store_true", help="also the counts per folder")
    stats.set_defaults(run=_stats)


def _hit(hit: KnownCaption) -> dict[str, Any]:
    return {
        "path": path_text(hit.path), "file_name": path_text(Path(hit.path.name)),
        "caption": hit.text, "model_caption": hit.model_text, "edited": hit.edited,
        "reviewed": hit.reviewed, "score": hit.score, "model": hit.model_name,
        "time": hit.captioned_at,
    }


def _opened(args: argparse.Namespace) -> Library | None:
    try:
        return open_library(args.library)
    except LibraryError as exc:
        log.error("%s", exc)
        return None


def _search(args: argparse.Namespace) -> int:
    library = _opened(args)
    if library is None:
        return EXIT_FAILED
    with library:
        try:
            hits = library.search(" ".join(args.text), limit=max(1, args.limit))
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_FAILED
    for hit in hits:
        if args.json:
            sys.stdout.write(json.dumps(_hit(hit), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(f"{path_text(hit.path)}\t{hit.text}\n")
    return 0 if hits else 1


def _export(args: argparse.Namespace) -> int:
    target: Path = args.csv or args.jsonl
    if target.exists() and not args.replace:
        log.error("%s already exists; add --replace to overwrite it, or name another file",
                  target)
        return EXIT_FAILED
    library = _opened(args)
    if library is None:
        return EXIT_FAILED
    with library:
        try:
            rows = list(library.iter_rows())
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_FAILED
    try:
        (write_csv if args.csv is not None else write_jsonl)(rows, target)
    except (ExportError, OSError) as exc:
        log.error("could not write %s: %s", target, exc)
        return EXIT_FAILED
    sys.stderr.write(f"{len(rows)} images written to {target}\n")
    return 0


def _stats(args: argparse.Namespace) -> int:
    library = _opened(args)
    if library is None:
        return EXIT_FAILED
    with library:
        try:
            totals = library.stats()
            folders = library.folders() if args.folders else []
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_FAILED
    if args.folders:
        totals["per_folder"] = [vars(f) for f in folders]
    if args.json:
        sys.stdout.write(json.dumps(totals, ensure_ascii=False) + "\n")
        return 0
    for key, value in totals.items():
        if key != "per_folder":
            sys.stdout.write(f"{key}: {value}\n")
    for folder in folders:
        sys.stdout.write(f"{folder.folder}\t{folder.images} images, {folder.captioned} "
                         f"captioned, {folder.edited} edited, {folder.reviewed} reviewed, "
                         f"{folder.exported} exported\n")
    return 0
