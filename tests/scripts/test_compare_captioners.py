"""The peer comparison's models: built from configs, exported with a KV cache, int8, searched right.

A tiny ViT + GPT-2 stands in for the real sizes; the script's own build, export, quantize
and search run on it. Nothing is timed here (scripts/compare_captioners.py prints timings).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests.conftest import REPO, write_photo

pytest.importorskip("transformers", reason="needs transformers (the `perf` extra)")
pytest.importorskip("torch", reason="needs torch (the `train` extra)")
import onnx
import torch

TOKENS = 5


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "compare_captioners", REPO / "scripts" / "compare_captioners.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it is loading
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _script()


@pytest.fixture(scope="module")
def tiny(script: ModuleType) -> object:
    return script.PeerSpec(
        "tiny", "tiny ViT + GPT-2",
        vit={"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 64, "image_size": 32, "patch_size": 16},
        gpt2={"n_layer": 2, "n_embd": 32, "n_head": 2, "vocab_size": 97, "n_positions": 64,
              "bos_token_id": 96, "eos_token_id": 96},
    )


@pytest.fixture(scope="module")
def exported(script: ModuleType, tiny: object, tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("peer")
    encoder, decoder = script.export(script.build(tiny), folder)
    # The reference is a second build (same seed, same weights): tracing leaves the exported
    # module's own uncached causal mask broken, so it cannot score full sequences afterwards.
    return script.build(tiny), folder, encoder, decoder


def _ops(path: Path) -> set[str]:
    return {node.op_type for node in onnx.load(str(path)).graph.node}


def _sequence_log_prob(model, pixels: np.ndarray, tokens: np.ndarray, bos: int, eos: int):
    """Log-probability of ``tokens`` by the torch model over the whole sequence (no cache)."""
    with torch.no_grad():
        hidden = model.encoder(pixel_values=torch.from_numpy(pixels)).last_hidden_state
        ids = torch.from_numpy(np.concatenate([[[bos]] * len(tokens), tokens[:, :-1]], 1))
        logits = model.decoder(input_ids=ids, encoder_hidden_states=hidden).logits.double()
    logits[..., eos] = -torch.inf
    chosen = torch.log_softmax(logits, -1).gather(2, torch.from_numpy(tokens)[..., None])
    return chosen.sum(dim=(1, 2)).numpy()


@pytest.mark.parametrize("beam", [1, 3])
def test_cached_search_scores_what_the_full_model_scores(
    script: ModuleType, tiny, exported, tmp_path: Path, beam: int
) -> None:
    """Cache reordering per beam and positions from the past length are right: the float
    export's search reports the log-probability the uncached torch model gives its output."""
    model, _, encoder, decoder = exported
    peer = script.Peer(encoder, decoder, tiny, threads=1)
    photos = [write_photo(tmp_path / f"p{i}.jpg", (48, 40), seed=i) for i in range(2)]
    pixels = np.stack([peer.pixels(p) for p in photos])
    tokens, log_probs = peer.generate(pixels, beam, TOKENS)
    assert tokens.shape == (2, TOKENS)
    assert not (tokens == peer.eos).any()
    expected = _sequence_log_prob(model, pixels, tokens, peer.bos, peer.eos)
    np.testing.assert_allclose(log_probs, expected, rtol=1e-4, atol=1e-4)


def test_quantized_as_the_products_ship_them(script: ModuleType, tiny, exported) -> None:
    """Dynamic int8 MatMul weights: uint8 in the encoder (it has the patch Conv), int8 in the
    decoder; the quantized pair still runs a search of the fixed length."""
    _, _, encoder, decoder = exported
    quantized_encoder, quantized_decoder = script.quantize(encoder), script.quantize(decoder)
    assert quantized_encoder.name == script.ENCODER_FILE
    assert quantized_decoder.name == script.DECODER_FILE
    for path, weight_type in ((quantized_encoder, onnx.TensorProto.UINT8),
                              (quantized_decoder, onnx.TensorProto.INT8)):
        assert {"DynamicQuantizeLinear", "MatMulInteger"} <= _ops(path)
        graph = onnx.load(str(path)).graph
        weights = {i.name: i.data_type for i in graph.initializer}
        matmul_weights = [n.input[1] for n in graph.node if n.op_type == "MatMulInteger"]
        assert matmul_weights
        assert {weights[w] for w in matmul_weights if w in weights} == {weight_type}
    peer = script.Peer(quantized_encoder, quantized_decoder, tiny, threads=1)
    tokens, _ = peer.generate(np.zeros((1, 3, 32, 32), np.float32), 3, TOKENS)
    assert tokens.shape == (1, TOKENS)
