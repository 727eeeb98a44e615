"""Share of photos with any flag, and with each flag, as the shipped engine gives them.

Runs ``Captioner.caption_paths`` (reading text off: the default) on the ood check halves
(docs/TRUST.md's rule: sorted names, odd positions) and, with ``--test``, Flickr8k test
(score it once). This is what ``capdesk caption``'s ``flags`` field shows.

    python scripts/flag_rates.py --data ../shared/data --test
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine import Captioner

OOD = ("vizwiz", "scenetext", "icdar2015", "sroie", "funsd")


def rates(engine: Captioner, name: str, paths: list[Path]) -> tuple[int, int]:
    counts: collections.Counter[str] = collections.Counter()
    flagged = 0
    for result in engine.caption_paths(paths):
        flagged += bool(result.flags)
        counts.update(set(result.flag_codes))
    each = ", ".join(f"{code} {n / len(paths):.1%}" for code, n in sorted(counts.items()))
    print(f"{name:18s} n={len(paths):4d} any flag {flagged / len(paths):6.1%}  ({each})",
          flush=True)
    return flagged, len(paths)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--test", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    with Captioner(threads=args.threads) as engine:
        total = [0, 0]
        for folder in OOD:
            images = args.data / "ood" / folder / "images"
            names = sorted(p.name for p in images.iterdir())[1::2]
            got, n = rates(engine, f"{folder} check", [images / n for n in names])
            total = [total[0] + got, total[1] + n]
        print(f"ood check halves, all: any flag {total[0] / total[1]:.1%} (n={total[1]})")
        if args.test:
            names = (args.data / "flickr8k" / "split_test.txt").read_text().split()
            rates(engine, "Flickr8k test", [args.data / "flickr8k" / "images" / n
                                            for n in names])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
