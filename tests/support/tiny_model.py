"""A tiny random-weights captioner in the model directory contract, built with onnx.helper.

The engine, CLI and app tests run against it so that no test depends on a trained model
file; the graphs have the same inputs, outputs and dynamic batch axes as the real export.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

WORDS = ("a", "dog", "cat", "runs", "on", "the", "grass", "beach", "man", "red", "ball")
SPECIALS = ("<pad>", "<start>", "<end>", "<unk>")


def _init(name: str, array: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def _const(name: str, values: list[int]) -> onnx.TensorProto:
    return _init(name, np.asarray(values, dtype=np.int64))


def _encoder(
    rng: np.random.Generator, size: int, grid: int, dims: dict[str, int]
) -> onnx.ModelProto:
    d, a, hd = dims["feature"], dims["attention"], dims["hidden"]
    kernel = size // grid
    nodes = [
        helper.make_node("AveragePool", ["images"], ["pooled"], kernel_shape=[kernel, kernel],
                         strides=[kernel, kernel]),
        helper.make_node("Conv", ["pooled", "conv_w", "conv_b"], ["conv"]),
        helper.make_node("Relu", ["conv"], ["act"]),
        helper.make_node("Reshape", ["act", "shape_nd_l"], ["flat"]),
        helper.make_node("Transpose", ["flat"], ["features"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["features", "proj_w"], ["projection"]),
        helper.make_node("ReduceMean", ["features"], ["mean"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["mean", "init_h_w"], ["h_pre"]),
        helper.make_node("Tanh", ["h_pre"], ["h0"]),
        helper.make_node("MatMul", ["mean", "init_c_w"], ["c_pre"]),
        helper.make_node("Tanh", ["c_pre"], ["c0"]),
    ]
    inits = [
        _init("conv_w", rng.normal(0, 1.0, (d, 3, 1, 1)).astype(np.float32)),
        _init("conv_b", rng.normal(0, 0.1, (d,)).astype(np.float32)),
        _const("shape_nd_l", [0, d, -1]),
        _const("axis1", [1]),
        _init("proj_w", rng.normal(0, 0.3, (d, a)).astype(np.float32)),
        _init("init_h_w", rng.normal(0, 0.3, (d, hd)).astype(np.float32)),
        _init("init_c_w", rng.normal(0, 0.3, (d, hd)).astype(np.float32)),
    ]
    graph = helper.make_graph(
        nodes, "tiny_encoder",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, size, size])],
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", grid * grid, d]),
            helper.make_tensor_value_info("projection", TensorProto.FLOAT, ["N", grid * grid, a]),
            helper.make_tensor_value_info("h0", TensorProto.FLOAT, ["N", hd]),
            helper.make_tensor_value_info("c0", TensorProto.FLOAT, ["N", hd]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _decoder(
    rng: np.random.Generator, grid: int, dims: dict[str, int], vocab: int
) -> onnx.ModelProto:
    d, a, hd, e = dims["feature"], dims["attention"], dims["hidden"], dims["embed"]
    nodes = [
        helper.make_node("Gather", ["embedding", "words"], ["emb"]),
        helper.make_node("MatMul", ["h", "att_h_w"], ["att_h"]),
        helper.make_node("Unsqueeze", ["att_h", "axis1"], ["att_h3"]),
        helper.make_node("Add", ["projection", "att_h3"], ["att_sum"]),
        helper.make_node("Tanh", ["att_sum"], ["att_act"]),
        helper.make_node("MatMul", ["att_act", "att_v"], ["att_score3"]),
        helper.make_node("Squeeze", ["att_score3", "axis2"], ["att_score"]),
        helper.make_node("Softmax", ["att_score"], ["alpha"], axis=1),
        helper.make_node("Unsqueeze", ["alpha", "axis1"], ["alpha3"]),
        helper.make_node("MatMul", ["alpha3", "features"], ["ctx3"]),
        helper.make_node("Squeeze", ["ctx3", "axis1"], ["ctx"]),
        helper.make_node("Concat", ["emb", "ctx", "h"], ["x"], axis=1),
        helper.make_node("MatMul", ["x", "lstm_w"], ["gates_nb"]),
        helper.make_node("Add", ["gates_nb", "lstm_b"], ["gates"]),
        helper.make_node("Split", ["gates", "split4"], ["gi", "gf", "gg", "go"], axis=1),
        helper.make_node("Sigmoid", ["gi"], ["i"]),
        helper.make_node("Sigmoid", ["gf"], ["f"]),
        helper.make_node("Tanh", ["gg"], ["g"]),
        helper.make_node("Sigmoid", ["go"], ["o"]),
        helper.make_node("Mul", ["f", "c"], ["fc"]),
        helper.make_node("Mul", ["i", "g"], ["ig"]),
        helper.make_node("Add", ["fc", "ig"], ["c_out"]),
        helper.make_node("Tanh", ["c_out"], ["c_act"]),
        helper.make_node("Mul", ["o", "c_act"], ["h_out"]),
        helper.make_node("MatMul", ["h_out", "out_w"], ["logits_nb"]),
        helper.make_node("Add", ["logits_nb", "out_b"], ["logits"]),
        helper.make_node("LogSoftmax", ["logits"], ["log_probs"], axis=1),
    ]
    inits = [
        _init("embedding", rng.normal(0, 1.0, (vocab, e)).astype(np.float32)),
        _init("att_h_w", rng.normal(0, 0.3, (hd, a)).astype(np.float32)),
        _init("att_v", rng.normal(0, 1.0, (a, 1)).astype(np.float32)),
        _init("lstm_w", rng.normal(0, 0.3, (e + d + hd, 4 * hd)).astype(np.float32)),
        _init("lstm_b", np.zeros(4 * hd, dtype=np.float32)),
        _init("out_w", rng.normal(0, 1.5, (hd, vocab)).astype(np.float32)),
        _init("out_b", _output_bias(vocab)),
        _const("axis1", [1]),
        _const("axis2", [2]),
        _const("split4", [hd] * 4),
    ]
    length = grid * grid
    graph = helper.make_graph(
        nodes, "tiny_decoder_step",
        [
            helper.make_tensor_value_info("words", TensorProto.INT64, ["M"]),
            helper.make_tensor_value_info("h", TensorProto.FLOAT, ["M", hd]),
            helper.make_tensor_value_info("c", TensorProto.FLOAT, ["M", hd]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["M", length, d]),
            helper.make_tensor_value_info("projection", TensorProto.FLOAT, ["M", length, a]),
        ],
        [
            helper.make_tensor_value_info("log_probs", TensorProto.FLOAT, ["M", vocab]),
            helper.make_tensor_value_info("h_out", TensorProto.FLOAT, ["M", hd]),
            helper.make_tensor_value_info("c_out", TensorProto.FLOAT, ["M", hd]),
            helper.make_tensor_value_info("alpha", TensorProto.FLOAT, ["M", length]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _output_bias(vocab: int) -> np.ndarray:
    """Make the end token unlikely at first, so captions have a few words, not none."""
    bias = np.zeros(vocab, dtype=np.float32)
    bias[SPECIALS.index("<end>")] = -7.0
    return bias


def build_tiny_model(directory: Path, *, seed: int = 0, size: int = 32, grid: int = 4) -> Path:
    """Write a complete model folder with random weights and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    dims = {"feature": 8, "attention": 8, "hidden": 16, "embed": 8}
    tokens = list(SPECIALS + WORDS)
    onnx.save(_encoder(rng, size, grid, dims), directory / "encoder.onnx")
    onnx.save(_decoder(rng, grid, dims, len(tokens)), directory / "decoder_step.onnx")
    vocab_bytes = json.dumps({"tokens": tokens}).encode()
    (directory / "vocab.json").write_bytes(vocab_bytes)
    manifest = {
        "format_version": 1,
        "name": "tiny-test-model",
        "input": {"height": size, "width": size, "resize": "squash", "resample": "bilinear",
                  "channel_order": "RGB", "mean": [127.0] * 3, "std": [128.0] * 3},
        "grid": [grid, grid],
        "dims": {"feature": dims["feature"], "attention": dims["attention"],
                 "hidden": dims["hidden"], "vocab": len(tokens)},
        "vocab": {"file": "vocab.json", "sha256": hashlib.sha256(vocab_bytes).hexdigest(),
                  "specials": {"pad": "<pad>", "start": "<start>", "end": "<end>",
                               "unk": "<unk>"}},
        "decoding": {"beam_size": 3, "max_length": 12, "length_penalty": 1.0},
        "metrics": {},
        "training_data": [],
        "license": "test fixture, random weights",
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return directory
