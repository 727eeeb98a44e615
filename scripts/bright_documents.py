"""Why `too_bright` fired on white paper, and which rule stops it (issue 18, quality checks).

A document photo is mostly white page: many pixels clip in two channels, so the exposure
rule (clipped + washed shares) calls it over-exposed, with a message ("washed out by too
much light") that is wrong for a page. This script measures, exactly as the engine does
(``load_for_model`` 224×224 bilinear), candidate measures on

* the val copies of scripts/quality_sets.py (Flickr8k + COCO val originals, bright_strong,
  bright_mild): what must keep its current behaviour;
* the receipts and forms (ood/sroie, ood/funsd), fit half = even positions of the sorted
  names, check half = odd (the trust split rule, scripts/trust_data.py); and the rendered
  pages of scripts/trust_data.py (``document__*``) as more fit data;

and prints each candidate rule's flag rates. The rule is chosen on the fit rows; the check
rows are printed once, for the record.

    python scripts/bright_documents.py --data ../shared/data --sets /work/cache/quality \\
        --generated /work/cache/trust/generated --cache /work/cache/quality/bright_docs.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.domain.flags import TOO_BRIGHT
from capdesk.imaging.loading import load_for_model
from capdesk.imaging.quality import DEFAULT_THRESHOLDS, assess_quality, measure_quality
from capdesk.ocr.gate import TextGate

KINDS = ("original", "bright_strong", "bright_mild")


def candidates(rgb: np.ndarray, size: tuple[int, int]) -> dict[str, float]:
    m = measure_quality(rgb, size)
    grey = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    h, w = (grey.shape[0] // 8) * 8, (grey.shape[1] // 8) * 8
    blocks = grey[:h, :w].reshape(h // 8, 8, w // 8, 8)
    clipped = (rgb[:h, :w] >= 250).sum(axis=2) >= 2
    cb = clipped.reshape(h // 8, 8, w // 8, 8)
    flat_white = cb.all(axis=(1, 3))  # 8x8 blocks entirely washed out
    # Washed pixels in blocks that are not entirely washed: highlights next to detail.
    washed_detail = float((cb & ~flat_white[:, None, :, None]).mean())
    return {
        "clipped": m.clipped_fraction, "washed": m.washed_fraction, "p05": m.p05,
        "p01": float(np.percentile(grey, 1)), "p10": float(np.percentile(grey, 10)),
        "ink": float((grey < 96).mean()), "flat_white": float(flat_white.mean()),
        "washed_detail": washed_detail, "block_std_p50": float(np.median(blocks.std(axis=(1, 3)))),
    }


def rows_for(paths: list[tuple[str, str]]) -> list[dict[str, object]]:
    out = []
    for path, group in paths:
        rgb, size = load_for_model(Path(path), (224, 224), "bilinear")
        out.append({"image": path, "group": group, **candidates(rgb, size)})
    return out


def add_gate(rows: list[dict[str, object]], ocr: Path) -> None:
    """The text gate's probability (models/ocr/gate.json) on the rows the current rule flags
    (only they can change), measured on the same 224-px array as the quality checks."""
    gate = TextGate.load(ocr / "gate.json")
    for r in rows:
        if "gate" not in r:
            if current(r):  # type: ignore[arg-type]
                rgb, _size = load_for_model(Path(str(r["image"])), (224, 224), "bilinear")
                r["gate"] = float(gate.probability(rgb))
            else:
                r["gate"] = -1.0


def gather(args: argparse.Namespace) -> list[dict[str, object]]:
    if args.cache and args.cache.exists():
        rows = json.loads(args.cache.read_text())
        if any("gate" not in r for r in rows):
            add_gate(rows, args.ocr)
            args.cache.write_text(json.dumps(rows))
        return rows
    todo: list[tuple[str, str]] = []
    for name in ("flickr_val", "coco_val"):
        for line in (args.sets / f"{name}.jsonl").read_text().splitlines():
            row = json.loads(line)
            if row["kind"] in KINDS:
                todo.append((row["image"], f"val_{row['kind']}"))
    for kind in ("sroie", "funsd"):
        names = sorted(p.name for p in (args.data / "ood" / kind / "images").iterdir())
        for position, name in enumerate(names):
            half = "fit" if position % 2 == 0 else "check"
            todo.append((str(args.data / "ood" / kind / "images" / name), f"{kind}_{half}"))
    if args.generated:
        todo += [(str(p), "rendered_fit") for p in sorted(args.generated.glob("document__*"))]
    rows = rows_for(todo)
    add_gate(rows, args.ocr)
    if args.cache:
        args.cache.write_text(json.dumps(rows))
    return rows


def current(r: dict[str, float]) -> bool:
    t = DEFAULT_THRESHOLDS
    return r["clipped"] >= t.bright_clipped_min and r["washed"] >= t.bright_washed_min


def rates(rows: list[dict[str, object]], rule) -> dict[str, float]:
    groups: dict[str, list[bool]] = {}
    for r in rows:
        groups.setdefault(str(r["group"]), []).append(bool(rule(r)))
    return {g: round(100 * float(np.mean(v)), 1) for g, v in sorted(groups.items())}


def verify(rows: list[dict[str, object]]) -> int:
    """Re-measure the rows the old rule flagged with the shipped code; others cannot gain
    too_bright (the page rule only removes it)."""
    after = {}
    for r in rows:
        flagged = False
        if current(r):  # type: ignore[arg-type]
            rgb, size = load_for_model(Path(str(r["image"])), (224, 224), "bilinear")
            codes = assess_quality(rgb, size, DEFAULT_THRESHOLDS, float(r["gate"])).codes
            flagged = TOO_BRIGHT in codes
        after[str(r["image"])] = flagged
    print("before:", json.dumps(rates(rows, current)))
    print("after: ", json.dumps(rates(rows, lambda r: after[str(r["image"])])))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--sets", type=Path, required=True)
    parser.add_argument("--generated", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--ocr", type=Path, default=Path(__file__).resolve().parents[1]
                        / "models" / "ocr")
    parser.add_argument("--verify", action="store_true",
                        help="the shipped rule as the engine applies it (assess_quality with "
                        "the gate's probability), every group including the check halves")
    args = parser.parse_args()
    rows = gather(args)
    if args.verify:
        return verify(rows)
    fit = [r for r in rows if str(r["group"]).startswith("val_") or
           str(r["group"]).endswith("_fit")]
    print("current rule:", json.dumps(rates(rows, current)))
    for name in ("p01", "p05", "p10", "ink", "flat_white", "washed_detail", "block_std_p50",
                 "gate"):
        for group in ("val_bright_strong", "val_original", "sroie_fit", "funsd_fit",
                      "rendered_fit"):
            values = [float(r[name]) for r in fit if r["group"] == group and current(r)]
            if values:
                q = np.percentile(values, [1, 5, 50, 95, 99])
                print(f"{name:14s} {group:18s} n={len(values):4d} "
                      + " ".join(f"{v:8.3f}" for v in q))
    # Rule families: the current rule AND (measure above / below t), t swept on fit rows.
    results = []
    names = ("p01", "p05", "p10", "ink", "flat_white", "washed_detail", "block_std_p50", "gate")
    for name, above in [(n, a) for n in names for a in (True, False)]:
        values = sorted({round(float(r[name]), 4) for r in fit})
        for t in values:
            def rule(r, n=name, t=t, a=above):
                return current(r) and (r[n] >= t if a else r[n] <= t)
            fr = rates(fit, rule)
            docs = np.mean([fr.get(g, 0.0) for g in ("sroie_fit", "funsd_fit", "rendered_fit")
                            if g in fr])
            # documents count 1:1 against over-exposed copies; originals and mild copies
            # too (they must not gain flags; they can only lose them here)
            results.append((fr["val_bright_strong"] - docs, name, above, t, fr))
    results.sort(key=lambda x: -x[0])
    seen = set()
    for score, name, above, t, fr in results:
        if (name, above) in seen:
            continue
        seen.add((name, above))
        print(f"best {name} {'>=' if above else '<='} {t}: score {score:.1f} {json.dumps(fr)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
