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
from capdesk.domain.languages import LanguageError
from capdesk.engine import Captioner
from capdesk.engine.evaluation import caption_names, evaluate, read_split, score_reference_sets
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
    parser.add_argument("--lang", default=None, metavar="CODE",
                        help="decode with this language's decoder (en, zh, de, ar; default: the "
                        "model's English) and score with its tokenisation: Chinese at word "
                        "(jieba) and character level, German lower-cased with METEOR -l de, "
                        "Arabic normalised (no METEOR for zh/ar)")
    parser.add_argument("--more-captions", type=Path, nargs="+", default=[], metavar="TSV",
                        help="further reference sets, each scored separately (e.g. "
                        "captions.zh-translated-test.tsv)")
    parser.add_argument("--images-with", type=Path, default=None, metavar="TSV",
                        help="only images that also have captions in this TSV (e.g. the "
                        "German photos, for an English baseline on the same photos)")
    parser.add_argument("--refs-per-image", type=int, default=None, metavar="N",
                        help="score against the first N references of each image only")
    parser.add_argument("--no-meteor", action="store_true", help="skip METEOR (no Java)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--save-captions", type=Path, default=None, metavar="FILE",
                        help="also write the generated captions as JSON Lines")
    add_model_options(parser)
    parser.set_defaults(run=run)


def _references(path: Path, args: argparse.Namespace) -> dict[str, list[str]]:
    references = read_references(path, args.split)
    if args.refs_per_image is not None:
        references = {k: v[: args.refs_per_image] for k, v in references.items()}
    if args.images_with is not None:
        keep = set(read_references(args.images_with, args.split))
        references = {k: v for k, v in references.items() if k in keep}
    return references


def run(args: argparse.Namespace) -> int:
    if args.lang not in (None, "en"):
        return run_language(args)
    references = _references(args.captions, args)
    names = _chosen_images(references, args)
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
                              batch_size=args.batch, on_image=on_image,
                              meteor=not args.no_meteor)
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


def _chosen_images(references: dict[str, list[str]], args: argparse.Namespace) -> list[str]:
    """The images to score: with a split, its own order (the first N of a split stay the
    first N), else by name; at most ``--limit``."""
    names = ([n for n in read_split(args.split) if n in references] if args.split
             else sorted(references))
    return names if args.limit is None else names[: args.limit]


def run_language(args: argparse.Namespace) -> int:
    """``capdesk eval --lang zh|de|ar``: one decode, every reference set and tokenisation."""
    lang = str(args.lang)
    main = _references(args.captions, args)
    sets = {args.captions.name: main}
    for path in args.more_captions:
        sets[path.name] = _references(path, args)
    names = _chosen_images(main, args)
    if not names:
        log.error("no images to evaluate (check --captions and --split)")
        return 1
    started = time.perf_counter()
    try:
        with Captioner(args.model, provider=args.provider, threads=args.threads,
                       languages=[lang]) as captioner:
            beam = args.beam or captioner.spec.decoder(lang).beam_size
            progress = Progress(len(names))

            def on_image(name: str, error: str | None) -> None:
                progress.advance(error is None)
                if error is not None:
                    progress.message(f"capdesk: {args.images / name}: {error}")

            result = caption_names(captioner, args.images, names, beams=[beam],
                                   batch_size=args.batch, on_image=on_image, language=lang)
            progress.close()
            model_name, provider = captioner.model_name, captioner.provider
        kinds: tuple[str | None, ...] = ("words", "characters") if lang == "zh" else (None,)
        scores = score_reference_sets(result.captions[beam], sets, lang, token_kinds=kinds,
                                      meteor=not args.no_meteor)
    except (ScoringUnavailable, LanguageError) as exc:
        log.error("%s", exc)
        return 2
    candidates = result.captions[beam]
    if args.save_captions:
        with args.save_captions.open("w", encoding="utf-8") as out:
            for name, text in candidates.items():
                out.write(json.dumps({"image": name, "caption": text}, ensure_ascii=False) + "\n")
    first = scores[args.captions.name]
    report: dict[str, Any] = {k: round(v, 4) for k, v in next(iter(first.values())).items()}
    report.update(
        lang=lang,
        scores={s: {k: {m: round(v, 4) for m, v in d.items()} for k, d in per.items()}
                for s, per in scores.items()},
        meteor="METEOR" in next(iter(first.values())),
        n_images=len(candidates),
        failed=len(result.failures),
        seconds=round(time.perf_counter() - started, 2),
        beam=beam,
        model=model_name,
        provider=provider,
    )
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0
