"""``capdesk caption``: caption files and folders, one output row per image."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from capdesk.cli.progress import Progress
from capdesk.domain import CaptionRecord, CaptionResult
from capdesk.engine import PROVIDER_CHOICES, Captioner
from capdesk.export import ExportFormat, ExportOptions, export_records
from capdesk.imaging import expand_paths

log = logging.getLogger(__name__)

CSV_COLUMNS = ("path", "caption", "score", "provider", "milliseconds", "error")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "caption",
        help="caption image files and folders",
        description="Caption images. Folders expand to the image files in them. Writes JSON "
        "Lines to stdout unless --jsonl or --csv names a file. Exit status 1 only when no "
        "image could be captioned.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("-r", "--recursive", action="store_true", help="descend into subfolders")
    add_model_options(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--jsonl", type=Path, metavar="FILE", help="write JSON Lines here")
    output.add_argument("--csv", type=Path, metavar="FILE", help="write CSV here")
    parser.add_argument("--batch", type=int, default=8, help="images per model call (default 8)")
    files = parser.add_argument_group("writing captions to the images")
    files.add_argument("--write-alt-text", action="store_true",
                       help="store each caption as IPTC alt text and dc:description in the image "
                       "(needs --in-place or --out)")
    where = files.add_mutually_exclusive_group()
    where.add_argument("--in-place", action="store_true",
                       help="modify the original files (atomically, pixels untouched)")
    where.add_argument("--out", type=Path, metavar="DIR",
                       help="write copies carrying the alt text (and sidecars) into DIR")
    files.add_argument("--sidecar", choices=("txt", "caption"),
                       help="write the caption to a text file beside each image (or in --out)")
    files.add_argument("--skip-existing", action="store_true",
                       help="leave images that already have alt text alone")
    parser.set_defaults(run=run)


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="model folder (default: the bundled models/default)")
    parser.add_argument("--beam", type=int, default=None, metavar="N",
                        help="beam size (default: the model's, usually 3)")
    parser.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto",
                        help="execution provider (default auto: CUDA when it loads, else CPU)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="ONNX Runtime threads (default: all cores)")


def path_text(path: Path) -> str:
    """A printable path even when the file name is not valid UTF-8 (bytes become \\xNN)."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def result_row(result: CaptionResult) -> dict[str, Any]:
    if result.caption is None:
        return {"path": path_text(result.path), "error": result.error}
    return {
        "path": path_text(result.path),
        "caption": result.caption.text,
        "score": round(result.caption.score, 4),
        "provider": result.provider,
        "milliseconds": round(result.milliseconds, 1),
    }


class _Writer:
    def __init__(self, stream: TextIO, as_csv: bool) -> None:
        self.stream = stream
        self.csv = csv.DictWriter(stream, CSV_COLUMNS, lineterminator="\r\n") if as_csv else None
        if self.csv:
            self.csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.csv:
            self.csv.writerow(row)
        else:
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.stream.flush()


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
    )
    options.validate()
    return options


def run(args: argparse.Namespace) -> int:
    exports = export_options(args)
    paths = list(expand_paths(args.paths, recursive=args.recursive))
    if not paths:
        log.error("no image files found in %s", " ".join(str(p) for p in args.paths))
        return 1
    captioned = 0
    with ExitStack() as stack:
        captioner = stack.enter_context(
            Captioner(args.model, provider=args.provider, threads=args.threads)
        )
        log.info("model %s on %s", captioner.model_name, captioner.provider)
        target = args.jsonl or args.csv
        stream: TextIO = (
            stack.enter_context(target.open("w", encoding="utf-8", newline=""))
            if target else sys.stdout
        )
        writer = _Writer(stream, as_csv=args.csv is not None)
        progress = Progress(len(paths))
        for result in _caption(captioner, paths, args):
            row = result_row(result)
            if exports is not None and result.caption is not None:
                row.update(_export(result, captioner.model_name, exports, progress))
            writer.write(row)
            progress.advance(result.ok)
            if result.ok:
                captioned += 1
            else:
                progress.message(f"capdesk: {path_text(result.path)}: {result.error}")
        progress.close()
    return 0 if captioned else 1


def _export(result: CaptionResult, model: str, options: ExportOptions,
            progress: Progress) -> dict[str, Any]:
    """Write this image's alt text / sidecar now, so an interrupted run keeps what is done."""
    assert result.caption is not None
    record = CaptionRecord(result.path, result.caption.text, score=result.caption.score,
                           model=model, captioned_at=datetime.now(UTC))
    outcome = export_records([record], options).outcomes[0]
    if outcome.errors:
        message = "; ".join(outcome.errors)
        progress.message(f"capdesk: {path_text(result.path)}: not written: {message}")
        return {"export_error": message}
    return {"written": [path_text(p) for p in outcome.written], "export": str(outcome.status)}


def _caption(captioner: Captioner, paths: list[Path], args: argparse.Namespace
             ) -> Iterator[CaptionResult]:
    return captioner.caption_paths(paths, beam_size=args.beam, batch_size=max(1, args.batch))
