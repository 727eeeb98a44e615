"""SCST on the synthetic corpus: steps run, the loss is finite, runs resume, CIDEr-D is right."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pycocoevalcap.cider.cider import Cider  # noqa: E402

from capdesk.engine.scoring import score_captions  # noqa: E402
from capdesk.training.checkpoint import load_checkpoint  # noqa: E402
from capdesk.training.data import read_folder  # noqa: E402
from capdesk.training.scst import (  # noqa: E402
    CiderD,
    ScstConfig,
    run_scst,
    sample_captions,
    sample_ids,
    scst_loss,
)
from capdesk.training.text import tokenize  # noqa: E402
from capdesk.training.train import run_training  # noqa: E402
from tests.training.tiny_config import tiny_config  # noqa: E402

#: Both scorers do the same float64 arithmetic in a different summation order, so they may
#: differ only by rounding (~1e-15 relative); 1e-9 leaves room for that and nothing else.
TOL = 1e-9


@pytest.fixture(scope="module")
def ce_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("ce")
    cfg = tiny_config(corpus, run / "cache", 1)
    return run_training(cfg, run, progress=False)


def _scst(init: Path, run: Path, steps: int) -> Path:
    cfg = ScstConfig(
        init=str(init),
        lr=1e-3,
        samples=3,
        batch_images=4,
        max_steps=steps,
        val_every_steps=2,
        threads=1,
    )
    run_scst(cfg, run, progress=False)
    return run / "last.pt"


def test_sampling_and_loss_are_finite(ce_run: Path) -> None:
    model, vocab, _ = load_checkpoint(ce_run)
    grid = torch.randn(2, 16, model.cfg.cnn_channels)
    ids, logp, mask = sample_captions(model, grid, vocab, samples=3, max_words=6)
    assert ids.shape[0] == 6 and ids.shape == logp.shape == mask.shape
    assert not bool(torch.isin(ids, torch.tensor([vocab.pad_id, vocab.start_id])).any())
    loss, _ = scst_loss(logp, mask, np.array([1.0, 0.0, 0.5, 0.2, 0.2, 0.2]), samples=3)
    assert math.isfinite(loss.item())
    loss.backward()


def test_sample_ids_follow_the_probabilities_and_never_draw_a_zero() -> None:
    torch.manual_seed(0)
    probs = torch.tensor([[0.0, 0.5, 0.0, 0.3, 0.2, 0.0]]).repeat(20000, 1)
    ids = sample_ids(probs)
    counts = torch.bincount(ids, minlength=6).double() / len(ids)
    assert counts[[0, 2, 5]].sum() == 0
    torch.testing.assert_close(
        counts[[1, 3, 4]], torch.tensor([0.5, 0.3, 0.2]).double(), atol=0.015, rtol=0
    )


def test_steps_run_and_resume_identically(ce_run: Path, tmp_path: Path) -> None:
    straight = torch.load(_scst(ce_run, tmp_path / "a", 4), weights_only=False)
    _scst(ce_run, tmp_path / "b", 2)
    resumed = torch.load(_scst(ce_run, tmp_path / "b", 4), weights_only=False)
    assert straight["step"] == resumed["step"] == 4
    assert [h["step"] for h in resumed["history"]] == [0, 2, 4]
    assert all(math.isfinite(h["loss"]) for h in resumed["history"][1:])
    assert resumed["train_config"]["extra"]["scst"]["samples"] == 3
    for name, a in straight["model"].items():
        torch.testing.assert_close(resumed["model"][name], a, msg=name)
    # The checkpoint keeps the fit layout, so export/load_checkpoint accept it.
    model, vocab, _ = load_checkpoint(tmp_path / "b" / "last.pt")
    assert len(vocab) == model.cfg.vocab_size


def _captions(corpus: Path) -> tuple[dict[str, list[str]], dict[str, str]]:
    cs = read_folder(corpus, "train")
    refs = {k: cs.captions[k][1:] for k in cs.images}
    # Hypotheses: held-out references plus a wrong-colour caption, so scores vary.
    hyps = {
        k: cs.captions[k][0] if i % 2 else "a red stripe on a dark" for i, k in enumerate(cs.images)
    }
    return refs, hyps


def test_cider_d_matches_pycocoevalcap(corpus: Path) -> None:
    refs, hyps = _captions(corpus)
    keys = list(hyps)
    gts = {k: [" ".join(tokenize(r)) for r in refs[k]] for k in keys}
    res = {k: [" ".join(tokenize(hyps[k]))] for k in keys}
    want_mean, want = Cider().compute_score(gts, res)
    scorer = CiderD([[r.split() for r in gts[k]] for k in keys])
    got = np.array([scorer.score(res[k][0].split(), i) for i, k in enumerate(keys)])
    assert np.ptp(got) > 0.5
    np.testing.assert_allclose(got, want, rtol=0, atol=TOL)
    assert abs(got.mean() - want_mean) < TOL


def test_cider_d_matches_java_tokenised_cider(corpus: Path) -> None:
    """The numbers `evaluate` reports use the Java PTB tokenizer; on these captions our
    tokenizer produces the same tokens, so the reward equals the reported CIDEr."""
    if shutil.which("java") is None:
        pytest.skip("Java not installed: pycocoevalcap's PTB tokenizer needs it")
    refs, hyps = _captions(corpus)
    keys = list(hyps)
    scorer = CiderD([[tokenize(r) for r in refs[k]] for k in keys])
    got = np.mean([scorer.score(tokenize(hyps[k]), i) for i, k in enumerate(keys)])
    assert abs(got - score_captions(refs, hyps, meteor=False)["CIDEr"]) < TOL
