"""Fit, calibrate and ship the trust estimate (docs/TRUST.md) from trust_data's cache.

Fit data: Flickr8k val and coco_extra val captions (label 1 when per-image CIDEr-D >=
``--accept``), the *fit* halves of ood/ and the generated negatives (label 0). Choices
(pooling, PCA whitening, features, L2 strength) are made by 5-fold cross-validation on it;
the thresholds are set on out-of-fold trust. Writes trust.json + trust.npz into the model
folder, a ``trust`` entry into its manifest, and the figures to ``--cache/fit_report.json``.

    python scripts/trust_fit.py --cache /tmp/trust-cache --model models/default
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine.trust import FEATURE_NAMES, TrustModel

DECODER = tuple(n for n in FEATURE_NAMES if n != "distance")
OOD = ("vizwiz", "scenetext", "icdar2015", "sroie", "funsd")
GENERATED = ("blurred", "dark", "bright", "document")
IN_DOMAIN = ("flickr8k_val", "coco_extra_val")


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def fit_logistic(x: np.ndarray, y: np.ndarray, lam: float, steps: int = 300) -> np.ndarray:
    """Newton (IRLS) on standardised x with an L2 penalty on the weights, not the bias."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * lam
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = sigmoid(xb @ beta)
        grad = xb.T @ (p - y) + penalty @ beta
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(len(beta))
        delta = np.linalg.solve(hess, grad)
        beta -= delta
        if np.abs(delta).max() < 1e-10:
            break
    return beta


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count half)."""
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    ranks[order] = np.arange(1, len(order) + 1)
    for v in np.unique(values):  # average ranks of ties
        tie = np.concatenate([pos, neg]) == v
        if tie.sum() > 1:
            ranks[tie] = ranks[tie].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def load(cache: Path, name: str) -> dict[str, np.ndarray]:
    with np.load(cache / f"{name}.npz") as d:
        return {k: d[k] for k in d}


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def pca(train: np.ndarray, dims: int, whiten: bool) -> tuple[np.ndarray, np.ndarray]:
    center = train.mean(0)
    _, s, vt = np.linalg.svd(train - center, full_matrices=False)
    comps = vt[:dims]
    if whiten:
        comps = comps / (s[:dims, None] / np.sqrt(len(train) - 1))
    return center.astype(np.float16), comps.astype(np.float16)


def distance_model(
    train: np.ndarray, dims: int, whiten: bool, k: int, pooling: str, normalise: bool
) -> TrustModel:
    train = unit(train) if normalise else train
    center, comps = pca(train, dims, whiten)
    ref = ((train - center.astype(np.float32)) @ comps.astype(np.float32).T).astype(np.float16)
    zero = np.zeros(1)
    return TrustModel(("distance",), zero, zero + 1, zero, 0.0, 0.0, None, pooling,
                      center.astype(np.float32), comps.astype(np.float32),
                      ref.astype(np.float32), k, normalise)


def folds(groups: np.ndarray, n: int = 5) -> np.ndarray:
    """Fold of each row by a hash of its group, so a photo and its variants share a fold."""
    uniq = sorted(set(groups.tolist()))
    rng = np.random.default_rng(18)
    fold_of = dict(zip(uniq, rng.permutation(len(uniq)) % n, strict=True))
    return np.array([fold_of[g] for g in groups])


def cv_predict(x: np.ndarray, y: np.ndarray, fold: np.ndarray, lam: float) -> np.ndarray:
    out = np.zeros(len(y))
    for f in np.unique(fold):
        tr, te = fold != f, fold == f
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-9
        beta = fit_logistic((x[tr] - mu) / sd, y[tr], lam)
        out[te] = sigmoid(np.hstack([(x[te] - mu) / sd, np.ones((te.sum(), 1))]) @ beta)
    return out


def log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    edges = np.linspace(0, 1, bins + 1)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        m = (p >= lo) & ((p < hi) | (hi == 1.0))
        if m.any():
            rows.append({"lo": lo, "hi": hi, "n": int(m.sum()), "mean_p": float(p[m].mean()),
                         "observed": float(y[m].mean())})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--accept", type=float, default=0.5, help="CIDEr-D acceptance threshold")
    parser.add_argument("--val-flag-budget", type=float, default=0.15)
    parser.add_argument("--dims", type=int, default=32)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    cache = args.cache
    train = load(cache, "train")
    parts: list[tuple[str, dict[str, np.ndarray], np.ndarray]] = []
    for name in IN_DOMAIN:
        d = load(cache, name)
        cider = json.loads((cache / f"{name}_cider.json").read_text())["per_image"]
        c = np.array([cider[Path(p).name] for p in d["ids"]])
        parts.append((name, d, c))
    for name in [f"ood_{k}_fit" for k in OOD] + [f"gen_{k}" for k in GENERATED]:
        d = load(cache, name)
        parts.append((name, d, np.full(len(d["ids"]), np.nan)))
    source = np.concatenate([[n] * len(d["ids"]) for n, d, _ in parts])
    ids = np.concatenate([d["ids"] for _, d, _ in parts])
    captions = np.concatenate([d["captions"] for _, d, _ in parts])
    cider = np.concatenate([c for _, _, c in parts])
    decoder = np.concatenate([d["decoder"] for _, d, _ in parts])
    in_domain = np.isin(source, IN_DOMAIN)
    y = np.where(in_domain, cider >= args.accept, 0.0).astype(np.float64)
    groups = np.array([Path(i).name.split("__")[-1] for i in ids])
    fold = folds(groups)
    report: dict[str, Any] = {"accept": args.accept, "rows": {n: int((source == n).sum())
                                                             for n, _, _ in parts}}
    report["accept_rate"] = {n: float(y[source == n].mean()) for n in IN_DOMAIN}
    flickr = source == "flickr8k_val"
    ood_fit = ~in_domain & np.char.startswith(source.astype(str), "ood_")

    # 1. distance: pooling and whitening, judged alone (val vs ood fit halves).
    distances: dict[str, np.ndarray] = {}
    models: dict[str, TrustModel] = {}
    variants = [(pool, w, n, dims) for pool in ("features", "projection")
                for w, n, dims in ((False, False, args.dims), (True, False, args.dims),
                                   (False, True, args.dims), (False, True, 128),
                                   (False, True, None))]
    for pooling, whiten, normalise, wanted in variants:
        full = train[f"pooled_{pooling}"].shape[1]
        dims = min(wanted or full, full)
        key = f"{pooling}/{'white' if whiten else 'raw'}/{'unit' if normalise else 'len'}/{dims}"
        models[key] = distance_model(train[f"pooled_{pooling}"], dims, whiten, args.k,
                                     pooling, normalise)
        pooled = np.concatenate([d[f"pooled_{pooling}"] for _, d, _ in parts])
        distances[key] = models[key].distance(pooled)
    report["distance_auc_val_vs_ood_fit"] = {
        k: auc(v[flickr | ood_fit], ood_fit[flickr | ood_fit]) for k, v in distances.items()}
    report["distance_auc_val_vs_all_negatives"] = {
        k: auc(v, ~in_domain) for k, v in distances.items()}
    best_dist = max(report["distance_auc_val_vs_all_negatives"],
                    key=report["distance_auc_val_vs_all_negatives"].get)
    report["distance_choice"] = best_dist
    dist = distances[best_dist]

    # 2. features and L2 strength by cross-validated log loss.
    columns = {n: decoder[:, i] for i, n in enumerate(DECODER)}
    columns["distance"] = dist
    candidates = {
        "mean_log_prob": ("mean_log_prob",),
        "decoder": DECODER,
        "decoder+distance": (*DECODER, "distance"),
        "lp+entropy+distance": ("mean_log_prob", "min_log_prob", "mean_entropy",
                                "max_entropy", "distance"),
    }
    cv: dict[str, Any] = {}
    best: tuple[float, str, float] | None = None
    for cname, names in candidates.items():
        x = np.column_stack([columns[n] for n in names])
        for lam in (0.01, 0.1, 1.0, 10.0, 100.0):
            p = cv_predict(x, y, fold, lam)
            entry = {"log_loss": log_loss(p, y), "auc_all": auc(p, y > 0.5),
                     "auc_in_domain": auc(p[in_domain], y[in_domain] > 0.5),
                     "auc_flickr_val": auc(p[flickr], y[flickr] > 0.5)}
            cv[f"{cname} lam={lam}"] = entry
            if best is None or entry["log_loss"] < best[0]:
                best = (entry["log_loss"], cname, lam)
    assert best is not None
    report["cv"] = cv
    _, cname, lam = best
    report["choice"] = {"features": cname, "lambda": lam}
    names = candidates[cname]
    x = np.column_stack([columns[n] for n in names])
    oof = cv_predict(x, y, fold, lam)
    report["reliability_oof"] = reliability(oof, y)
    report["reliability_oof_in_domain"] = reliability(oof[in_domain], y[in_domain])

    # 3. thresholds on out-of-fold trust: unfamiliar at a val quantile, then the trust
    #    threshold as high as the Flickr8k val budget allows.
    #    The share of the budget spent on ``unfamiliar`` is the one that flags most ood fit
    #    photos (ties: the smaller share).
    sweep = {}
    for q in (0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.9, 0.88, 0.86):
        d_q = float(np.quantile(dist[flickr], q))
        t_q = 0.0
        for t in np.linspace(0, 1, 1001):
            if ((dist > d_q) | (oof < t))[flickr].mean() <= args.val_flag_budget:
                t_q = float(t)
        sweep[q] = (float(((dist > d_q) | (oof < t_q))[ood_fit].mean()), d_q, t_q)
    report["unfamiliar_sweep"] = {str(q): v for q, v in sweep.items()}
    q_best = max(sweep, key=lambda q: (sweep[q][0], q))
    _, d_thr, t_best = sweep[q_best]
    report["unfamiliar_quantile"] = q_best
    unfamiliar = dist > d_thr
    flagged = unfamiliar | (oof < t_best)
    report["thresholds"] = {"low_confidence_below": t_best, "unfamiliar_above": d_thr}
    report["flag_rate_oof"] = {n: float(flagged[source == n].mean()) for n, _, _ in parts}
    report["flag_rate_oof"]["ood_fit_all"] = float(flagged[ood_fit].mean())
    report["unfamiliar_rate_oof"] = {n: float(unfamiliar[source == n].mean()) for n, _, _ in parts}

    # 4. the shipped fit: all fit rows.
    mu, sd = x.mean(0), x.std(0) + 1e-9
    beta = fit_logistic((x - mu) / sd, y, lam)
    chosen = models[best_dist]
    assert chosen.center is not None and chosen.components is not None
    assert chosen.reference is not None
    np.savez_compressed(args.model / "trust.npz", center=chosen.center.astype(np.float16),
                        components=chosen.components.astype(np.float16),
                        reference=chosen.reference.astype(np.float16))
    trust_json = {
        "format_version": 1,
        "about": "capdesk trust estimate: logistic regression on standardised features; "
                 "see docs/TRUST.md",
        "label": f"per-image CIDEr-D >= {args.accept} (in-domain val); ood/ fit halves and "
                 "generated negatives count as not accepted",
        "features": list(names),
        "mean": mu.tolist(), "scale": sd.tolist(), "coef": beta[:-1].tolist(),
        "intercept": float(beta[-1]),
        "low_confidence_below": t_best,
        "unfamiliar_above": d_thr,
        "distance": {"arrays": "trust.npz", "pooling": chosen.pooling, "k": chosen.k,
                     "dims": int(chosen.components.shape[0]), "normalise": chosen.normalise,
                     "whiten": "/white/" in best_dist,
                     "reference": f"{len(chosen.reference)} training photos"},
    }
    (args.model / "trust.json").write_text(json.dumps(trust_json, indent=2) + "\n")
    manifest_path = args.model / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["trust"] = {"file": "trust.json", "arrays": "trust.npz"}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    report["shipped"] = trust_json
    np.savez(cache / "fit_rows.npz", source=source, ids=ids, captions=captions, cider=cider,
             y=y, oof=oof, dist=dist)
    (cache / "fit_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: report[k] for k in ("choice", "distance_choice", "thresholds",
                                             "flag_rate_oof")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
