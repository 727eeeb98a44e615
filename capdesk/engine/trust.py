"""The trust estimate: how likely a person is to accept a caption, from cheap signals.

A caption's mean log-probability alone does not tell a wrong caption: the model is as sure
of "a dog in the snow" for a blurred shot of nothing as for a real dog. The estimate adds
how spread the decoder's next-word distributions were (entropy), how diffuse its attention
was, and how far the photo's pooled encoder features lie from the training photos' (mean
distance to the nearest training photos, on unit-length pooled vectors rotated by a PCA
stored with the model: the length of a pooled vector says little, plain documents and
blank photos have short ones that sit near the training mean). A logistic
regression on standardised features, fitted and calibrated on validation captions labelled
by their per-image CIDEr-D and on out-of-domain photos (``scripts/trust_fit.py``, see
docs/TRUST.md), turns them into a probability. It is plain numbers in the model folder
(``trust.json`` + ``trust.npz``), applied here with numpy only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from capdesk.domain import Caption
from capdesk.engine.model import ModelError, ModelSpec

LOW_CONFIDENCE = "low_confidence"
UNFAMILIAR = "unfamiliar"
DISTANCE = "distance"

#: Every feature :func:`caption_features` computes; a trust.json uses a subset, by name.
FEATURE_NAMES = (
    "mean_log_prob",
    "min_log_prob",
    "mean_entropy",
    "max_entropy",
    "first_entropy",
    "length",
    "attention_spread",
    DISTANCE,
)


def caption_features(
    token_log_probs: Sequence[float], entropies: Sequence[float], attention: np.ndarray
) -> dict[str, float]:
    """The decoder's signals for one caption (all but ``distance``).

    ``attention`` is (words, grid_h, grid_w); its spread is each map's entropy divided by
    the entropy of a uniform map, averaged over words: 1 means the model looked everywhere
    at once, which it does when nothing in the photo matches what it knows.
    """
    lps = np.asarray(token_log_probs, dtype=np.float64)
    ents = np.asarray(entropies, dtype=np.float64)
    if lps.size == 0 or ents.size == 0:
        raise ValueError("a caption needs per-token log-probabilities and entropies")
    maps = np.asarray(attention, dtype=np.float64).reshape(len(attention), -1)
    cells = maps.shape[1] if maps.size else 1
    if maps.size and cells > 1:
        safe = np.where(maps > 0, maps, 1.0)
        spread = float((-(maps * np.log(safe)).sum(axis=1) / math.log(cells)).mean())
    else:
        spread = 0.0
    return {
        "mean_log_prob": float(lps.mean()),
        "min_log_prob": float(lps.min()),
        "mean_entropy": float(ents.mean()),
        "max_entropy": float(ents.max()),
        "first_entropy": float(ents[0]),
        "length": float(len(maps) if maps.size else lps.size),
        "attention_spread": spread,
    }


def pool_cells(cells: np.ndarray) -> np.ndarray:
    """(N, cells, D) encoder output → (N, D) mean over the cells that are not padding.

    An ensemble's encoder stacks its members' cells, each padded with zero rows to the
    largest grid (docs/adr/0006); averaging those zeros in would shrink every vector by the
    same factor and hide nothing, but it would tie the reference set to one padding layout.
    """
    cells = np.asarray(cells, dtype=np.float32)
    real = np.any(cells != 0, axis=2)  # (N, cells)
    counts = np.maximum(real.sum(axis=1, keepdims=True), 1)
    return (cells * real[:, :, None]).sum(axis=1) / counts


@dataclass(frozen=True)
class TrustModel:
    """A fitted estimator: standardise, logistic regression, two thresholds."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    #: trust below this → ``low_confidence``
    low_confidence_below: float
    #: distance above this → ``unfamiliar``; None: no such flag
    unfamiliar_above: float | None = None
    #: which encoder output is pooled for the distance: "features" or "projection"
    pooling: str = "features"
    center: np.ndarray | None = None  # (D,)
    components: np.ndarray | None = None  # (d, D), rows scaled when whitened
    reference: np.ndarray | None = None  # (R, d) training photos, projected
    k: int = 5
    #: scale each pooled vector to unit length first (a cosine-like distance)
    normalise: bool = False
    #: The learned ``unfamiliar`` detector (None: the distance rule decides): a logistic
    #: regression on the standardised rotated vectors of :meth:`rotated`, fitted to tell
    #: the out-of-domain fit photos from in-domain val (scripts/ood_detector.py). When
    #: present, ``unfamiliar`` is its probability at or above ``detector_above``.
    detector: tuple[np.ndarray, np.ndarray, np.ndarray, float] | None = None
    detector_above: float = 1.0

    def rotated(self, pooled: np.ndarray) -> np.ndarray:
        """Pooled vectors (unit length when ``normalise``) in the PCA space, per row."""
        if self.center is None or self.components is None:
            raise ValueError("this estimator has no reference set")
        pooled = np.asarray(pooled, np.float32)
        if self.normalise:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray((pooled - self.center) @ self.components.T)

    def detect(self, z: np.ndarray) -> np.ndarray:
        """The detector's probability that each rotated row is out of domain."""
        if self.detector is None:
            raise ValueError("this estimator has no unfamiliar detector")
        mean, scale, coef, intercept = self.detector
        logits = ((z - mean) / scale) @ coef + intercept
        return np.exp(-np.logaddexp(0.0, -logits.astype(np.float64)))

    def distance(self, pooled: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
        """Mean Euclidean distance (PCA space) to the k nearest training photos, per row."""
        if self.reference is None:
            raise ValueError("this estimator has no reference set")
        z = self.rotated(pooled) if z is None else z
        ref = self.reference
        d2 = (z * z).sum(1)[:, None] - 2.0 * z @ ref.T + (ref * ref).sum(1)[None, :]
        k = min(self.k, ref.shape[0])
        nearest = np.partition(np.maximum(d2, 0.0), k - 1, axis=1)[:, :k]
        return np.sqrt(nearest).mean(axis=1).astype(np.float64)

    def probability(self, values: Mapping[str, float]) -> float:
        """Logistic output for one caption's features (names as in ``features``)."""
        x = np.array([values[name] for name in self.features], dtype=np.float64)
        z = float(((x - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def flags(self, trust: float, distance: float | None,
              detected: float | None = None) -> tuple[str, ...]:
        codes = []
        limit = self.unfamiliar_above
        if self.detector is not None:
            if detected is not None and detected >= self.detector_above:
                codes.append(UNFAMILIAR)
        elif limit is not None and distance is not None and distance > limit:
            codes.append(UNFAMILIAR)
        if trust < self.low_confidence_below:
            codes.append(LOW_CONFIDENCE)
        return tuple(codes)

    @property
    def needs_distance(self) -> bool:
        return (DISTANCE in self.features or self.unfamiliar_above is not None
                or self.detector is not None)

    def assess(
        self, captions: Sequence[Caption | None], encoded: Mapping[str, np.ndarray]
    ) -> list[Caption | None]:
        """Captions of one batch with ``trust`` and ``flags`` filled in, in order.

        ``encoded`` holds the encoder outputs by name (``features``, ``projection``).
        """
        distances: Sequence[float | None] = [None] * len(captions)
        detected: Sequence[float | None] = [None] * len(captions)
        if self.needs_distance:
            z = self.rotated(pool_cells(encoded[self.pooling]))
            distances = list(self.distance(z, z))
            if self.detector is not None:
                detected = [float(v) for v in self.detect(z)]
        out: list[Caption | None] = []
        for caption, dist, seen in zip(captions, distances, detected, strict=True):
            if caption is None:
                out.append(None)
                continue
            values = caption_features(
                caption.token_log_probs, caption.entropies, caption.attention
            )
            if dist is not None:
                values[DISTANCE] = dist
            trust = self.probability(values)
            out.append(replace(caption, trust=trust, flags=self.flags(trust, dist, seen)))
        return out


def load_trust(spec: ModelSpec) -> TrustModel | None:
    """The folder's estimator from ``manifest["trust"]``, or None when it ships none.

    Folders made before the estimator existed keep loading: their captions get no trust
    and no trust flags. A manifest that names a trust file which is missing or broken is
    a broken folder, reported like any other contract file.
    """
    entry = spec.manifest.get("trust")
    if not entry:
        return None
    path = spec.directory / str(entry.get("file", "trust.json"))
    try:
        return trust_from_json(json.loads(path.read_text(encoding="utf-8")), path.parent)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"{path} (the trust estimate named in manifest.json) cannot be read ({exc!r}). "
            "Re-export the model, or remove the \"trust\" entry from manifest.json."
        ) from exc


def trust_from_json(data: Mapping[str, Any], directory: Path) -> TrustModel:
    """Build a :class:`TrustModel` from trust.json's numbers (arrays from its npz file)."""
    names = tuple(str(n) for n in data["features"])
    unknown = set(names) - set(FEATURE_NAMES)
    if unknown:
        raise ValueError(f"unknown trust features {sorted(unknown)}")
    arrays: dict[str, np.ndarray] = {}
    dist = data.get("distance") or {}
    if dist:
        with np.load(directory / str(dist["arrays"])) as npz:
            arrays = {k: npz[k].astype(np.float32) for k in ("center", "components", "reference")}
    vectors = [np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "coef")]
    if any(v.shape != (len(names),) for v in vectors):
        raise ValueError("mean, scale and coef need one number per feature")
    if DISTANCE in names and not arrays:
        raise ValueError("the distance feature needs a reference set")
    threshold = data.get("unfamiliar_above")
    block = data.get("unfamiliar_detector") or {}
    detector = None
    if block:
        with np.load(directory / str(block["arrays"])) as npz:
            parts = [npz[f"detector_{k}"].astype(np.float32) for k in ("mean", "scale", "coef")]
        if not arrays or any(p.shape != (arrays["components"].shape[0],) for p in parts):
            raise ValueError("the unfamiliar detector needs one number per PCA component")
        detector = (parts[0], parts[1], parts[2], float(block["intercept"]))
    return TrustModel(
        features=names,
        mean=vectors[0],
        scale=vectors[1],
        coef=vectors[2],
        intercept=float(data["intercept"]),
        low_confidence_below=float(data["low_confidence_below"]),
        unfamiliar_above=None if threshold is None else float(threshold),
        pooling=str(dist.get("pooling", "features")),
        center=arrays.get("center"),
        components=arrays.get("components"),
        reference=arrays.get("reference"),
        k=int(dist.get("k", 5)),
        normalise=bool(dist.get("normalise", False)),
        detector=detector,
        detector_above=float(block.get("above", 1.0)),
    )
