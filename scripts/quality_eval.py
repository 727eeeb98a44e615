"""Choose the photo-quality thresholds on val, then score the test split once.

Reads the manifests written by scripts/quality_sets.py, measures every photo exactly as
the engine would (capdesk.imaging.loading.load_for_model at 224×224, then
capdesk.imaging.quality.measure_quality), caches the measures, and

1. chooses each threshold on the val sets only (Flickr8k val + COCO val): the value that
   maximises (strong copies flagged) − (negatives flagged), where negatives are the
   original photos and the mild copies of the same kind, subject to at most
   ``--orig-budget`` of the original val photos being flagged by that check;
2. prints, per kind, the share flagged with the intended flag and with any flag, for val
   and (with ``--test``) for the Flickr8k test split;
3. prints the flag rates on extra folders (``--folder NAME=DIR``, e.g. the VizWiz photos
   and the full-resolution samples) and lists the flagged files.

    PYTHONPATH=. python scripts/quality_eval.py --sets /tmp/capdesk-quality \\
        --folder vizwiz=../shared/data/ood/vizwiz/images \\
        --folder samples=../shared/data/samples/images --test
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from capdesk.domain.flags import BLURRED, TOO_BRIGHT, TOO_DARK
from capdesk.imaging.formats import expand_paths
from capdesk.imaging.loading import load_for_model
from capdesk.imaging.quality import (
    DEFAULT_THRESHOLDS,
    QualityMeasures,
    QualityThresholds,
    flags_for,
    measure_quality,
)

log = logging.getLogger("quality_eval")
VAL_SETS = ("flickr_val", "coco_val")
TEST_SET = "flickr_test"
INTENDED = {
    "gauss_strong": BLURRED,
    "motion_strong": BLURRED,
    "gauss_mild": BLURRED,
    "motion_mild": BLURRED,
    "dark_strong": TOO_DARK,
    "dark_mild": TOO_DARK,
    "dark_shift": TOO_DARK,
    "bright_strong": TOO_BRIGHT,
    "bright_mild": TOO_BRIGHT,
    "bright_shift": TOO_BRIGHT,
}
Row = dict[str, object]


def measure_rows(images: list[tuple[str, Row]], cache: Path) -> list[Row]:
    """Measures for (path, extra fields) pairs; reuses ``cache`` when it lists the same files."""
    if cache.exists():
        rows = [json.loads(line) for line in cache.read_text().splitlines()]
        if [r["image"] for r in rows] == [path for path, _ in images]:
            return rows
    rows = []
    for path, extra in images:
        rgb, original = load_for_model(Path(path), (224, 224), "bilinear")
        measures = asdict(measure_quality(rgb, original))
        rows.append({**extra, "image": path, **measures})
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def as_measures(row: Row) -> QualityMeasures:
    names = QualityMeasures.__dataclass_fields__
    values = {k: row[k] for k in names}
    values["original_size"] = tuple(row["original_size"])  # type: ignore[arg-type]
    return QualityMeasures(**values)  # type: ignore[arg-type]


def codes(row: Row, thresholds: QualityThresholds) -> tuple[str, ...]:
    return tuple(f.code for f in flags_for(as_measures(row), thresholds))


def best_threshold(
    pos: np.ndarray, neg: np.ndarray, orig: np.ndarray, below: bool, budget: float
) -> tuple[float, float, float, float]:
    """Threshold maximising TPR − FPR(neg) with FPR(orig) <= budget.

    ``below``: values below the threshold (strictly, for the blur rule) or at or below it
    are flagged. Candidates are midpoints between consecutive observed values.
    """
    values = np.unique(np.concatenate([pos, neg]))
    candidates = (values[:-1] + values[1:]) / 2.0
    best = (float("nan"), -1.0, 0.0, 0.0)
    for t in candidates:
        tpr = float(np.mean(pos < t) if below else np.mean(pos > t))
        fpr = float(np.mean(neg < t) if below else np.mean(neg > t))
        fpo = float(np.mean(orig < t) if below else np.mean(orig > t))
        if fpo <= budget and tpr - fpr > best[1]:
            best = (float(t), tpr - fpr, tpr, fpo)
    return best


# flag, measure, threshold field, strong kinds, mild kinds, flagged when below the threshold
RULES = (
    (BLURRED, "sharpness", "sharpness_min", ("gauss_strong", "motion_strong"),
     ("gauss_mild", "motion_mild"), True),
    (TOO_DARK, "p95", "dark_p95_max", ("dark_strong",), ("dark_mild",), True),
)  # fmt: skip
# too_bright needs two measures (a bright photo AND lost highlights): see best_pair
BRIGHT = (("clipped_fraction", "bright_clipped_min"), ("washed_fraction", "bright_washed_min"))


def choose(rows: list[Row], budget: float) -> QualityThresholds:
    def col(kinds: tuple[str, ...], key: str) -> np.ndarray:
        return np.array([float(r[key]) for r in rows if r["kind"] in kinds])  # type: ignore[arg-type]

    print("\nthresholds chosen on val (J = TPR - FPR on originals + mild; FP on originals):")
    chosen: dict[str, float] = {}
    for code, key, field, strong, mild, below in RULES:
        t, j, tpr, fpo = best_threshold(
            col(strong, key), col(("original", *mild), key), col(("original",), key), below, budget
        )
        chosen[field] = round(t, 4)
        sign = "<" if below else ">="
        print(f"  {code:10s} {key} {sign} {t:.4f}  J={j:.3f} TPR={tpr:.3f} FP(orig)={fpo:.3f}")
    (key_a, field_a), (key_b, field_b) = BRIGHT
    strong = np.stack([col(("bright_strong",), key_a), col(("bright_strong",), key_b)], 1)
    negative_kinds = ("original", "bright_mild")
    negative = np.stack([col(negative_kinds, key_a), col(negative_kinds, key_b)], 1)
    original = np.stack([col(("original",), key_a), col(("original",), key_b)], 1)
    ta, tb, j, tpr, fpo = best_pair(strong, negative, original, budget)
    chosen[field_a], chosen[field_b] = round(ta, 4), round(tb, 4)
    print(
        f"  {TOO_BRIGHT:10s} {key_a} >= {ta:.4f} and {key_b} >= {tb:.4f}  J={j:.3f} "
        f"TPR={tpr:.3f} FP(orig)={fpo:.3f}"
    )
    return replace(DEFAULT_THRESHOLDS, **chosen)


def best_pair(
    pos: np.ndarray, neg: np.ndarray, orig: np.ndarray, budget: float
) -> tuple[float, float, float, float, float]:
    """Two thresholds, both to be reached, maximising TPR − FPR(neg) with FPR(orig) <= budget.

    Candidates are the 0..40th percentiles (step 0.5) of the strong copies' values.
    """
    grid = np.arange(0.0, 40.0, 0.5)
    best = (float("nan"), float("nan"), -1.0, 0.0, 0.0)
    for ta in np.unique(np.percentile(pos[:, 0], grid)):
        for tb in np.unique(np.percentile(pos[:, 1], grid)):
            def rate(x: np.ndarray, a: float = ta, b: float = tb) -> float:
                return float(np.mean((x[:, 0] >= a) & (x[:, 1] >= b)))

            tpr, fpr, fpo = rate(pos), rate(neg), rate(orig)
            if fpo <= budget and tpr - fpr > best[2]:
                best = (float(ta), float(tb), tpr - fpr, tpr, fpo)
    return best


def report(title: str, rows: list[Row], thresholds: QualityThresholds) -> None:
    print(f"\n{title}: kind, n, intended flag, any flag, blurred/too_dark/too_bright/too_small")
    by_kind: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        by_kind.setdefault(str(row["kind"]), []).append(codes(row, thresholds))
    for kind in sorted(by_kind, key=lambda k: (k != "original", k)):
        got = by_kind[kind]
        intended = INTENDED.get(kind)
        hit = np.mean([intended in c for c in got]) if intended else float("nan")
        anyf = np.mean([bool(c) for c in got])
        each = Counter(code for c in got for code in c)
        split = "/".join(f"{each[k] / len(got):.3f}" for k in (BLURRED, TOO_DARK, TOO_BRIGHT))
        print(f"  {kind:14s} {len(got):5d}  intended {hit:6.3f}  any {anyf:6.3f}  {split}")


def folder_report(name: str, rows: list[Row], thresholds: QualityThresholds) -> None:
    got = [(str(r["image"]), codes(r, thresholds)) for r in rows]
    each = Counter(code for _, c in got for code in c)
    flagged = [g for g in got if g[1]]
    print(f"\n{name}: {len(got)} photos, {len(flagged)} flagged ({len(flagged) / len(got):.3f})")
    for code, n in sorted(each.items()):
        print(f"  {code}: {n} ({n / len(got):.3f})")
    for path, c in flagged:
        print(f"    {Path(path).name}: {','.join(c)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=Path, required=True, help="quality_sets.py output folder")
    parser.add_argument("--folder", action="append", default=[], help="NAME=DIR to check too")
    parser.add_argument("--orig-budget", type=float, default=0.015)
    parser.add_argument("--test", action="store_true", help="score the test split (once!)")
    parser.add_argument("--save", type=Path, help="write the chosen thresholds as JSON")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    def manifest_rows(name: str) -> list[Row]:
        lines = (args.sets / f"{name}.jsonl").read_text().splitlines()
        images = [(str(r["image"]), {**r, "set": name}) for r in map(json.loads, lines)]
        return measure_rows(images, args.sets / "measures" / f"{name}.jsonl")

    val = [row for name in VAL_SETS for row in manifest_rows(name)]
    thresholds = choose(val, args.orig_budget)
    print(json.dumps(asdict(thresholds)))
    if args.save:
        args.save.write_text(json.dumps(asdict(thresholds), indent=2) + "\n")
    for name in VAL_SETS:
        report(name, [r for r in val if r["set"] == name], thresholds)
    report("val (both)", val, thresholds)
    if args.test:
        report(TEST_SET + " (scored once)", manifest_rows(TEST_SET), thresholds)
    for spec in args.folder:
        name, _, folder = spec.partition("=")
        images = [(str(p), {"kind": name}) for p in expand_paths([Path(folder)])]
        rows = measure_rows(images, args.sets / "measures" / f"folder_{name}.jsonl")
        folder_report(name, rows, thresholds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
