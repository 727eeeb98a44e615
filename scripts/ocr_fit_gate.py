"""Fit the cheap text gate (capdesk/ocr/gate.py) and write models/ocr/gate.json.

Positives: the fit halves (docs/ocr_splits.json) of ood/sroie, ood/funsd, ood/icdar2015.
Negatives: the first N Flickr8k val photos (Flickr8k has some incidental text — a shirt, a
sign — so a few "negatives" are not truly text-free; that only makes the gate more careful).
The threshold is set so that at most --max-fpr of the negatives pass. Check figures use the
check halves and other Flickr8k val photos (or test, once). Example:

    python scripts/ocr_fit_gate.py --data /work/shared/data --out models/ocr/gate.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.ocr.gate import FEATURES, TextGate, gate_features

SPLITS = Path(__file__).resolve().parents[1] / "docs" / "ocr_splits.json"
TEXT_FOLDERS = ("sroie", "funsd", "icdar2015")


def rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def features(paths: list[Path]) -> np.ndarray:
    return np.stack([gate_features(rgb(p)) for p in paths])


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2,
                 steps: int = 3000) -> tuple[np.ndarray, float]:
    """Plain gradient descent on the mean log-loss with balanced class weights."""
    w = np.zeros(x.shape[1])
    b = 0.0
    cw = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = (p - y) * cw
        w -= 0.5 * (x.T @ g / len(y) + l2 * w)
        b -= 0.5 * g.mean()
    return w, b


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--out", type=Path, default=Path("models/ocr/gate.json"))
    p.add_argument("--negatives", type=int, default=500, help="Flickr8k val photos to fit on")
    p.add_argument("--max-fpr", type=float, default=0.05)
    args = p.parse_args()
    splits = json.loads(SPLITS.read_text())["folders"]
    ood = args.data / "ood"
    val = (args.data / "flickr8k" / "split_val.txt").read_text().split()
    flickr = [args.data / "flickr8k" / "images" / n for n in val]
    fit_neg, check_neg = flickr[:args.negatives], flickr[args.negatives:]
    pos = {s: {f: [ood / f / n for n in splits[f][s]] for f in TEXT_FOLDERS}
           for s in ("fit", "check")}

    xp = features([q for f in TEXT_FOLDERS for q in pos["fit"][f]])
    xn = features(fit_neg)
    x = np.vstack([xp, xn])
    y = np.concatenate([np.ones(len(xp)), np.zeros(len(xn))])
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    w, b = fit_logistic((x - mean) / scale, y)
    gate = TextGate(mean, scale, w, b, 0.5)
    neg_p = np.sort([gate.probability(rgb(q)) for q in fit_neg])
    threshold = float(neg_p[int(np.ceil((1 - args.max_fpr) * len(neg_p))) - 1]) + 1e-6
    gate = TextGate(mean, scale, w, b, threshold)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
        "weights": w.tolist(), "bias": b, "threshold": threshold,
        "fitted_on": f"fit halves of {', '.join(TEXT_FOLDERS)} (docs/ocr_splits.json) vs "
                     f"Flickr8k split_val.txt[:{args.negatives}]; threshold: <= {args.max_fpr:.0%} "
                     "of those negatives pass"}, indent=1))
    print("weights", dict(zip(FEATURES, np.round(w, 2), strict=True)),
          "threshold", round(threshold, 4))
    for s in ("fit", "check"):
        for f in TEXT_FOLDERS:
            rate = np.mean([gate.passes(rgb(q)) for q in pos[s][f]])
            print(f"  {s:5s} {f:10s} passes {rate:.3f} (n={len(pos[s][f])})")
    for name, neg in (("fit", fit_neg), ("check", check_neg)):
        t0 = time.perf_counter()
        imgs = [rgb(q) for q in neg]
        t1 = time.perf_counter()
        rate = np.mean([gate.passes(im) for im in imgs])
        ms = (time.perf_counter() - t1) / len(imgs) * 1000
        print(f"  {name:5s} flickr8k val passes {rate:.3f} (n={len(neg)}), gate {ms:.2f} ms/photo "
              f"(decode excluded; decode was {(t1 - t0) / len(imgs) * 1000:.2f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
