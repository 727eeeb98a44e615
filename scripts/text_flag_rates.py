"""How often the gate-only ``mostly_text`` rule fires, and the threshold it uses.

Every photo is loaded exactly as the engine loads it (``load_for_model`` at 224x224,
bilinear: the array the gate sees on the loader thread), scored by the text gate
(models/ocr/gate.json), and the rule "gate probability >= T" is applied. T is chosen on
Flickr8k val only: the smallest value that flags at most ``--val-rate`` of the val photos.
Rates are then printed for the ood halves (docs/ocr_splits.json for sroie/funsd/icdar2015;
vizwiz and scenetext by the trust split rule: sorted names, even positions fit) and,
with ``--test``, for Flickr8k test (score it once, after T is fixed). Example:

    python scripts/text_flag_rates.py --data /work/shared/data --test
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.imaging import load_for_model
from capdesk.ocr.gate import TextGate

ROOT = Path(__file__).resolve().parents[1]


def scores(paths: list[Path], gate: TextGate) -> np.ndarray:
    out = []
    for path in paths:
        rgb, _ = load_for_model(path, (224, 224), "bilinear")
        out.append(gate.probability(rgb))
    return np.array(out)


def ood_halves(data: Path) -> dict[str, list[Path]]:
    halves: dict[str, list[Path]] = {}
    splits = json.loads((ROOT / "docs" / "ocr_splits.json").read_text())["folders"]
    for folder, parts in splits.items():
        for half, names in parts.items():
            halves[f"{folder} {half}"] = [data / "ood" / folder / n for n in names]
    for folder in ("vizwiz", "scenetext"):
        names = sorted(p.name for p in (data / "ood" / folder / "images").iterdir())
        for half, chosen in (("fit", names[0::2]), ("check", names[1::2])):
            halves[f"{folder} {half}"] = [data / "ood" / folder / "images" / n for n in chosen]
    return halves


def flickr(data: Path, split: str) -> list[Path]:
    names = (data / "flickr8k" / split).read_text().split()
    return [data / "flickr8k" / "images" / n for n in names]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--gate", type=Path, default=ROOT / "models" / "ocr" / "gate.json")
    p.add_argument("--val-rate", type=float, default=0.02)
    p.add_argument("--test", action="store_true", help="also score Flickr8k test (once)")
    args = p.parse_args()
    gate = TextGate.load(args.gate)
    val = scores(flickr(args.data, "split_val.txt"), gate)
    ordered = np.sort(val)
    allowed = int(np.floor(args.val_rate * len(val)))
    # flag the top `allowed` val photos at most: T just above the (allowed+1)-th highest
    threshold = float(np.nextafter(ordered[len(val) - allowed - 1], 1.0))
    print(f"threshold {threshold:.6f} (Flickr8k val n={len(val)}: "
          f"{np.mean(val >= threshold):.1%} flagged; gate's own read threshold "
          f"{gate.threshold:.4f} passes {np.mean(val >= gate.threshold):.1%})")
    for name, paths in ood_halves(args.data).items():
        s = scores(paths, gate)
        print(f"{name:16s} n={len(s):4d} mostly_text {np.mean(s >= threshold):6.1%}  "
              f"passes read gate {np.mean(s >= gate.threshold):6.1%}")
    if args.test:
        t = scores(flickr(args.data, "split_test.txt"), gate)
        print(f"Flickr8k test    n={len(t):4d} mostly_text {np.mean(t >= threshold):6.1%}  "
              f"passes read gate {np.mean(t >= gate.threshold):6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
