"""Train a tiny model on synthetic data, export it, and check PyTorch/ONNX parity.

In the spirit of minGPT's tests: the exported graphs must reproduce the PyTorch
log-probabilities and the exact beam-search captions, since the app only has the ONNX.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

import capdesk.training.train as train_module  # noqa: E402
from capdesk.engine import Captioner  # noqa: E402
from capdesk.engine.model import no_repeat_ids  # noqa: E402
from capdesk.training.checkpoint import load_checkpoint  # noqa: E402
from capdesk.training.encoder import build_cnn  # noqa: E402
from capdesk.training.evaluate import generate  # noqa: E402
from capdesk.training.export import export_checkpoint, export_model  # noqa: E402
from capdesk.training.train import cosine_lr, run_training  # noqa: E402
from tests.training.graphs import Graphs, word_lists  # noqa: E402
from tests.training.tiny_config import tiny_config  # noqa: E402


@pytest.fixture(scope="module")
def trained(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("run")
    run_training(tiny_config(corpus, run / "cache", 2), run, progress=False)
    return run


@pytest.fixture(scope="module")
def exported(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    model, vocab, ckpt = load_checkpoint(trained / "last.pt")
    out = tmp_path_factory.mktemp("model") / "tiny"
    cnn = build_cnn("tiny", "4x4", seed=ckpt["train_config"]["seed"])
    export_model(model, cnn, vocab, out, name="tiny", training_data=["shapes"])
    return out


def test_training_writes_checkpoints(trained: Path) -> None:
    model, vocab, ckpt = load_checkpoint(trained / "best.pt")
    assert (trained / "last.pt").is_file() and (trained / "vocab.json").is_file()
    assert ckpt["model_config"]["hidden_dim"] == 16
    assert ckpt["train_config"]["variant"] == "tiny"
    assert len(vocab) == model.cfg.vocab_size
    assert [h["epoch"] for h in ckpt["history"]] == [1, 2][: len(ckpt["history"])]


def test_resume_continues_identically(corpus: Path, trained: Path, tmp_path: Path) -> None:
    cfg = tiny_config(corpus, trained / "cache", 1)
    run_training(cfg, tmp_path, progress=False)
    run_training(replace(cfg, epochs=2), tmp_path, progress=False)
    resumed, _, rck = load_checkpoint(tmp_path / "last.pt")
    straight, _, _ = load_checkpoint(trained / "last.pt")
    assert rck["epoch"] == 2
    for (name, a), (_, b) in zip(
        resumed.state_dict().items(), straight.state_dict().items(), strict=True
    ):
        assert torch.allclose(a, b, atol=1e-6), name


def test_cosine_schedule_anneals_to_the_floor_and_resumes_identically(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cosine_lr(1e-3, 0.0) == pytest.approx(1e-3)
    assert cosine_lr(1e-3, 0.5) == pytest.approx(1e-3 * (0.02 + 0.98 * 0.5))
    assert cosine_lr(1e-3, 1.0) == pytest.approx(2e-5)
    assert cosine_lr(1e-3, 7.0) == pytest.approx(2e-5)  # a resumed run past its horizon
    cfg = replace(tiny_config(corpus, tmp_path / "cache", 2), schedule="cosine")
    run_training(cfg, tmp_path / "straight", progress=False)
    real_validate, calls = train_module.validate, []

    def interrupted_in_epoch_two(*args: object) -> dict[str, float]:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user stops the run before epoch 2 is saved
        return real_validate(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(train_module, "validate", interrupted_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        run_training(cfg, tmp_path / "split", progress=False)
    monkeypatch.setattr(train_module, "validate", real_validate)
    run_training(cfg, tmp_path / "split", progress=False)
    _, _, straight = load_checkpoint(tmp_path / "straight" / "last.pt")
    _, _, split = load_checkpoint(tmp_path / "split" / "last.pt")
    rates = [h["lr"] for h in straight["history"]]
    assert rates[0] > rates[1] >= cosine_lr(cfg.lr, 1.0)  # decays within and across epochs
    assert [h["xent"] for h in split["history"]] == pytest.approx(
        [h["xent"] for h in straight["history"]]
    )
    with pytest.raises(ValueError, match="schedule"):
        run_training(replace(cfg, schedule="step"), tmp_path / "bad", progress=False)


def test_export_contract(exported: Path) -> None:
    import json

    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["grid"] == [4, 4]
    assert manifest["dims"] == {
        "feature": 16,
        "attention": 8,
        "hidden": 16,
        "vocab": manifest["dims"]["vocab"],
    }
    onnx_model = Graphs(exported)
    names = [o.name for o in onnx_model.encoder.get_outputs()]
    assert names == ["features", "projection", "h0", "c0"]
    assert [i.name for i in onnx_model.decoder.get_inputs()] == [
        "words",
        "h",
        "c",
        "features",
        "projection",
    ]


def test_onnx_matches_torch(corpus: Path, trained: Path, exported: Path, tmp_path: Path) -> None:
    model, vocab, _ = load_checkpoint(trained / "last.pt")
    cnn = build_cnn("tiny", "4x4", seed=0)
    onnx_model = Graphs(exported)
    paths = sorted((corpus / "images").glob("*.jpg"))[:5]
    engine = Captioner(exported, provider="cpu")
    pixels = np.stack([engine.load(p)[0] for p in paths])  # type: ignore[index]
    images = engine.encoder_feed(pixels)["images"]
    with torch.no_grad():
        grid = cnn(torch.from_numpy(images)).flatten(2).transpose(1, 2)
        f, p, h, c = model.encode(grid)
        words = torch.tensor([vocab.start_id, 4, 5, 6, 7])
        logits, h1, _c1, alpha = model.step(words, h, c, f, p)
        ref = torch.log_softmax(logits, 1).numpy()
    encoded = onnx_model.encode(images)
    state, ctx = encoded.state, encoded.context
    np.testing.assert_allclose(ctx["features"], f.numpy(), atol=1e-4)
    np.testing.assert_allclose(state["h"], h.numpy(), atol=1e-4)
    logp, new_state, onnx_alpha = onnx_model.step(words.numpy(), state, ctx)
    np.testing.assert_allclose(logp, ref, atol=1e-4)
    np.testing.assert_allclose(new_state["h"], h1.numpy(), atol=1e-4)
    np.testing.assert_allclose(onnx_alpha, alpha.numpy(), atol=1e-4)

    # The engine (its loader, its encoder run, its search) gives the torch captions.
    torch_caps = generate(model, grid.numpy(), vocab, beam_size=3)
    assert word_lists(engine.caption_arrays(pixels, beam_size=3)) == torch_caps
    assert word_lists(engine.search(encoded, beam_size=3)) == torch_caps
    assert any(torch_caps)
    engine.close()

    # Repeat blocking goes through the same shared search on both sides.
    blocking = tmp_path / "blocking"
    export_model(model, cnn, vocab, blocking, name="tiny", training_data=["shapes"],
                 repeatable_words=("a", "the"))
    once = no_repeat_ids(vocab.tokens, ("a", "the"))
    blocked = generate(model, grid.numpy(), vocab, beam_size=3, no_repeat_ids=once)
    with Captioner(blocking, provider="cpu") as blocking_engine:
        assert word_lists(blocking_engine.caption_arrays(pixels, beam_size=3)) == blocked
    for caption in blocked:
        content = [w for w in caption if w not in ("a", "the")]
        assert len(set(content)) == len(content)


def test_tune_decoding_scores_each_option_and_an_ensemble_of_twins(trained: Path) -> None:
    from capdesk.training.tune import DecodingScore, export_flags, tune_decoding

    single = tune_decoding([trained / "last.pt"], [0.0, 1.0])
    assert [(r.length_penalty, r.block_repeats) for r in single] == [
        (0.0, False), (0.0, True), (1.0, False), (1.0, True)
    ]
    for r in single:
        assert set(r.cider) == {"shapes"} and np.isfinite(r.mean_cider) and r.mean_cider >= 0
    # Two identical members average to the same probabilities: the same captions.
    twins = tune_decoding([trained / "last.pt", trained / "last.pt"], [0.0, 1.0])
    for a, b in zip(single, twins, strict=True):
        assert a.cider == pytest.approx(b.cider, abs=1e-9)
    # The script exports the option with the best mean val CIDEr.
    best = max(single, key=lambda r: r.mean_cider)
    assert export_flags(single)[:2] == ["--length-penalty", str(best.length_penalty)]
    options = [DecodingScore(lp, b, {"v": c}, {"v": 0.0}) for lp, b, c in
               [(0.0, False, 0.3), (0.5, True, 0.5), (1.0, False, 0.4)]]
    assert export_flags(options) == ["--length-penalty", "0.5", "--block-repeats"]
    assert export_flags(options[::2]) == ["--length-penalty", "1.0"]


def test_export_can_take_smaller_images_and_enlarge_them_inside(
    trained: Path, tmp_path: Path
) -> None:
    import json

    import torch.nn.functional as F  # noqa: N812

    model, vocab, ckpt = load_checkpoint(trained / "last.pt")
    cnn = build_cnn("tiny", "4x4", seed=ckpt["train_config"]["seed"])
    out = tmp_path / "small-input"
    export_model(model, cnn, vocab, out, name="tiny", training_data=["shapes"], input_size=24)
    assert json.loads((out / "manifest.json").read_text())["input"]["height"] == 24
    images = np.random.default_rng(2).uniform(-1, 1, (2, 3, 24, 24)).astype(np.float32)
    with torch.no_grad():
        big = F.interpolate(torch.from_numpy(images), size=(32, 32), mode="bilinear",
                            align_corners=False)
        f, *_ = model.encode(cnn(big).flatten(2).transpose(1, 2))
    encoded = Graphs(out).encode(images)
    np.testing.assert_allclose(encoded.context["features"], f.numpy(), atol=1e-4)


def test_export_needs_only_the_checkpoint(corpus: Path, tmp_path: Path) -> None:
    """``capdesk train export`` on a machine without the training data (moved away here)."""
    from capdesk.training.cli import main
    from capdesk.training.ensemble import export_ensemble

    data = tmp_path / "shapes"
    shutil.copytree(corpus, data)
    run = tmp_path / "run"
    run_training(tiny_config(data, tmp_path / "cache", 1), run, progress=False)
    shutil.rmtree(data)
    manifest = export_checkpoint(run / "best.pt", tmp_path / "single", name="tiny")
    assert manifest["training_data"] == ["shapes train (16 images)"]
    ensemble = export_ensemble([run / "best.pt", run / "last.pt"], tmp_path / "pair", name="two")
    assert ensemble["training_data"] == ["shapes train"]
    assert main(["export", "--checkpoint", str(run / "best.pt"), "--out",
                 str(tmp_path / "cli"), "--name", "tiny"]) == 0
    for folder in ("single", "pair", "cli"):
        with Captioner(tmp_path / folder, provider="cpu") as engine:
            pixels = np.zeros((1, 32, 32, 3), dtype=np.uint8)
            assert len(engine.caption_arrays(pixels)) == 1
