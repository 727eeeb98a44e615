"""What the photo-quality checks cost next to the decode the engine already does.

For each photo, side by side in one run (so machine load affects both alike): the
engine's decode (load_for_model to 224×224), assess_quality on that 224 array (the
proposed hook: no extra decode), and, for comparison, a separate ~512 px decode
(load_rgb) plus assess_quality on it, which is what a loader-side larger grey copy
would cost at most.

    PYTHONPATH=. python scripts/quality_cost.py /tmp/capdesk-bench/small /tmp/capdesk-bench/large
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from capdesk.imaging.formats import expand_paths
from capdesk.imaging.loading import load_for_model, load_rgb
from capdesk.imaging.quality import assess_quality


def _ms(fn: object, repeats: int) -> float:
    best = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best.append((time.perf_counter() - started) * 1000)
    return min(best)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--repeats", type=int, default=5, help="best of N per photo")
    args = parser.parse_args()
    for folder in args.folders:
        decode, check, big = [], [], []
        for path in expand_paths([folder]):
            rgb, original = load_for_model(path, (224, 224), "bilinear")
            decode.append(
                _ms(lambda p=path: load_for_model(p, (224, 224), "bilinear"), args.repeats)
            )
            check.append(_ms(lambda a=rgb, o=original: assess_quality(a, o), args.repeats))
            big.append(
                _ms(lambda p=path, o=original: assess_quality(load_rgb(p, 512), o), args.repeats)
            )
        d, c, b = (statistics.median(x) for x in (decode, check, big))
        print(
            f"{folder}: {len(decode)} photos, median ms per photo: decode 224 {d:.2f}, "
            f"quality on the 224 array {c:.2f} ({100 * c / d:.1f} % of decode), "
            f"separate 512 px decode + quality {b:.2f} ({100 * b / d:.1f} %)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
