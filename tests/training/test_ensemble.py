"""An ensemble exported as one model folder computes what its members compute together.

Like the single-model parity test: the ONNX graphs must give the weighted mean of the
members' PyTorch probabilities, the first member's attention, and the same beam captions
as the shared search running over the members' own step functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

import torch.nn.functional as F  # noqa: E402, N812

from capdesk.engine import Captioner as Engine  # noqa: E402
from capdesk.engine.beam import beam_search  # noqa: E402
from capdesk.training.ensemble import (  # noqa: E402
    Member,
    align_vocabulary,
    ensemble_step,
    export_members,
    prefixed,
)
from capdesk.training.evaluate import torch_step  # noqa: E402
from capdesk.training.model import Captioner, ModelConfig  # noqa: E402
from capdesk.training.text import SPECIALS, Vocab  # noqa: E402
from tests.training.graphs import Graphs, word_lists  # noqa: E402
from tests.training.tiny_cnn import TinyCNN  # noqa: E402

WORDS = ("a", "dog", "cat", "runs", "on", "grass", "beach", "red", "ball", "man")
VOCAB = Vocab((*SPECIALS, *WORDS))
WEIGHTS = (2.0, 1.0)


def _member(seed: int, image_size: int, grid: int, hidden: int) -> Member:
    torch.manual_seed(seed)
    cnn = TinyCNN(image_size=image_size, channels=12, grid_size=grid).eval()
    cfg = ModelConfig(12, len(VOCAB), feature_dim=16, attention_dim=8, embed_dim=8,
                      hidden_dim=hidden, dropout=0.0)
    captioner = Captioner(cfg).eval()
    with torch.no_grad():  # sharper random distributions, so beams really differ
        captioner.out.weight.mul_(8.0)
    return Member(cnn, captioner)


@pytest.fixture(scope="module")
def members() -> list[Member]:
    # Different input sizes, grids and hidden widths: the graphs must slice each right.
    return [_member(1, 32, 4, 16), _member(2, 24, 3, 12)]


@pytest.fixture(scope="module")
def exported(members: list[Member], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ensemble") / "model"
    export_members(members, VOCAB, out, name="tiny-ensemble", weights=WEIGHTS,
                   decoding={"beam_size": 3, "max_length": 8}, training_data=["shapes"])
    return out


def _images() -> np.ndarray:
    rng = np.random.default_rng(5)
    return rng.uniform(-1, 1, (3, 3, 24, 24)).astype(np.float32)  # the smaller member's size


def _member_inputs(members: list[Member], images: np.ndarray):
    """Each member's encoding of the batch, with the resize the encoder graph does."""
    out = []
    x = torch.from_numpy(images)
    with torch.no_grad():
        for m in members:
            size = m.cnn.image_size
            xm = x if size == x.shape[-1] else F.interpolate(
                x, size=(size, size), mode="bilinear", align_corners=False)
            out.append(m.captioner.encode(m.cnn(xm).flatten(2).transpose(1, 2)))
    return out


def test_manifest_describes_the_stacked_arrays(exported: Path) -> None:
    import json

    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["input"]["height"] == 24  # the smaller member's; the other upsamples
    assert manifest["grid"] == [4, 4]  # the first member's attention
    assert manifest["dims"]["hidden"] == 16 + 12
    assert manifest["ensemble"]["weights"] == list(WEIGHTS)


def test_onnx_ensemble_is_the_weighted_mean_of_its_members(
    members: list[Member], exported: Path
) -> None:
    images = _images()
    encoded = _member_inputs(members, images)
    words = torch.tensor([VOCAB.start_id, 5, 6])
    probs, alphas = [], []
    with torch.no_grad():
        for m, (f, p, h, c) in zip(members, encoded, strict=True):
            logits, _h, _c, alpha = m.captioner.step(words, h, c, f, p)
            probs.append(torch.softmax(logits, 1).numpy().astype(np.float64))
            alphas.append(alpha.numpy())
    w = np.asarray(WEIGHTS) / sum(WEIGHTS)
    expected = np.log(w[0] * probs[0] + w[1] * probs[1])

    model = Graphs(exported)
    encoded_onnx = model.encode(images)
    state, ctx = encoded_onnx.state, encoded_onnx.context
    # Each member's cells padded to the largest grid (16), so the step can reshape them.
    assert ctx["features"].shape[1] == 2 * 16 and state["h"].shape[1] == 28
    assert not ctx["features"][:, 16 + 9 :].any()
    log_probs, new_state, alpha = model.step(words.numpy(), state, ctx)
    np.testing.assert_allclose(log_probs, expected, atol=1e-4)
    np.testing.assert_allclose(alpha, alphas[0], atol=1e-5)  # the first member's grid
    assert new_state["h"].shape == state["h"].shape
    # Not trivially one member: the mean differs from each member alone.
    assert np.abs(log_probs - np.log(probs[0])).max() > 1e-2
    assert np.abs(log_probs - np.log(probs[1])).max() > 1e-2


def test_onnx_ensemble_captions_match_the_torch_ensemble(
    members: list[Member], exported: Path
) -> None:
    images = _images()
    state, ctx = {}, {}
    for k, (f, p, h, c) in enumerate(_member_inputs(members, images)):
        state.update(prefixed(k, {"h": h.numpy(), "c": c.numpy()}))
        ctx.update(prefixed(k, {"features": f.numpy(), "projection": p.numpy()}))
    step = ensemble_step([torch_step(m.captioner) for m in members], WEIGHTS)
    hyps = beam_search(step, state, ctx, start_id=VOCAB.start_id, end_id=VOCAB.end_id,
                       banned_ids=(0, 1, 3), beam_size=3, max_length=8)
    reference = [list(VOCAB.decode(h.token_ids)) for h in hyps]
    with Engine(exported, provider="cpu") as engine:
        captions = engine.search(Graphs(exported).encode(images), beam_size=3)  # manifest: 8
    assert word_lists(captions) == reference
    assert any(reference)


def test_members_with_reordered_vocabularies_are_aligned() -> None:
    member = _member(3, 32, 4, 16)
    shuffled = (*SPECIALS, *reversed(WORDS))
    words = torch.tensor([VOCAB.start_id, VOCAB.start_id])
    grid = torch.randn(2, 16, 12)
    with torch.no_grad():
        f, p, h, c = member.captioner.encode(grid)
        before = torch.log_softmax(member.captioner.step(words, h, c, f, p)[0], 1)
        align_vocabulary(member.captioner, VOCAB.tokens, shuffled)
        after = torch.log_softmax(member.captioner.step(words, h, c, f, p)[0], 1)
    for new_id, token in enumerate(shuffled):
        old_id = VOCAB.tokens.index(token)
        torch.testing.assert_close(after[:, new_id], before[:, old_id])
    with pytest.raises(ValueError, match="same vocabulary"):
        align_vocabulary(member.captioner, shuffled, (*SPECIALS, *WORDS[:-1], "zebra"))


def test_an_ensemble_needs_two_members_with_one_weight_each(
    members: list[Member], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="two or more"):
        export_members(members[:1], VOCAB, tmp_path, name="x", decoding={},
                       training_data=[])
    with pytest.raises(ValueError, match="two or more"):
        export_members(members, VOCAB, tmp_path, name="x", decoding={}, training_data=[],
                       weights=[1.0])


def test_members_on_one_backbone_share_a_single_cnn_run(
    members: list[Member], tmp_path: Path
) -> None:
    import onnx

    shared = _member(3, 32, 4, 10)
    third = Member(members[0].cnn, shared.captioner)  # same frozen CNN, another decoder
    trio = [members[0], members[1], third]
    export_members(trio, VOCAB, tmp_path, name="trio", decoding={}, training_data=[])

    convs = [n for n in onnx.load(str(tmp_path / "encoder.onnx")).graph.node
             if n.op_type == "Conv"]
    assert len(convs) == 2  # one per distinct CNN (TinyCNN has one conv), not three

    images = _images()
    encoded = Graphs(tmp_path).encode(images)
    state, ctx = encoded.state, encoded.context
    f0, _, _, _ = _member_inputs(members[:1], images)[0]
    f2, _, h2, _ = _member_inputs([third], images)[0]
    np.testing.assert_allclose(ctx["features"][:, :16], f0.numpy(), atol=1e-5)
    np.testing.assert_allclose(ctx["features"][:, 2 * 16 :], f2.numpy(), atol=1e-5)
    np.testing.assert_allclose(state["h"][:, 16 + 12 :], h2.numpy(), atol=1e-5)
