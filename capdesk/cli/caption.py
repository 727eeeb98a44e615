"""``capdesk caption``: caption files and folders, one output row per image."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from capdesk.cli.progress import Progress
from capdesk.domain import CaptionResult
from capdesk.engine import PROVIDER_CHOICES, Captioner
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


def result_row(result: CaptionResult) -> dict[str, Any]:
    if result.caption is None:
        return {"path": str(result.path), "error": result.error}
    return {
        "path": str(result.path),
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


def run(args: argparse.Namespace) -> int:
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
            writer.write(result_row(result))
            progress.advance(result.ok)
            if result.ok:
                captioned += 1
            else:
                progress.message(f"capdesk: {result.path}: {result.error}")
        progress.close()
    return 0 if captioned else 1


def _caption(captioner: Captioner, paths: list[Path], args: argparse.Namespace
             ) -> Iterator[CaptionResult]:
    return captioner.caption_paths(paths, beam_size=args.beam, batch_size=max(1, args.batch))
