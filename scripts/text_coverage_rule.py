"""Choosing the coverage half of the ``mostly_text`` rule (photos that were read).

Only photos the read gate passes but the gate-only rule does not flag can change their
flag when read (gate.threshold <= p < mostly_text.gate), so only those are read, exactly as
the engine reads them (``TextStage``: file decoded with long side <= 2560, TextReader
"auto"). For each candidate coverage threshold it prints how many more photos would be
flagged, as a share of each whole set: Flickr8k val and the ood fit halves (choices), then
the check halves with ``--check``. ``--max`` caps the photos read per set (first ones in
set order), since reading costs seconds per photo.

    python scripts/text_coverage_rule.py --data ../shared/data --max 25
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_flag_rates import flickr, ood_halves

from capdesk.engine.visible_text import TextStage
from capdesk.imaging import load_for_model

CANDIDATES = (0.05, 0.1, 0.15, 0.2, 0.3)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--max", type=int, default=25)
    p.add_argument("--check", action="store_true")
    args = p.parse_args()
    stage = TextStage(read_text=True)
    assert stage.gate is not None and stage.rule is not None
    sets = {"Flickr8k val": flickr(args.data, "split_val.txt")}
    half = "check" if args.check else "fit"
    sets.update({k: v for k, v in ood_halves(args.data).items() if k.endswith(half)})
    for name, paths in sets.items():
        cover, read, started = [], 0, time.perf_counter()
        for path in paths:
            rgb, _ = load_for_model(path, (224, 224), "bilinear")
            score = stage.gate.probability(rgb)
            if not stage.gate.threshold <= score < stage.rule.gate or read >= args.max:
                continue
            read += 1
            found = stage._read(path)
            cover.append(found.coverage if found is not None and found.has_text else 0.0)
        c = np.array(cover)
        gains = "  ".join(f">={t}: +{np.sum(c >= t) / len(paths):.1%}" for t in CANDIDATES)
        print(f"{name:16s} n={len(paths):4d} read {read:3d} "
              f"({time.perf_counter() - started:.0f} s)  {gains}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
