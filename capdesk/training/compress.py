"""Shrink an exported model directory: float16 weight storage or int8 decoder weights.

Float16 here means *storage*: every large float32 initializer is written as float16 and
followed by a ``Cast`` back to float32, so the graph still computes in float32 on every
execution provider (CPU kernels for float16 arithmetic are slow or missing) and ONNX
Runtime folds the casts once when the session is created. It halves the download and
the bundle at a cost that ``capdesk train evaluate`` measures rather than assumes.

``int8`` first applies ONNX Runtime's dynamic quantization to the decoder's matrix
products (weights int8, activations quantized per call), then stores what is left (the
encoder, the word embedding) as float16. The encoder's convolutions are not quantized:
dynamic quantization of convolutions (ConvInteger) is slower than float32 on CPUs.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

log = logging.getLogger(__name__)

MODES = ("fp16", "int8")
#: Initializers smaller than this stay float32: biases and norms are tiny and sensitive.
MIN_ELEMENTS = 1024


def float16_storage(model: onnx.ModelProto, min_elements: int = MIN_ELEMENTS) -> int:
    """Store large float32 initializers as float16 + Cast; returns how many were converted."""
    graph = model.graph
    converted = 0
    kept = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            kept.append(init)
            continue
        array = numpy_helper.to_array(init)
        if np.abs(array).max(initial=0.0) > np.finfo(np.float16).max:
            kept.append(init)  # would overflow; leave it exact
            continue
        half_name = f"{init.name}__fp16"
        kept.append(numpy_helper.from_array(array.astype(np.float16), half_name))
        cast = helper.make_node(
            "Cast", [half_name], [init.name], to=TensorProto.FLOAT, name=f"{init.name}__cast"
        )
        graph.node.insert(0, cast)
        converted += 1
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return converted


def compress_model_dir(
    source: Path, out_dir: Path, mode: str, *, min_elements: int = MIN_ELEMENTS
) -> dict[str, int]:
    """Copy ``source`` to ``out_dir`` with smaller weights; returns file sizes in bytes.

    ``manifest.json`` gains ``"weights": mode`` so a model folder says what it holds.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    source, out_dir = Path(source), Path(out_dir)
    if source.resolve() != out_dir.resolve():
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("vocab.json", "manifest.json", "encoder.onnx", "decoder_step.onnx"):
            shutil.copy2(source / name, out_dir / name)
    if mode == "int8":
        _quantize_decoder(out_dir / "decoder_step.onnx")
    for name in ("encoder.onnx", "decoder_step.onnx"):
        model = onnx.load(str(out_dir / name))
        n = float16_storage(model, min_elements)
        onnx.checker.check_model(model)
        onnx.save(model, str(out_dir / name))
        log.info("%s: %d initializers stored as float16", name, n)
    _mark_manifest(out_dir, mode)
    return {p.name: p.stat().st_size for p in sorted(out_dir.glob("*.onnx"))}


def _quantize_decoder(path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / path.name
        quantize_dynamic(
            path, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"]
        )
        shutil.move(str(target), path)
    log.info("%s: MatMul/Gemm weights quantized to int8", path.name)


def _mark_manifest(out_dir: Path, mode: str) -> None:
    import json  # noqa: PLC0415

    from capdesk.training.export import write_manifest  # noqa: PLC0415  (torch is heavy)

    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["weights"] = mode
    manifest.pop("metrics", None)  # metrics belong to the float32 weights until re-measured
    write_manifest(out_dir, manifest)
