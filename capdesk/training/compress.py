"""Shrink an exported model directory: float16 weight storage or int8 decoder weights.

Float16 here means *storage*: every large float32 initializer is written as float16 and
followed by a ``Cast`` back to float32, so the graph still computes in float32 on every
execution provider (CPU kernels for float16 arithmetic are slow or missing) and ONNX
Runtime folds the casts once when the session is created. It halves the download and
the bundle at a cost that ``capdesk train evaluate`` measures rather than assumes.

``int8`` applies ONNX Runtime's dynamic quantization to the decoder's matrix products
(int8 weights, activations quantized per call) and stores what is left (the encoder, the
word embedding) as float16. On the validation splits it scored the same as float32.

Dynamic quantization picks one activation scale per call for the whole batch, so a
photo's caption depended on the other photos decoded with it (2 of 48 Flickr8k test
photos changed between batches of 1 and 8; tests/engine/test_shipped_model.py).
``int8-decoder-static`` avoids that: the decoder's products with a weight matrix get
int8 weights per output channel and fixed uint8 activation ranges, calibrated on the
decoder inputs of real beam searches (float model, training photos), so every row is
computed on its own. ``int8-products-static`` does the same to the encoder's products
too (the feature heads after the CNN, calibrated on photos), leaving its convolutions
float: a four-member ensemble's encoder got 5 % faster and scored like float32 on val.

``int8-static`` also quantizes the encoder statically (QDQ, int8 weights per channel,
uint8 activations whose ranges come from calibration photos run through the float
model). Its convolutions then run about 1.5 times faster, but with MinMax calibration on
64 training photos it cost 1.2 BLEU-4 and 2.5 CIDEr on Flickr8k val, so it is not what
ships (docs/MODEL.md). Dynamic quantization is no option for the encoder: ConvInteger is
slower than float32 on CPUs.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from capdesk.engine import Captioner
from capdesk.imaging import ImageLoadError
from capdesk.training.manifest import write_manifest

log = logging.getLogger(__name__)

Feed = dict[str, np.ndarray]

MODES = ("fp16", "int8", "int8-static", "int8-decoder-static", "int8-products-static")
#: Modes whose activation ranges come from calibration photos.
CALIBRATED = ("int8-static", "int8-decoder-static", "int8-products-static")
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
    source: Path,
    out_dir: Path,
    mode: str,
    *,
    calibration: Sequence[Path] = (),
    min_elements: int = MIN_ELEMENTS,
) -> dict[str, int]:
    """Copy ``source`` to ``out_dir`` with smaller weights; returns file sizes in bytes.

    ``calibration`` (calibrated modes only): photos like the ones the model will see,
    typically a few dozen training images; never test images. ``manifest.json`` gains
    ``"weights": mode`` so a model folder says what it holds.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode in CALIBRATED and not calibration:
        raise ValueError(f"{mode} needs calibration images for the activation ranges")
    source, out_dir = Path(source), Path(out_dir)
    if source.resolve() != out_dir.resolve():
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("vocab.json", "manifest.json", "encoder.onnx", "decoder_step.onnx"):
            shutil.copy2(source / name, out_dir / name)
    if mode == "int8-static":
        _quantize_encoder(out_dir / "encoder.onnx", _photos(out_dir, calibration))
    if mode in ("int8-decoder-static", "int8-products-static"):
        feeds = _decoder_inputs(out_dir, calibration)  # from the float model, before any change
        _quantize_products_static(out_dir / "decoder_step.onnx", feeds)
        if mode == "int8-products-static":
            _quantize_products_static(out_dir / "encoder.onnx", _photos(out_dir, calibration))
    elif mode.startswith("int8"):
        _quantize_decoder(out_dir / "decoder_step.onnx")
    for name in ("encoder.onnx", "decoder_step.onnx"):
        model = onnx.load(str(out_dir / name))
        n = float16_storage(model, min_elements)
        onnx.checker.check_model(model)
        onnx.save(model, str(out_dir / name))
        log.info("%s: %d initializers stored as float16", name, n)
    _mark_manifest(out_dir, mode)
    return {p.name: p.stat().st_size for p in sorted(out_dir.glob("*.onnx"))}


def _reader(feeds: Iterable[Feed]) -> Any:
    """ONNX Runtime's calibration interface over any iterable of input dictionaries."""
    from onnxruntime.quantization import CalibrationDataReader  # noqa: PLC0415

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._feeds = iter(feeds)

        def get_next(self) -> Feed | None:
            return next(self._feeds, None)

    return Reader()


def _pixels(captioner: Captioner, paths: Sequence[Path]) -> np.ndarray:
    """(N,H,W,3) uint8 photos through the engine's loader, exactly as the app loads them."""
    images = []
    for path in paths:
        loaded = captioner.load(Path(path))
        if isinstance(loaded, ImageLoadError):
            raise ValueError(f"calibration photo {path}: {loaded}")
        images.append(loaded[0])
    return np.stack(images)


def _photos(model_dir: Path, calibration: Sequence[Path]) -> list[Feed]:
    """The encoder's input for each calibration photo, loaded and normalised by the engine."""
    with Captioner(model_dir, provider="cpu") as captioner:
        return [captioner.encoder_feed(_pixels(captioner, [p])) for p in calibration]


def _quantize_encoder(path: Path, photos: Sequence[Feed]) -> None:
    from onnxruntime.quantization import (  # noqa: PLC0415
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        prepared, target = Path(tmp) / "prepared.onnx", Path(tmp) / path.name
        quant_pre_process(str(path), str(prepared))  # shape inference + graph clean-up
        quantize_static(
            str(prepared),
            str(target),
            _reader(photos),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
        shutil.move(str(target), path)
    log.info("%s: statically quantized to int8 with %d calibration images", path.name, len(photos))


def _quantize_decoder(path: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / path.name
        quantize_dynamic(
            path, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"]
        )
        shutil.move(str(target), path)
    log.info("%s: MatMul/Gemm weights quantized to int8", path.name)


def _decoder_inputs(model_dir: Path, photos: Sequence[Path], batch: int = 8) -> list[Feed]:
    """The decoder's inputs at every step of the engine's beam searches on ``photos``
    (float model, the manifest's decoding settings)."""
    feeds: list[Feed] = []
    with Captioner(model_dir, provider="cpu") as captioner:
        for start in range(0, len(photos), batch):
            encoded = captioner.encode(_pixels(captioner, photos[start : start + batch]))
            captioner.search(encoded, observe_step=lambda feed: feeds.append(dict(feed)))
    return feeds


#: Products with fewer output columns stay float: quantizing their input (for an
#: attention scorer, a (rows, cells, 256) tensor per step) costs more than int8 saves.
MIN_QUANTIZED_COLUMNS = 64


def _weight_products(model: onnx.ModelProto) -> list[str]:
    """Names of the Gemm/MatMul nodes whose right operand is a weight matrix worth int8."""
    weights = {init.name: init for init in model.graph.initializer}
    chosen = []
    for node in model.graph.node:
        if node.op_type not in ("Gemm", "MatMul") or node.input[1] not in weights:
            continue
        shape = list(weights[node.input[1]].dims)
        trans_b = any(a.name == "transB" and a.i for a in node.attribute)
        columns = shape[0] if trans_b else shape[-1]
        if len(shape) == 2 and columns >= MIN_QUANTIZED_COLUMNS:
            chosen.append(node.name)
    return chosen


def _quantize_products_static(path: Path, feeds: Sequence[Feed]) -> None:
    from onnxruntime.quantization import (  # noqa: PLC0415
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    # Only products with a weight matrix: the attention sums (alpha x features) stay float,
    # since a uint8 alpha could not tell 1/130 from 0; so do convolutions (see int8-static).
    model = onnx.load(str(path))
    for index, node in enumerate(model.graph.node):
        node.name = node.name or f"{node.op_type}_{index}"  # selection below is by name
    weighted = _weight_products(model)
    with tempfile.TemporaryDirectory() as tmp:
        named, target = Path(tmp) / "named.onnx", Path(tmp) / path.name
        onnx.save(model, str(named))
        quantize_static(
            str(named),
            str(target),
            _reader(feeds),
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=["Gemm", "MatMul"],
            nodes_to_quantize=weighted,
            per_channel=True,
            # One scale per output column; without this a MatMul weight (K, N) would get
            # one per input row, which cost the tiny test model 0.15 in total variation.
            # Outputs stay float: a uint8 logit or LSTM gate would cost accuracy for no speed.
            extra_options={
                "QDQOpTypePerChannelSupportToAxis": {"MatMul": 1},
                "OpTypesToExcludeOutputQuantization": ["Gemm", "MatMul"],
            },
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
        shutil.move(str(target), path)
    log.info(
        "%s: %d weight products statically quantized (%d calibration steps)",
        path.name,
        len(weighted),
        len(feeds),
    )


def _mark_manifest(out_dir: Path, mode: str) -> None:
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["weights"] = mode
    manifest.pop("metrics", None)  # metrics belong to the float32 weights until re-measured
    # So does a trust estimate: it was fitted on the other weights' probabilities and
    # features (scripts/trust_fit.py fits one for the compressed folder).
    manifest.pop("trust", None)
    write_manifest(out_dir, manifest)
