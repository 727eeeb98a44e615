"""What the photo-quality checks cost next to the decode the engine already does.

For each photo, side by side in one run (so machine load affects both alike): the
engine's decode (load_for_model to 224×224), assess_quality on that 224 array (the
proposed hook: no extra decode), and, for comparison, a separate ~512 px decode
(load_rgb) plus assess_quality on it, which is what a loader-side larger grey copy
would cost at most.

    PYTHONPATH=. python scripts/quality_cost.py /tmp/capdesk-bench/small /tmp/capdesk-bench/large

``--shared`` compares instead, per photo and alternating on the same 224 array, the two
checks each making their own grey (assess_quality + the text gate on the RGB) with one
shared grey copy made once for both (capdesk.imaging.grey.shared_grey, as the engine does
now), and counts photos whose quality flags or gate decision differ between the two.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from capdesk.imaging.formats import expand_paths
from capdesk.imaging.grey import shared_grey
from capdesk.imaging.loading import load_for_model, load_rgb
from capdesk.imaging.quality import assess_quality
from capdesk.ocr.gate import TextGate

GATE = Path(__file__).resolve().parents[1] / "models" / "ocr" / "gate.json"


def _ms(fn: object, repeats: int) -> float:
    best = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best.append((time.perf_counter() - started) * 1000)
    return min(best)


def compare_shared(args: argparse.Namespace) -> int:
    gate = TextGate.load(GATE)

    def separate(rgb: object, original: tuple[int, int]) -> tuple[tuple[str, ...], bool]:
        score = gate.probability(rgb)  # type: ignore[arg-type]
        codes = assess_quality(rgb, original, text_probability=score).codes  # type: ignore[arg-type]
        return codes, score >= gate.threshold

    def shared(rgb: object, original: tuple[int, int]) -> tuple[tuple[str, ...], bool]:
        grey = shared_grey(rgb)  # type: ignore[arg-type]
        score = gate.probability(None, grey.thumb)
        codes = assess_quality(rgb, original, text_probability=score,  # type: ignore[arg-type]
                               shared=grey).codes
        return codes, score >= gate.threshold

    for folder in args.folders:
        paths = list(expand_paths([folder]))
        paths = paths[: args.limit] if args.limit else paths
        apart, together, differ, gate_differ = [], [], 0, 0
        for number, path in enumerate(paths):
            rgb, original = load_for_model(path, (224, 224), "bilinear")
            arms = [(apart, separate), (together, shared)]
            for times, fn in arms if number % 2 == 0 else arms[::-1]:
                times.append(_ms(lambda f=fn, a=rgb, o=original: f(a, o), args.repeats))
            (codes_a, gate_a), (codes_b, gate_b) = separate(rgb, original), shared(rgb, original)
            differ += codes_a != codes_b
            gate_differ += gate_a != gate_b
        a, b = statistics.median(apart), statistics.median(together)
        print(f"{folder}: {len(paths)} photos, median ms per photo (best of {args.repeats}): "
              f"quality + gate with their own grey {a:.3f}, with one shared grey {b:.3f} "
              f"(saves {a - b:.3f} ms, {100 * (a - b) / a:.1f} %); photos whose quality flags "
              f"differ: {differ}, gate decisions differ: {gate_differ}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--repeats", type=int, default=5, help="best of N per photo")
    parser.add_argument("--limit", type=int, default=0, help="first N photos of each folder")
    parser.add_argument("--shared", action="store_true",
                        help="separate grey per check vs one shared grey (see above)")
    args = parser.parse_args()
    if args.shared:
        return compare_shared(args)
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
