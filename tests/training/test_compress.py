"""Float16 storage and int8 decoder weights keep the model contract and its outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from capdesk.engine.captioner import Captioner  # noqa: E402
from capdesk.training.compress import _weight_products, compress_model_dir  # noqa: E402
from tests.conftest import write_photo  # noqa: E402


def _run(model_dir: Path, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encoder outputs and the first decode step's log-probabilities."""
    prov = ["CPUExecutionProvider"]
    enc = ort.InferenceSession(str(model_dir / "encoder.onnx"), providers=prov)
    dec = ort.InferenceSession(str(model_dir / "decoder_step.onnx"), providers=prov)
    features, projection, h0, c0 = enc.run(None, {"images": images})
    words = np.full(len(images), 1, dtype=np.int64)
    feeds = {"words": words, "h": h0, "c": c0, "features": features, "projection": projection}
    log_probs = dec.run(["log_probs"], feeds)[0]
    return projection, log_probs


@pytest.fixture
def images() -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.uniform(-1, 1, (2, 3, 32, 32)).astype(np.float32)


def test_float16_storage_halves_weights_and_keeps_outputs(
    tiny_model_dir: Path, tmp_path: Path, images: np.ndarray
) -> None:
    out = tmp_path / "fp16"
    sizes = compress_model_dir(tiny_model_dir, out, "fp16", min_elements=16)
    for name in ("encoder.onnx", "decoder_step.onnx"):
        graph = onnx.load(str(out / name)).graph
        halves = [i for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT16]
        assert halves, f"{name}: no initializer was stored as float16"
        assert sizes[name] < (tiny_model_dir / name).stat().st_size
    ref_proj, ref_lp = _run(tiny_model_dir, images)
    proj, lp = _run(out, images)
    assert proj.dtype == np.float32 and lp.dtype == np.float32  # still computes in float32
    np.testing.assert_allclose(proj, ref_proj, rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(lp, ref_lp, rtol=2e-2, atol=2e-2)
    assert not np.array_equal(lp, ref_lp)  # the weights really changed precision
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["weights"] == "fp16"
    assert "metrics" not in manifest  # float32 metrics must be re-measured


def _calibration_photos(folder: Path, count: int = 8) -> list[Path]:
    folder.mkdir()
    return [write_photo(folder / f"cal{i}.png", (40, 40), seed=11 + i) for i in range(count)]


def _compressed(tiny_model_dir: Path, tmp_path: Path, mode: str) -> tuple[Path, set[str]]:
    """The tiny model compressed in ``mode`` (calibrated on a few photos), and its decoder ops."""
    out = tmp_path / mode
    calibration = _calibration_photos(tmp_path / "calibration")
    compress_model_dir(tiny_model_dir, out, mode, calibration=calibration)
    return out, {n.op_type for n in onnx.load(str(out / "decoder_step.onnx")).graph.node}


@pytest.mark.parametrize("mode", ["int8", "int8-static"])
def test_int8_quantizes_and_still_captions(
    tiny_model_dir: Path, tmp_path: Path, images: np.ndarray, mode: str
) -> None:
    out, ops = _compressed(tiny_model_dir, tmp_path, mode)
    assert {"MatMulInteger", "DynamicQuantizeLinear"} & ops
    encoder_ops = {n.op_type for n in onnx.load(str(out / "encoder.onnx")).graph.node}
    assert ({"QuantizeLinear", "DequantizeLinear"} <= encoder_ops) == (mode == "int8-static")
    _, ref_lp = _run(tiny_model_dir, images)
    _, lp = _run(out, images)
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, atol=1e-4)
    assert np.abs(lp - ref_lp).max() < 0.5
    with Captioner(out, provider="cpu", threads=1) as engine:
        captions = engine.caption_arrays(np.zeros((1, 32, 32, 3), np.uint8))
    assert captions[0] is not None and captions[0].text


@pytest.mark.parametrize("mode", ["int8-decoder-static", "int8-products-static"])
def test_static_quantization_keeps_each_row_independent_of_its_batch(
    tiny_model_dir: Path, tmp_path: Path, images: np.ndarray, mode: str
) -> None:
    out, ops = _compressed(tiny_model_dir, tmp_path, mode)
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops and "DynamicQuantizeLinear" not in ops
    encoder = onnx.load(str(out / "encoder.onnx")).graph.node
    dequantized = {o for n in encoder if n.op_type == "DequantizeLinear" for o in n.output}

    def fed_int8(op_types: tuple[str, ...]) -> bool:
        return any(i in dequantized for n in encoder if n.op_type in op_types for i in n.input)

    # The encoder's feature heads only in the products mode; its convolutions never.
    assert fed_int8(("MatMul", "Gemm")) == (mode == "int8-products-static")
    assert not fed_int8(("Conv",))
    projection_ref, ref_lp = _run(tiny_model_dir, images)
    projection, lp = _run(out, images)
    assert np.abs(projection - projection_ref).max() < 0.05
    assert np.abs(lp - ref_lp).max() < 0.1
    assert 0.5 * np.abs(np.exp(lp) - np.exp(ref_lp)).sum(axis=1).max() < 0.02
    # A row's result must not depend on the rows beside it (dynamic int8 fails this).
    _, first_alone = _run(out, images[:1])
    np.testing.assert_allclose(first_alone[0], lp[0], atol=1e-5)
    dynamic = tmp_path / "int8"
    compress_model_dir(tiny_model_dir, dynamic, "int8")
    loud = np.concatenate([images[:1], images[1:] * 40.0])  # a neighbour with a wide range
    _, dyn_alone = _run(dynamic, images[:1])
    _, dyn_loud = _run(dynamic, loud)
    _, static_loud = _run(out, loud)
    assert np.abs(dyn_alone[0] - dyn_loud[0]).max() > 1e-4  # why the static mode exists
    np.testing.assert_allclose(static_loud[0], lp[0], atol=1e-5)


def test_unknown_mode_and_int8_without_calibration_are_refused(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="mode"):
        compress_model_dir(tiny_model_dir, tmp_path / "x", "int4")
    with pytest.raises(ValueError, match="calibration"):
        compress_model_dir(tiny_model_dir, tmp_path / "y", "int8-static")
    with pytest.raises(ValueError, match="calibration"):
        compress_model_dir(tiny_model_dir, tmp_path / "z", "int8-decoder-static")


def test_only_products_with_a_wide_weight_matrix_are_chosen_for_int8() -> None:
    from onnx import TensorProto, helper, numpy_helper

    def weight(name: str, shape: tuple[int, ...]) -> onnx.TensorProto:
        return numpy_helper.from_array(np.ones(shape, np.float32), name)

    nodes = [
        helper.make_node("MatMul", ["x", "wide"], ["a"], name="wide"),  # (8, 64): chosen
        helper.make_node("Gemm", ["x", "scorer"], ["b"], name="scorer", transB=1),  # 1 column
        helper.make_node("MatMul", ["cells", "x"], ["c"], name="left"),  # weight on the left
        helper.make_node("MatMul", ["x", "x_t"], ["d"], name="no_weight"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("x", "x_t")],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "abcd"],
        [weight("wide", (8, 64)), weight("scorer", (1, 8)), weight("cells", (8, 8))],
    )
    assert _weight_products(helper.make_model(graph)) == ["wide"]
