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

``--resume`` carries on the --jsonl/--csv file of a stopped run (capdesk.cli.output):
the photos it has are skipped, the rest appended. ``--workers``/``--cluster`` change only
where the rows come from (capdesk.cli.distributed); everything else is this one loop.
The model is loaded only when some photo is left to caption.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from capdesk.cli.distributed import (
    DaskMissing,
    add_distributed_options,
    distributed_records,
    distributed_refusal,
    wants_distributed,
)
from capdesk.cli.library import add_library_option, open_library
from capdesk.cli.output import (
    ResumeError,
    Writer,
    export_refusal,
    open_writer,
    resumed,
    still_to_do,
    table_of,
    table_refusal,
)
from capdesk.cli.progress import LogProgress, Progress
from capdesk.cli.rows import (
    chosen_languages,
    known_records,
    language_codes,
    manifest_hash,
    record_in_library,
    write_row,
)
from capdesk.domain import CaptionRecord, Language, LanguageError
from capdesk.domain.decoding import DEFAULT_PROVIDER, PROVIDER_CHOICES, check_beam_size
from capdesk.engine import Captioner, ModelError
from capdesk.export import ExportFormat, ExportOptions, Resumed, path_text, result_record
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
    add_language_option(parser)
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


def add_language_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", default=None, metavar="CODES",
                        help="languages to caption in, comma-separated, in order: e.g. "
                        "en,zh,de,ar (default: the model's first, English). The first is "
                        "the images' x-default alt text and the row's first language")


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


def run(args: argparse.Namespace) -> int:
    exports = export_options(args)
    paths = list(expand_paths(args.paths, recursive=args.recursive))
    if not paths:
        log.error("no image files found in %s", " ".join(str(p) for p in args.paths))
        return 1
    problem = table_refusal(paths, args) or distributed_refusal(args)
    languages: tuple[Language, ...] | None = None
    if not problem:
        try:
            languages = chosen_languages(args)
        except (ModelError, LanguageError) as exc:
            problem = str(exc)
    args.languages = language_codes(languages)
    done = Resumed(frozenset(), needs_header=True)
    try:
        done = done if problem else resumed(args)
    except ResumeError as exc:
        problem = str(exc)
    todo = still_to_do(paths, done)
    problem = problem or export_refusal(todo, exports, args, languages)
    if problem:
        log.error("%s", problem)
        return EXIT_REFUSED
    with ExitStack() as stack:
        try:
            library = (stack.enter_context(open_library(args.library))
                       if args.library is not None else None)
            known = (known_records(library, todo, languages)
                     if library and not args.recaption else {})
        except LibraryError as exc:
            log.error("%s", exc)
            return EXIT_REFUSED
        rest = [path for path in todo if path not in known]
        try:  # the model is loaded (or the cluster asked for) only when there is work
            source = _source(stack, rest, args) if rest else None
        except DaskMissing as exc:
            log.error("%s", exc)
            return EXIT_REFUSED
        writer = open_writer(stack, args, done)
        progress = Progress(len(rest))
        _say_what_is_done(progress, paths, todo, known, library, args)
        try:
            for path in todo:
                if path in known:
                    write_row(known[path], exports, progress, writer, library)
            captioned = (_caption_all(source, exports, progress, writer, library, args)
                         if source is not None else 0)
        except (LibraryError, DaskMissing) as exc:
            progress.message(f"capdesk: {exc}")
            return EXIT_REFUSED
        progress.close()
    return 0 if captioned or known or len(todo) < len(paths) else 1


def _source(stack: ExitStack, rest: list[Path], args: argparse.Namespace
            ) -> tuple[Iterator[CaptionRecord], str]:
    """The rows of ``rest`` as they are captioned, and the model's manifest hash."""
    if wants_distributed(args):
        return distributed_records(rest, args)
    captioner = stack.enter_context(
        Captioner(args.model, provider=args.provider, threads=args.threads,
                  read_text=bool(getattr(args, "read_text", False)),
                  languages=getattr(args, "languages", None))
    )
    log.info("model %s on %s", captioner.model_name, captioner.provider)
    results = captioner.caption_paths(rest, beam_size=args.beam, batch_size=max(1, args.batch))
    records = (result_record(result, captioner.model_name) for result in results)
    return records, manifest_hash(captioner.spec.directory)


def _say_what_is_done(progress: Progress, paths: list[Path], todo: list[Path],
                      known: dict[Path, Any], library: Library | None,
                      args: argparse.Namespace) -> None:
    """Stderr lines for the photos not captioned now, and "nothing to caption"."""
    if len(todo) < len(paths):
        progress.message(f"capdesk: {table_of(args)} already has {len(paths) - len(todo)} "
                         "of these photos; not captioned again (--resume)")
    if known:
        progress.message(f"capdesk: {len(known)} photos already in the library "
                         f"{library.path if library else ''}, not captioned again")
    if len(known) == len(todo):
        progress.message(f"capdesk: nothing to caption: all {len(paths)} photos are "
                         "done already")


def _caption_all(source: tuple[Iterator[CaptionRecord], str], exports: ExportOptions | None,
                 progress: Progress, writer: Writer, library: Library | None,
                 args: argparse.Namespace) -> int:
    """Record each new caption in the library, then write its row; the captioned count."""
    records, model_hash = source
    report = LogProgress(progress.total or 0) if wants_distributed(args) else None
    captioned = 0
    for record in records:
        ok = record.error is None
        if library is not None and ok:
            record_in_library(library, record, model_hash)
        write_row(record, exports, progress, writer, library)
        progress.advance(ok)
        if report is not None:
            report.tick(progress)
        captioned += ok
        if not ok:
            progress.message(f"capdesk: {path_text(record.path)}: {record.error}")
    return captioned
