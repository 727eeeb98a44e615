"""Score the shipped trust estimate once on the held-out photos, and draw its reliability.

Applies the model folder's trust.json/trust.npz (through ``capdesk.engine.trust``, as the
engine does) to trust_data's cached captions: flag rates on the ood/ *check* halves and on
Flickr8k test, and the AUC of trust for telling test captions above the median per-image
CIDEr-D from those below. Draws docs/trust_reliability.png from trust_fit's out-of-fold
figures (validation data only).

    python scripts/trust_score.py --cache /tmp/trust-cache --model models/default \
        --figure docs/trust_reliability.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine.model import load_spec
from capdesk.engine.trust import DISTANCE, TrustModel, load_trust
from scripts.trust_fit import GENERATED, OOD, auc, load, reliability


def apply(model: TrustModel, d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, list]:
    names = [str(n) for n in d["decoder_names"]]
    dist = model.distance(d[f"pooled_{model.pooling}"])
    trust, flags = [], []
    for row, dv in zip(d["decoder"], dist, strict=True):
        values = dict(zip(names, row.tolist(), strict=True)) | {DISTANCE: float(dv)}
        t = model.probability(values)
        trust.append(t)
        flags.append(model.flags(t, float(dv)))
    return np.array(trust), dist, flags


def draw(rows_all: list[dict], rows_in: list[dict], path: Path) -> None:
    size, pad = 420, 50
    image = Image.new("RGB", (size + 2 * pad, size + 2 * pad + 30), "white")
    g = ImageDraw.Draw(image)
    font = ImageFont.load_default()

    def xy(p: float, o: float) -> tuple[float, float]:
        return pad + p * size, pad + (1 - o) * size

    g.rectangle([pad, pad, pad + size, pad + size], outline="black")
    for i in range(11):
        v = i / 10
        g.line([xy(v, 0), (xy(v, 0)[0], xy(v, 0)[1] + 4)], fill="black")
        g.text((xy(v, 0)[0] - 8, pad + size + 6), f"{v:.1f}", fill="black", font=font)
        g.text((pad - 28, xy(0, v)[1] - 5), f"{v:.1f}", fill="black", font=font)
    g.line([xy(0, 0), xy(1, 1)], fill=(160, 160, 160))
    for rows, colour in ((rows_all, (200, 60, 30)), (rows_in, (30, 90, 200))):
        pts = [xy(r["mean_p"], r["observed"]) for r in rows]
        g.line(pts, fill=colour, width=2)
        for (x, y), r in zip(pts, rows, strict=True):
            rad = 2 + min(6, r["n"] ** 0.5 / 4)
            g.ellipse([x - rad, y - rad, x + rad, y + rad], fill=colour)
    g.text((pad, 15), "Trust reliability (out-of-fold, validation data)", fill="black", font=font)
    g.text((pad, pad + size + 22), "predicted trust (bin mean)   vs   observed acceptance",
           fill="black", font=font)
    g.text((pad + 8, pad + 8), "red: val + ood fit halves + generated", fill=(200, 60, 30),
           font=font)
    g.text((pad + 8, pad + 22), "blue: in-domain val only", fill=(30, 90, 200), font=font)
    image.save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--figure", type=Path, default=None)
    args = parser.parse_args()
    model = load_trust(load_spec(args.model))
    assert model is not None, "the model folder ships no trust estimate"
    report: dict[str, Any] = {"flag_rate": {}, "unfamiliar_rate": {}, "low_conf_rate": {}}
    check_flags: list[tuple] = []
    examples: dict[str, list] = {}
    names = ([f"ood_{k}_check" for k in OOD] + [f"ood_{k}_fit" for k in OOD]
             + [f"gen_{k}" for k in GENERATED] + ["flickr8k_val", "coco_extra_val",
                                                  "flickr8k_test"])
    results = {}
    for name in names:
        d = load(args.cache, name)
        trust, _dist, flags = apply(model, d)
        results[name] = (d, trust, flags)
        report["flag_rate"][name] = float(np.mean([bool(f) for f in flags]))
        report["unfamiliar_rate"][name] = float(np.mean(["unfamiliar" in f for f in flags]))
        report["low_conf_rate"][name] = float(np.mean(["low_confidence" in f for f in flags]))
        if name.endswith("_check"):
            check_flags += flags
            order = np.argsort(-trust)[:3]  # most trusted ood photos: the worst misses
            examples[name] = [(Path(d["ids"][i]).name, str(d["captions"][i]),
                               round(float(trust[i]), 3), list(flags[i])) for i in order]
    report["flag_rate"]["ood_check_all"] = float(np.mean([bool(f) for f in check_flags]))
    d, trust, flags = results["flickr8k_test"]
    cider_file = args.cache / "flickr8k_test_cider.json"
    cider_all = json.loads(cider_file.read_text())
    cider = np.array([cider_all["per_image"][Path(p).name] for p in d["ids"]])
    above = cider > np.median(cider)
    report["test"] = {
        "corpus_cider": cider_all["mean"], "median_per_image_cider": float(np.median(cider)),
        "auc_above_median": auc(trust, above),
        "auc_mean_log_prob": auc(d["decoder"][:, 0], above),
        "accept_rate_at_0.5": float((cider >= 0.5).mean()),
        "reliability": reliability(trust, (cider >= 0.5).astype(float)),
    }
    flagged = np.array([bool(f) for f in flags])
    good_flagged = np.argsort(-(cider * flagged))[:3]
    bad_unflagged = np.argsort(cider + 10 * flagged)[:3]
    examples["flickr8k_test_flagged_but_good"] = [
        (Path(d["ids"][i]).name, str(d["captions"][i]), round(float(trust[i]), 3),
         round(float(cider[i]), 3)) for i in good_flagged]
    examples["flickr8k_test_unflagged_but_bad"] = [
        (Path(d["ids"][i]).name, str(d["captions"][i]), round(float(trust[i]), 3),
         round(float(cider[i]), 3)) for i in bad_unflagged]
    report["examples"] = examples
    (args.cache / "score_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=1))
    if args.figure is not None:
        fit = json.loads((args.cache / "fit_report.json").read_text())
        draw(fit["reliability_oof"], fit["reliability_oof_in_domain"], args.figure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
