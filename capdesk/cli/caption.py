"""``capdesk caption``: caption files and folders, one output row per image.

Rows are written as each image is captioned (JSON Lines on stdout, or the --csv/--jsonl
file) by the same writers the app's export uses (:mod:`capdesk.export.tables`), so both
give the same fields. Nothing that exists is replaced without ``--replace``, and copies
(``--out``) are never written over the photos being captioned: both are checked before
the model is even loaded.

With ``--library`` every caption is committed to the caption library before its row is
written (what a row reports is on disk, even after a kill -9), and photos the library
already has captioned and unchanged are not captioned again: their rows come first, from
the library, with ``"provider": "library"`` and ``"milliseconds": null`` (the person's
text when they edited it). ``--recaption`` captions them again.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from capdesk.cli.distributed import add_distributed_options, run_distributed, wants_distributed
from capdesk.cli.library import add_library_option, open_library
from capdesk.cli.progress import Progress
from capdesk.cli.rows import manifest_hash, write_row
from capdesk.domain import CaptionRecord, CaptionResult
from capdesk.domain.decoding import DEFAULT_PROVIDER, PROVIDER_CHOICES, check_beam_size
from capdesk.engine import Captioner
from capdesk.export import (
    CsvWriter,
    ExportFormat,
    ExportOptions,
    JsonlWriter,
    onto_photos,
    path_text,
    plan_export,
    result_record,
)
from capdesk.imaging import expand_paths
from capdesk.library import Library, LibraryError

log = logging.getLogger(__name__)

EXIT_REFUSED = 2
"""Nothing was done: an output exists (no --replace) or would land on an original."""


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "caption",
        help="caption image files and folders",
        description="Caption images. Folders expand to the image files in them. Writes JSON "
        "Lines to stdout unless --jsonl or --csv names a file. Exit status 1 when no image "
        "could be captioned, 2 when nothing was done (a missing model, or an output that "
        "exists without --replace).",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("-r", "--recursive", action="store_true", help="descend into subfolders")
    add_model_options(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--jsonl", type=Path, metavar="FILE", help="write JSON Lines here")
    output.add_argument("--csv", type=Path, metavar="FILE", help="write CSV here")
    parser.add_argument("--batch", type=int, default=8, help="images per model call (default 8)")
    parser.add_argument("--read-text", action="store_true",
                        help="read the text in photos that look like they hold text (documents, "
                        "screens, signs) and add it to the alt text; slow, about 1-2 s per such "
                        "photo (Tesseract / models/ocr)")
    add_library_option(parser)
    parser.add_argument("--replace", action="store_true",
                        help="replace output files that already exist (the --csv/--jsonl file, "
                        "sidecars, copies in --out); without it capdesk refuses and writes "
                        "nothing")
    files = parser.add_argument_group("writing captions to the images")
    files.add_argument("--write-alt-text", action="store_true",
                       help="store each caption (with the read text, see --read-text) as "
                       "IPTC alt text and dc:description in the image, the whole text as IPTC "
                       "Extended Description when it does not fit (needs --in-place or --out)")
    where = files.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true",
                       help="modify the original files (atomically, pixels untouched)")
    where.add_argument("--out", type=Path, metavar="DIR",
                       help="write copies carrying the alt text (and sidecars) into DIR; "
                       "refused when DIR holds the photos themselves")
    files.add_argument("--sidecar", choices=("txt", "caption"),
                       help="write the caption to a text file beside each image (or in --out)")
    files.add_argument("--skip-existing", action="store_true",
                       help="leave images that already have alt text alone")
    add_distributed_options(parser)
    parser.set_defaults(run=run)


def _beam_size(text: str) -> int:
    try:
        return check_beam_size(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="model folder (default: the bundled models/default)")
    parser.add_argument("--beam", type=_beam_size, default=None, metavar="N",
                        help="beam size (default: the model's, usually 3)")
    parser.add_argument("--provider", choices=PROVIDER_CHOICES, default=DEFAULT_PROVIDER,
                        help="execution provider (default auto: CUDA when it loads, else CPU)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="ONNX Runtime threads (default: all cores)")


def export_options(args: argparse.Namespace) -> ExportOptions | None:
    """The per-image exports asked for on the command line, or None."""
    formats = set()
    if args.write_alt_text:
        if not (args.in_place or args.out):
            raise SystemExit("capdesk: --write-alt-text needs --in-place or --out DIR")
        formats.add(ExportFormat.ALT_TEXT)
    if args.sidecar:
        formats.add(ExportFormat.SIDECAR)
    if not formats:
        return None
    options = ExportOptions(
        formats=frozenset(formats),
        output_dir=args.out,
        sidecar_extension=args.sidecar or "txt",
        skip_existing_alt_text=args.skip_existing,
        replace_existing=args.replace,
    )
    options.validate()
    return options


def refusal(paths: list[Path], table: Path | None, exports: ExportOptions | None,
            replace_existing: bool) -> str | None:
    """Why this run must not start, or None: the same rules as the app's export."""
    if table is not None:
        if onto_photos([table], paths):
            return f"{table} is one of the photos being captioned; name another output file"
        if table.exists() and not replace_existing:
            return f"{table} already exists; add --replace to overwrite it, or name another file"
    if exports is None:
        return None
    plan = plan_export([CaptionRecord(path, "") for path in paths], exports)
    message = plan.refusal() or plan.clash_message()
    if message:
        return message
    if plan.existing and not replace_existing:
        return f"{plan.existing_message()} Add --replace to overwrite them, or use another --out."
    return None


def run(args: argparse.Namespace) -> int:
    exports = export_options(args)
    if wants_distributed(args):
        return run_distributed(args, exports)
    paths = list(expand_paths(args.paths, recursive=args.recursive))
    if not paths:
        log.error("no image files found in %s", " ".join(str(p) for p in args.paths))
        return 1
    target = args.jsonl or args.csv
    problem = refusal(paths, target, exports, args.replace)
    if problem:
        log.error("%s", problem)
        return EXIT_REFUSED
    with ExitStack() as stack:
        try:
            library = (stack.enter_context(open_library(args.library))
                       if args.library is not None else None)
            known = library.lookup(paths) if library and not args.recaption else {}
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_REFUSED
        todo = [path for path in paths if path not in known]
        stream: TextIO = (
            # "x" creates the file or fails: nothing is truncated that --replace did not allow.
            stack.enter_context(target.open("w" if args.replace else "x", encoding="utf-8",
                                            newline=""))
            if target else sys.stdout
        )
        writer = CsvWriter(stream) if args.csv is not None else JsonlWriter(stream)
        progress = Progress(len(todo))
        try:
            for path in paths:
                if path in known:
                    write_row(known[path].to_record(), exports, progress, writer, library)
            if known:
                progress.message(f"capdesk: {len(known)} photos already in the library "
                                 f"{library.path if library else ''}, not captioned again")
            captioned = _caption_all(stack, todo, args, exports, progress, writer, library)
        except LibraryError as exc:
            progress.message(f"capdesk: {exc}")
            return EXIT_REFUSED
        progress.close()
    return 0 if captioned or known else 1


def _caption_all(stack: ExitStack, todo: list[Path], args: argparse.Namespace,
                 exports: ExportOptions | None, progress: Progress, writer: CsvWriter |
                 JsonlWriter, library: Library | None) -> int:
    """Caption the photos not in the library (the model is loaded only when there are any)."""
    if not todo:
        return 0
    captioner = stack.enter_context(
        Captioner(args.model, provider=args.provider, threads=args.threads,
                  read_text=bool(getattr(args, "read_text", False)))
    )
    log.info("model %s on %s", captioner.model_name, captioner.provider)
    model_hash = manifest_hash(captioner.spec.directory)
    captioned = 0
    for result in _caption(captioner, todo, args):
        record = result_record(result, captioner.model_name)
        if library is not None and result.caption is not None:
            library.record_caption(result.path, record.caption, score=record.score,
                                   model_name=record.model, model_hash=model_hash,
                                   captioned_at=record.captioned_at, trust=record.trust,
                                   flags=[f.code for f in record.flags],
                                   visible_text=record.visible_text)
        write_row(record, exports, progress, writer, library)
        progress.advance(result.ok)
        if result.ok:
            captioned += 1
        else:
            progress.message(f"capdesk: {path_text(result.path)}: {result.error}")
    return captioned


def _caption(captioner: Captioner, paths: list[Path], args: argparse.Namespace
             ) -> Iterator[CaptionResult]:
    return captioner.caption_paths(paths, beam_size=args.beam, batch_size=max(1, args.batch))
