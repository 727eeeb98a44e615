"""The trust estimate: features, the logistic output, and model folders with and without it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from capdesk.engine import Captioner, Hypothesis, ModelError, beam_search, load_spec
from capdesk.engine.trust import (
    LOW_CONFIDENCE,
    UNFAMILIAR,
    caption_features,
    load_trust,
    pool_cells,
    trust_from_json,
)
from tests.conftest import write_photo


def test_features_from_a_hand_built_hypothesis() -> None:
    uniform = np.full(4, 0.25, np.float32)
    one_hot = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    hyp = Hypothesis(
        token_ids=(5, 6),
        log_prob=-0.8,
        score=-0.8 / 3,
        alphas=np.stack([uniform, one_hot]),
        token_log_probs=(-0.1, -0.5, -0.2),
        entropies=(1.0, 2.0, 0.5),
    )
    feats = caption_features(hyp.token_log_probs, hyp.entropies, hyp.alphas.reshape(2, 2, 2))
    assert feats["mean_log_prob"] == pytest.approx(-0.8 / 3)
    assert feats["min_log_prob"] == pytest.approx(-0.5)
    assert feats["mean_entropy"] == pytest.approx(3.5 / 3)
    assert feats["max_entropy"] == pytest.approx(2.0)
    assert feats["first_entropy"] == pytest.approx(1.0)
    assert feats["length"] == 2
    # a uniform map spreads fully (1), a one-hot map not at all (0): mean 0.5
    assert feats["attention_spread"] == pytest.approx(0.5)


def test_beam_search_records_each_words_log_prob_and_entropy() -> None:
    # vocabulary: 0 start, 1 end, 2 "a", 3 "b"; the same distribution at every step
    probs = np.array([1e-9, 0.5, 0.3, 0.2 - 1e-9])
    table = np.log(probs)
    def step(words, state, context):  # type: ignore[no-untyped-def]
        rows = len(words)
        return np.tile(table, (rows, 1)), state, np.full((rows, 2), 0.5, np.float32)

    (hyp,) = beam_search(
        step, {"h": np.zeros((1, 1))}, {"f": np.zeros((1, 1))},
        start_id=0, end_id=1, banned_ids=(0,), beam_size=1, max_length=5,
    )
    assert hyp.token_ids == (2,)  # the end token is banned at the first step only
    assert len(hyp.token_log_probs) == len(hyp.entropies) == 2  # "a", then the end token
    assert sum(hyp.token_log_probs) == pytest.approx(hyp.log_prob)
    expected_entropy = float(-(probs * table).sum())
    np.testing.assert_allclose(hyp.entropies, expected_entropy, rtol=1e-6)


def test_pooling_skips_the_padding_cells_of_an_ensemble() -> None:
    cells = np.zeros((1, 6, 2), np.float32)
    cells[0, :2] = [[1.0, 3.0], [3.0, 5.0]]  # member 1: 2 cells, then 1 padding row
    cells[0, 3:5] = [[5.0, 1.0], [7.0, 3.0]]  # member 2: 2 cells, then 1 padding row
    np.testing.assert_allclose(pool_cells(cells), [[4.0, 3.0]])


def _small_json() -> dict:
    return {
        "features": ["mean_log_prob", "length"],
        "mean": [-0.5, 10.0],
        "scale": [0.5, 2.0],
        "coef": [2.0, -1.0],
        "intercept": 0.25,
        "low_confidence_below": 0.4,
    }


def test_the_estimator_from_json_gives_the_logistic_output(tmp_path: Path) -> None:
    model = trust_from_json(_small_json(), tmp_path)
    z = 2.0 * ((-0.2 + 0.5) / 0.5) - 1.0 * ((12 - 10.0) / 2.0) + 0.25
    expected = 1.0 / (1.0 + math.exp(-z))
    assert model.probability({"mean_log_prob": -0.2, "length": 12.0}) == pytest.approx(expected)
    assert model.flags(0.39, None) == (LOW_CONFIDENCE,)
    assert model.flags(0.41, None) == ()


def test_unknown_features_are_refused(tmp_path: Path) -> None:
    data = _small_json() | {"features": ["mean_log_prob", "colour"]}
    with pytest.raises(ValueError, match="colour"):
        trust_from_json(data, tmp_path)


def test_a_folder_without_a_trust_file_still_loads(tiny_model_dir: Path, tmp_path: Path) -> None:
    assert load_trust(load_spec(tiny_model_dir)) is None
    photo = write_photo(tmp_path / "p.jpg")
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        (result,) = engine.caption_paths([photo])
    assert result.ok and result.trust is None and result.caption.flags == ()
    assert not {LOW_CONFIDENCE, UNFAMILIAR} & set(result.flag_codes)
    assert len(result.caption.token_log_probs) == len(result.caption.entropies) > 0


def _with_trust(tiny_model_dir: Path, target: Path) -> Path:
    folder = Path(shutil.copytree(tiny_model_dir, target))
    rng = np.random.default_rng(3)
    feature_dim, dims = 8, 3
    np.savez(
        folder / "trust.npz",
        center=rng.normal(size=feature_dim).astype(np.float16),
        components=rng.normal(size=(dims, feature_dim)).astype(np.float16),
        reference=rng.normal(size=(20, dims)).astype(np.float16),
    )
    names = ["mean_log_prob", "min_log_prob", "mean_entropy", "max_entropy",
             "first_entropy", "length", "attention_spread", "distance"]
    data = {
        "features": names,
        "mean": rng.normal(size=len(names)).tolist(),
        "scale": (rng.random(len(names)) + 0.5).tolist(),
        "coef": rng.normal(size=len(names)).tolist(),
        "intercept": 0.1,
        "low_confidence_below": 0.5,
        "unfamiliar_above": 1.0,
        "distance": {"arrays": "trust.npz", "pooling": "features", "k": 3},
    }
    (folder / "trust.json").write_text(json.dumps(data))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["trust"] = {"file": "trust.json"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_every_caption_gets_a_trust_in_0_1(tiny_model_dir: Path, tmp_path: Path) -> None:
    folder = _with_trust(tiny_model_dir, tmp_path / "model")
    photos = [write_photo(tmp_path / f"{i}.jpg", seed=i) for i in range(7)]
    with Captioner(folder, provider="cpu", threads=1) as engine:
        results = list(engine.caption_paths(photos, batch_size=3))
        assert engine.times.extra["trust"] > 0
    assert all(r.ok for r in results)
    for result in results:
        assert result.trust is not None and 0.0 <= result.trust <= 1.0
        assert result.trust == result.caption.trust
        trust_codes = set(result.flag_codes) & {LOW_CONFIDENCE, UNFAMILIAR}
        assert trust_codes == set(result.caption.flags)
        assert (LOW_CONFIDENCE in trust_codes) == (result.trust < 0.5)


def test_a_manifest_naming_a_missing_trust_file_is_a_broken_folder(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = _with_trust(tiny_model_dir, tmp_path / "model")
    (folder / "trust.npz").unlink()
    with pytest.raises(ModelError, match="trust"):
        Captioner(folder, provider="cpu", threads=1)


def _detector_folder(tmp_path: Path, coef: np.ndarray) -> Path:
    """A trust.json + npz with a 3-component PCA and an unfamiliar detector on it."""
    rng = np.random.default_rng(4)
    np.savez_compressed(
        tmp_path / "trust.npz", center=np.zeros(3, np.float16),
        components=np.eye(3, dtype=np.float16), reference=rng.normal(size=(10, 3)).astype(
            np.float16), detector_mean=np.zeros(3, np.float32),
        detector_scale=np.ones(3, np.float32), detector_coef=coef.astype(np.float32))
    data = _small_json() | {
        "distance": {"arrays": "trust.npz", "pooling": "projection", "k": 2},
        "unfamiliar_above": 0.0,  # would flag everything: the detector takes over from it
        "unfamiliar_detector": {"arrays": "trust.npz", "intercept": -1.0, "above": 0.5},
    }
    (tmp_path / "trust.json").write_text(json.dumps(data))
    return tmp_path


def test_the_learned_detector_decides_unfamiliar(tmp_path: Path) -> None:
    model = trust_from_json(json.loads((_detector_folder(
        tmp_path, np.array([4.0, 0.0, 0.0])) / "trust.json").read_text()), tmp_path)
    z = model.rotated(np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]], np.float32))
    seen = model.detect(z)
    assert seen[0] == pytest.approx(1 / (1 + math.exp(-3.0)))  # 4 * 1 - 1
    assert seen[1] == pytest.approx(1 / (1 + math.exp(5.0)))
    assert model.flags(0.9, 0.5, float(seen[0])) == (UNFAMILIAR,)
    assert model.flags(0.9, 0.5, float(seen[1])) == ()  # the distance rule is not used


def test_a_detector_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    folder = _detector_folder(tmp_path, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="one number per PCA component"):
        trust_from_json(json.loads((folder / "trust.json").read_text()), folder)
