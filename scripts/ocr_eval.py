"""Measure an OCR engine on an ood/ folder: word recall, precision and seconds per image.

Word recall is defined in capdesk/ocr/metrics.py (words of 3+ letters, case-insensitive,
punctuation stripped, multiset match, pooled over the folder). The fit/check split is
docs/ocr_splits.json. Example:

    python scripts/ocr_eval.py /work/shared/data/ood/sroie --split fit --engine tesseract --psm 3
    python scripts/ocr_eval.py DATA/ood/icdar2015 --split check --engine onnx --model-dir models/ocr
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.ocr.metrics import WordScore, score_words
from capdesk.ocr.reader import TextReader
from capdesk.ocr.tesseract import TesseractEngine, TesseractSettings

SPLITS = Path(__file__).resolve().parents[1] / "docs" / "ocr_splits.json"


def truth_texts(record: dict) -> list[str]:
    """Ground-truth texts of one labels.jsonl record (sroie lines, funsd entities, icdar words)."""
    if "lines" in record:
        return [ln["text"] for ln in record["lines"]]
    if "entities" in record:
        return [e["text"] for e in record["entities"]]
    if "words" in record:
        return [w["text"] for w in record["words"] if w["text"] != "###"]
    return []


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract runs as a child).

    Why: the machine is shared, so wall time is inflated by other jobs; CPU time is not.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_engine(args: argparse.Namespace):
    if args.engine == "tesseract":
        return TesseractEngine(TesseractSettings(
            psm=args.psm, oem=args.oem, lang=args.lang, min_long_side=args.min_long_side,
            binarise=args.binarise, min_confidence=args.min_conf,
            remove_rules=args.remove_rules), threads=args.threads)
    return TextReader(args.model_dir, engine=args.engine, threads=args.threads,
                      canvas=args.canvas, onnx_overrides={
                          "min_confidence": args.onnx_min_conf,
                          "contrast_retry": args.contrast_retry})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("folder", type=Path)
    p.add_argument("--split", choices=["fit", "check", "all"], default="fit")
    p.add_argument("--engine", default="tesseract", help="tesseract | onnx | auto")
    p.add_argument("--model-dir", type=Path, default=Path("models/ocr"))
    p.add_argument("--psm", type=int, default=3)
    p.add_argument("--oem", type=int, default=1)
    p.add_argument("--lang", default="eng")
    p.add_argument("--min-long-side", type=int, default=0)
    p.add_argument("--binarise", action="store_true")
    p.add_argument("--min-conf", type=float, default=-1.0)
    p.add_argument("--remove-rules", action="store_true")
    p.add_argument("--canvas", type=int, default=1024)
    p.add_argument("--onnx-min-conf", type=float, default=0.05)
    p.add_argument("--contrast-retry", type=float, default=0.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--dump", type=Path, help="write per-image JSON lines (read text, scores)")
    args = p.parse_args()

    records = [json.loads(line) for line in (args.folder / "labels.jsonl").open()]
    if args.split != "all":
        wanted = set(json.loads(SPLITS.read_text())["folders"][args.folder.name][args.split])
        records = [r for r in records if r["image"] in wanted]
    if args.limit:
        records = records[:args.limit]
    engine = make_engine(args)
    total = WordScore(0, 0, 0)
    seconds = cpu = 0.0
    dump = args.dump.open("w", buffering=1) if args.dump else None
    for r in records:
        rgb = load_rgb(args.folder / r["image"])
        t0 = time.perf_counter()
        c0 = cpu_seconds()
        result = engine.read(rgb)
        dt = time.perf_counter() - t0
        cpu += cpu_seconds() - c0
        seconds += dt
        score = score_words(truth_texts(r), result.text)
        total = total + score
        if dump:
            dump.write(json.dumps({"image": r["image"], "recall": score.recall, "s": dt,
                                   "coverage": result.coverage, "text": result.text}) + "\n")
    n = max(1, len(records))
    name = engine.settings.name() if hasattr(engine, "settings") else engine.describe()
    print(f"{args.folder.name} split={args.split} n={len(records)} engine={name}")
    print(f"  word recall {total.recall:.3f} ({total.found}/{total.truth})  precision "
          f"{total.precision:.3f} ({total.found}/{total.read})  "
          f"s/image {seconds / n:.3f} wall, {cpu / n:.3f} CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
