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
from capdesk.engine.scoring import ScoringUnavailable, read_references, score_captions

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
    names = sorted(references)
    if args.limit is not None:
        names = names[: args.limit]
    if not names:
        log.error("no images to evaluate (check --captions and --split)")
        return 1
    started = time.perf_counter()
    candidates: dict[str, str] = {}
    failures = 0
    with Captioner(args.model, provider=args.provider, threads=args.threads) as captioner:
        progress = Progress(len(names))
        paths = [args.images / name for name in names]
        for result in captioner.caption_paths(paths, beam_size=args.beam, batch_size=args.batch):
            progress.advance(result.ok)
            if result.caption is None:
                failures += 1
                progress.message(f"capdesk: {result.path}: {result.error}")
                continue
            candidates[result.path.name] = " ".join(result.caption.words)
        progress.close()
        model_name, provider = captioner.model_name, captioner.provider
        beam = args.beam or captioner.spec.beam_size
    if args.save_captions:
        with args.save_captions.open("w", encoding="utf-8") as out:
            for name, text in candidates.items():
                out.write(json.dumps({"image": name, "caption": text}) + "\n")
    try:
        scores = score_captions(references, candidates)
    except ScoringUnavailable as exc:
        log.error("%s", exc)
        return 2
    report: dict[str, Any] = {k: round(v, 4) for k, v in scores.items()}
    report.update(
        n_images=len(candidates),
        failed=failures,
        seconds=round(time.perf_counter() - started, 2),
        beam=beam,
        model=model_name,
        provider=provider,
    )
    sys.stdout.write(json.dumps(report) + "\n")
    return 0
