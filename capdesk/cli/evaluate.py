"""``capdesk eval``: caption a reference set through the shipped pipeline and score it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from capdesk.cli.caption import add_model_options
from capdesk.cli.progress import Progress
from capdesk.engine import Captioner
from capdesk.engine.evaluation import evaluate, read_split
from capdesk.engine.scoring import ScoringUnavailable, read_references

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="score captions against references (BLEU, METEOR, ROUGE-L, CIDEr)",
        description="Caption the images named in a captions TSV with exactly the pipeline "
        "the app uses, then score them with pycocoevalcap (needs Java). Prints one JSON object.",
    )
    parser.add_argument("--images", type=Path, required=True, metavar="DIR")
    parser.add_argument("--captions", type=Path, required=True, metavar="TSV",
                        help="lines image<TAB>anything<TAB>caption, several per image")
    parser.add_argument("--split", type=Path, default=None, metavar="FILE",
                        help="file of image names to keep")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="only the first N images (sorted by name)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--save-captions", type=Path, default=None, metavar="FILE",
                        help="also write the generated captions as JSON Lines")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    references = read_references(args.captions, args.split)
    # With a split, its own order (the first N of a split stay the first N); else by name.
    names = [n for n in read_split(args.split) if n in references] if args.split else sorted(
        references
    )
    if args.limit is not None:
        names = names[: args.limit]
    if not names:
        log.error("no images to evaluate (check --captions and --split)")
        return 1
    started = time.perf_counter()
    with Captioner(args.model, provider=args.provider, threads=args.threads) as captioner:
        beam = args.beam or captioner.spec.beam_size
        progress = Progress(len(names))

        def on_image(name: str, error: str | None) -> None:
            progress.advance(error is None)
            if error is not None:
                progress.message(f"capdesk: {args.images / name}: {error}")

        try:
            result = evaluate(captioner, args.images, references, names, beams=[beam],
                              batch_size=args.batch, on_image=on_image)
        except ScoringUnavailable as exc:
            progress.close()
            log.error("%s", exc)
            return 2
        progress.close()
        model_name, provider = captioner.model_name, captioner.provider
    candidates = result.captions[beam]
    if args.save_captions:
        with args.save_captions.open("w", encoding="utf-8") as out:
            for name, text in candidates.items():
                out.write(json.dumps({"image": name, "caption": text}) + "\n")
    report: dict[str, Any] = {k: round(v, 4) for k, v in result.scores[beam].items()}
    report.update(
        n_images=len(candidates),
        failed=len(result.failures),
        seconds=round(time.perf_counter() - started, 2),
        beam=beam,
        model=model_name,
        provider=provider,
    )
    sys.stdout.write(json.dumps(report) + "\n")
    return 0
