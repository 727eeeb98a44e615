"""A model folder with fake extra languages, in the manifest ``format_version`` 2 contract.

Built on any existing folder (the suite's tiny model, or ``models/default`` for the
speed script) without changing it: its files are linked into a new folder, and three
languages with random weights are added, one of each kind the contract allows:

* ``zh``: an init graph (features rows -> projection, h0, c0) and its own step graph,
  character tokens joined with "";
* ``ar``: the same with word tokens, written right to left;
* ``de``: ``init: null``, reusing the top-level step graph with its own vocabulary of the
  same size (the decoder reads the encoder's own state).

The graphs are the tiny model's attention LSTM (``tiny_model._decoder``) at the sizes
asked for, so with ``models/default`` and the default sizes a fake language costs what a
single-member decoder of capdesk's training configuration (hidden 512) would. Captions
are random tokens: only the engine, export and speed are tested with them, never quality.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper

from tests.support.tiny_model import SPECIALS, _decoder, _init

ZH_CHARS = "一只狗在草地上跑的孩子玩球男人骑自行车水边两个人坐长椅公园红色白色黑色女孩海滩"
AR_WORDS = (
    "كلب", "يركض", "على", "العشب", "طفل", "يلعب", "بالكرة", "رجل", "يركب", "دراجة",
    "بجانب", "الماء", "شخصان", "يجلسان", "مقعد", "في", "الحديقة", "أحمر", "فتاة", "الشاطئ",
)
SHAPE = {"zh": "characters"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _init_graph(rng: np.random.Generator, rows: int, feature: int, attention: int,
                hidden: int) -> onnx.ModelProto:
    """features (N,R,D) -> projection (N,R,A), h0, c0 (N,H): a language's init graph."""
    nodes = [
        helper.make_node("MatMul", ["features", "proj_w"], ["projection"]),
        helper.make_node("ReduceMean", ["features"], ["mean"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["mean", "h_w"], ["h_pre"]),
        helper.make_node("Tanh", ["h_pre"], ["h0"]),
        helper.make_node("MatMul", ["mean", "c_w"], ["c_pre"]),
        helper.make_node("Tanh", ["c_pre"], ["c0"]),
    ]
    scale = 1.0 / np.sqrt(feature)
    inits = [
        _init("proj_w", rng.normal(0, scale, (feature, attention)).astype(np.float32)),
        _init("h_w", rng.normal(0, scale, (feature, hidden)).astype(np.float32)),
        _init("c_w", rng.normal(0, scale, (feature, hidden)).astype(np.float32)),
    ]
    graph = helper.make_graph(
        nodes, "fake_language_init",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", rows, feature])],
        [
            helper.make_tensor_value_info("projection", TensorProto.FLOAT, ["N", rows, attention]),
            helper.make_tensor_value_info("h0", TensorProto.FLOAT, ["N", hidden]),
            helper.make_tensor_value_info("c0", TensorProto.FLOAT, ["N", hidden]),
        ],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _tokens(code: str, size: int) -> list[str]:
    base = list(ZH_CHARS) if code == "zh" else list(AR_WORDS) if code == "ar" else []
    words = [*base, *(f"{code}{i}" for i in range(max(0, size - len(SPECIALS) - len(base))))]
    return [*SPECIALS, *words[: size - len(SPECIALS)]]


def _write_vocab(path: Path, tokens: Sequence[str]) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps({"tokens": list(tokens)}, ensure_ascii=False).encode())
    specials = dict(zip(("pad", "start", "end", "unk"), SPECIALS, strict=True))
    return {"sha256": _sha(path), "specials": specials}


def _link_base(base: Path, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    for item in base.iterdir():
        target = out / item.name
        if item.is_file() and not target.exists():
            target.symlink_to(item.resolve())
    (out / "manifest.json").unlink()
    return json.loads((base / "manifest.json").read_text(encoding="utf-8"))


def build_language_model(
    base: Path,
    out: Path,
    *,
    rows: int | None = None,
    hidden: int = 512,
    embed: int = 256,
    vocab: int = 3000,
    seed: int = 1,
    codes: Sequence[str] = ("zh", "de", "ar"),
    source: str = "features",
    shared_step: Sequence[str] = ("de",),
    max_length: int = 16,
) -> Path:
    """Write ``out``: ``base``'s files (linked) and fake ``codes`` languages (see module).

    ``rows``: how many leading rows of ``source`` the init graphs read (default: the
    grid's cells, i.e. the first member's); ``hidden``/``embed``/``vocab`` size the fake
    decoders; ``shared_step``: the codes that get ``init: null`` and the top-level step
    graph (() for the speed script: every language its own single decoder);
    ``max_length``: the fake decoders' limit (random weights rarely end a caption early,
    so this is their caption length). Returns ``out``.
    """
    manifest = _link_base(base, out)
    rng = np.random.default_rng(seed)
    dims = manifest["dims"]
    grid = manifest["grid"]
    rows = rows or grid[0] * grid[1]
    languages: list[dict[str, Any]] = [{"code": "en", "name": "English",
                                        "native_name": "English", "xml_lang": "en",
                                        "direction": "ltr"}]
    for code in codes:
        folder = out / code
        folder.mkdir(exist_ok=True)
        entry: dict[str, Any] = {"code": code, "training_data": [], "trust": None,
                                 "license": "test fixture, random weights", "metrics": {}}
        if code in shared_step:  # init null: the top-level step graph, another vocabulary
            entry["vocab"] = {"file": f"{code}/vocab.json",
                              **_write_vocab(folder / "vocab.json", _tokens(code, dims["vocab"]))}
            entry.update(tokens="words", joiner=" ", init=None,
                         decoding={"beam_size": 3, "max_length": 12, "length_penalty": 1.0})
        else:
            tokens = _tokens(code, vocab)
            sizes = {"feature": dims["feature"], "attention": dims["attention"],
                     "hidden": hidden, "embed": embed}
            onnx.save(_init_graph(rng, rows, dims["feature"], dims["attention"], hidden),
                      folder / "init.onnx")
            onnx.save(_decoder(rng, int(np.sqrt(rows)), sizes, len(tokens)),
                      folder / "decoder_step.onnx")
            entry.update(
                tokens=SHAPE.get(code, "words"),
                joiner="" if SHAPE.get(code) == "characters" else " ",
                input={"output": source, "rows": [0, rows]},
                init={"file": f"{code}/init.onnx", "sha256": _sha(folder / "init.onnx")},
                decoder_step={"file": f"{code}/decoder_step.onnx",
                              "sha256": _sha(folder / "decoder_step.onnx")},
                vocab={"file": f"{code}/vocab.json", **_write_vocab(folder / "vocab.json", tokens)},
                decoding={"beam_size": 3, "max_length": max_length, "length_penalty": 1.0},
            )
        if code == "ar":
            entry["direction"] = "rtl"
        languages.append(entry)
    manifest.update(format_version=2, languages=languages,
                    name=f"{manifest.get('name', base.name)}+fake-languages")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                       encoding="utf-8")
    return out


def add_encoder_output(model_dir: Path, name: str = "grid") -> None:
    """Give ``model_dir``'s encoder a further output ``name`` (a copy of ``features``),
    replacing the linked file by a real one, for a language reading a named output."""
    path = model_dir / "encoder.onnx"
    model = onnx.load(str(path.resolve()))
    model.graph.node.append(helper.make_node("Identity", ["features"], [name]))
    features = next(o for o in model.graph.output if o.name == "features")
    extra = onnx.ValueInfoProto()
    extra.CopyFrom(features)
    extra.name = name
    model.graph.output.append(extra)
    path.unlink()
    onnx.save(model, str(path))
