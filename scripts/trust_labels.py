"""Per-image CIDEr-D of the cached captions against their references (the trust labels).

pycocoevalcap's ``Cider`` is CIDEr-D (Gaussian length penalty, clipped counts) and returns
one score per image besides the mean; its document frequencies come from the references of
the images it is given, so each split is scored whole, as its corpus CIDEr is.

    python scripts/trust_labels.py --data ../shared/data --cache /tmp/trust-cache
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine.scoring import read_references

SETS = {"flickr8k_val": ("flickr8k", "val"), "coco_extra_val": ("coco_extra", "val"),
        "flickr8k_test": ("flickr8k", "test")}


def per_image_cider(references: dict[str, list[str]], candidates: dict[str, str]) -> dict:
    from pycocoevalcap.cider.cider import Cider  # noqa: PLC0415
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer  # noqa: PLC0415

    ids = sorted(candidates)
    tokenizer = PTBTokenizer()
    with contextlib.redirect_stdout(io.StringIO()):
        refs = tokenizer.tokenize({i: [{"caption": c} for c in references[i]] for i in ids})
        hyps = tokenizer.tokenize({i: [{"caption": candidates[i]}] for i in ids})
        mean, scores = Cider().compute_score(refs, hyps)
    keys = list(refs.keys())  # Cider scores in the order of its input dict
    per_image = {k: float(s) for k, s in zip(keys, scores, strict=True)}
    return {"mean": float(mean), "per_image": per_image}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--sets", nargs="*", default=["flickr8k_val", "coco_extra_val"])
    args = parser.parse_args()
    for name in args.sets:
        corpus, split = SETS[name]
        cached = np.load(args.cache / f"{name}.npz")
        names = [Path(p).name for p in cached["ids"]]
        refs = read_references(
            args.data / corpus / "captions.tsv", args.data / corpus / f"split_{split}.txt"
        )
        result = per_image_cider(refs, dict(zip(names, cached["captions"].tolist(), strict=True)))
        (args.cache / f"{name}_cider.json").write_text(json.dumps(result))
        values = np.array([result["per_image"][n] for n in names])
        print(f"{name}: corpus CIDEr-D {result['mean']:.4f}, per-image median "
              f"{np.median(values):.3f}, mean {values.mean():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
