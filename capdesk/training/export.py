"""Export a trained checkpoint to the app's model directory contract.

Writes ``encoder.onnx`` (CNN + feature projection + attention projection + h0/c0),
``decoder_step.onnx`` (one step, log-softmax output), ``vocab.json`` and
``manifest.json``. The same :func:`export_model` serves the shipped model and the tiny
test model, so the parity test exercises the real export path.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from capdesk.training.checkpoint import describe_training_data, load_checkpoint
from capdesk.training.encoder import PIXEL_MEAN, PIXEL_STD, build_cnn, cnn_info
from capdesk.training.manifest import (
    LICENSE,
    decoding_options,
    encoder_weights_text,
    write_manifest,
)
from capdesk.training.model import Captioner, DecoderStepExport, EncoderExport, InitExport
from capdesk.training.text import END, PAD, START, UNK, Vocab, caption_text
from capdesk.training.torch_onnx import OPSET, onnx_export

log = logging.getLogger(__name__)


STEP_INPUTS = ["words", "h", "c", "features", "projection"]
STEP_OUTPUTS = ["log_probs", "h_out", "c_out", "alpha"]


def export_step(step: nn.Module, dummy: tuple[torch.Tensor, ...], path: Path) -> None:
    """One decoder step as ONNX with the contract's input and output names: English's
    and every language's step graph share them, so one beam search drives all."""
    onnx_export(
        step,
        dummy,
        str(path),
        input_names=STEP_INPUTS,
        output_names=STEP_OUTPUTS,
        dynamic_axes=_dyn(STEP_INPUTS + STEP_OUTPUTS),
        opset_version=OPSET,
    )

def _dyn(names: list[str]) -> dict[str, dict[int, str]]:
    return {n: {0: "batch"} for n in names}


def export_model(
    captioner: Captioner,
    cnn: nn.Module,
    vocab: Vocab,
    out_dir: Path,
    *,
    name: str,
    training_data: list[str],
    length_penalty: float = 0.0,
    repeatable_words: tuple[str, ...] | None = None,
    extra: dict[str, Any] | None = None,
    input_size: int | None = None,
) -> dict[str, Any]:
    """Write the four files of the model directory and return the manifest.

    ``input_size`` smaller than the CNN's makes the graph enlarge images itself (plain
    bilinear, as Pillow enlarged the 224-px training photos for a 260-px CNN), so the
    app feeds the CNN what it was trained on instead of sharper full-size detail.
    """
    info = cnn_info(cnn.eval())
    cfg = captioner.eval().cfg
    size = input_size or info.image_size
    resize_to = info.image_size if size != info.image_size else None
    graphs = ModelGraphs(
        encoder=EncoderExport(cnn, captioner, resize_to),
        step=DecoderStepExport(captioner),
        image_size=size,
        grid=info.grid_size,
        locations=info.grid_size**2,
        hidden=cfg.hidden_dim,
        feature_dim=cfg.feature_dim,
        attention_dim=cfg.attention_dim,
        encoder_weights=encoder_weights_text(info.variant),
    )
    return write_model_dir(
        graphs,
        vocab,
        out_dir,
        name=name,
        training_data=training_data,
        decoding=decoding_options(length_penalty, repeatable_words),
        extra=extra,
    )


@dataclass(frozen=True)
class ModelGraphs:
    """The two modules to export and the shapes the contract needs to describe them.

    ``locations`` and ``hidden`` are the widths of the ``features``/``h`` arrays passed
    between the graphs (an ensemble stacks its members'); ``grid`` is the attention map
    the step returns.
    """

    encoder: nn.Module
    step: nn.Module
    image_size: int
    grid: int
    locations: int
    hidden: int
    feature_dim: int
    attention_dim: int
    encoder_weights: str


def write_model_dir(
    graphs: ModelGraphs,
    vocab: Vocab,
    out_dir: Path,
    *,
    name: str,
    training_data: list[str],
    decoding: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Export both graphs, the vocabulary and the manifest (keeping recorded metrics)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    size = graphs.image_size
    enc_outputs = ["features", "projection", "h0", "c0"]
    with torch.no_grad():
        onnx_export(
            graphs.encoder.eval(),
            (torch.zeros(2, 3, size, size),),
            str(out_dir / "encoder.onnx"),
            input_names=["images"],
            output_names=enc_outputs,
            dynamic_axes=_dyn(["images", *enc_outputs]),
            opset_version=OPSET,
        )
        m = 3
        dummy = (
            torch.full((m,), vocab.start_id, dtype=torch.int64),
            torch.zeros(m, graphs.hidden),
            torch.zeros(m, graphs.hidden),
            torch.zeros(m, graphs.locations, graphs.feature_dim),
            torch.zeros(m, graphs.locations, graphs.attention_dim),
        )
        export_step(graphs.step.eval(), dummy, out_dir / "decoder_step.onnx")
    sha = vocab.save(out_dir / "vocab.json")
    old = out_dir / "manifest.json"
    metrics = {}
    if old.is_file():
        metrics = json.loads(old.read_text(encoding="utf-8")).get("metrics", {})
    manifest: dict[str, Any] = {
        "format_version": 1,
        "name": name,
        "input": {
            "height": size,
            "width": size,
            "resize": "squash",
            "resample": "bilinear",
            "channel_order": "RGB",
            "mean": [PIXEL_MEAN] * 3,
            "std": [PIXEL_STD] * 3,
        },
        "grid": [graphs.grid, graphs.grid],
        "dims": {
            "feature": graphs.feature_dim,
            "attention": graphs.attention_dim,
            "hidden": graphs.hidden,
            "vocab": len(vocab),
        },
        "vocab": {
            "file": "vocab.json",
            "sha256": sha,
            "specials": {"pad": PAD, "start": START, "end": END, "unk": UNK},
        },
        "decoding": decoding,
        "metrics": metrics,
        "training_data": training_data,
        "license": LICENSE,
        "encoder_weights": graphs.encoder_weights,
    }
    if extra:
        manifest.update(extra)
    write_manifest(out_dir, manifest)
    log.info("exported %s to %s", name, out_dir)
    return manifest


def export_checkpoint(
    checkpoint: Path,
    out_dir: Path,
    *,
    name: str,
    length_penalty: float = 0.0,
    repeatable_words: tuple[str, ...] | None = None,
    input_size: int | None = None,
) -> dict[str, Any]:
    """Export ``checkpoint`` (a ``best.pt`` from ``capdesk train fit``).

    Everything comes from the checkpoint (vocabulary, CNN variant and grid, the names and
    sizes of its training data), so a checkpoint exports on a machine without the data.
    """
    captioner, vocab, ckpt = load_checkpoint(checkpoint)
    tcfg = ckpt["train_config"]
    cnn = build_cnn(tcfg["variant"], tcfg["grid"], seed=tcfg["seed"])
    extra = {
        "training": {
            "checkpoint_epoch": ckpt["best_epoch"],
            "best_mean_val_CIDEr": ckpt["best_score"],
            "hyper_parameters": {
                k: v for k, v in tcfg.items() if k not in ("train", "val", "cache_dir")
            },
        }
    }
    return export_model(
        captioner,
        cnn,
        vocab,
        out_dir,
        name=name,
        training_data=describe_training_data(ckpt),
        length_penalty=length_penalty,
        repeatable_words=repeatable_words,
        extra=extra,
        input_size=input_size,
    )


#: Names of the languages a model folder can carry besides English (LANG_CONTRACT).
LANGUAGE_NAMES = {
    "zh": ("Chinese", "中文", "zh-Hans", "ltr"),
    "de": ("German", "Deutsch", "de", "ltr"),
    "ar": ("Arabic", "العربية", "ar", "rtl"),
}
#: Data terms of each language's captions (/work/shared/data/README.md; docs/MODEL.md).
LANGUAGE_DATA = {
    "zh": ("flickr8k-cn train",
           "Model weights: trained by capdesk on Flickr8k-CN human-written Chinese captions "
           "(Li et al. 2016, ICMR) of the Flickr8k photos (research use; Hodosh et al. "
           "2013), on features of capdesk's English encoder. See docs/MODEL.md."),
    "de": ("multi30k-task2 (flickr8k photos) train",
           "Model weights: trained by capdesk on Multi30k task 2 German descriptions "
           "(Elliott et al. 2016; non-commercial research and educational use, Flickr terms "
           "of use) of the Flickr8k photos (research use; Hodosh et al. 2013). See "
           "docs/MODEL.md."),
    "ar": ("flickr8k arabic (ElJundi et al. 2020) train",
           "Model weights: trained by capdesk on the Arabic Flickr8k captions of ElJundi et "
           "al. (2020, VISAPP; no licence stated with the files) of the Flickr8k photos "
           "(research use; Hodosh et al. 2013). Research use only. See docs/MODEL.md."),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_language(
    checkpoint: Path,
    model_dir: Path,
    *,
    decoding: dict[str, Any],
    metrics: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``<code>/init.onnx``, ``decoder_step.onnx`` and ``vocab.json`` of one language.

    Returns the manifest's ``languages`` entry (LANG_CONTRACT); :func:`add_language`
    stores it. The checkpoint must come from ``fit --encoder`` (decoder on the frozen
    encoder's features), which also says which output and rows it read.
    """
    captioner, vocab, ckpt = load_checkpoint(checkpoint)
    tcfg = ckpt["train_config"]
    code = tcfg["lang"]
    if code == "en" or not tcfg.get("encoder"):
        raise ValueError(f"{checkpoint} is not a per-language decoder on encoder features")
    cfg = captioner.cfg
    rows = [int(r) for r in tcfg["encoder_rows"]]
    cells = rows[1] - rows[0]
    out = Path(model_dir) / code
    out.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        onnx_export(
            InitExport(captioner).eval(),
            (torch.zeros(2, cells, cfg.feature_dim),),
            str(out / "init.onnx"),
            input_names=["features"],
            output_names=["projection", "h0", "c0"],
            dynamic_axes=_dyn(["features", "projection", "h0", "c0"]),
            opset_version=OPSET,
        )
        m = 3
        dummy = (
            torch.full((m,), vocab.start_id, dtype=torch.int64),
            torch.zeros(m, cfg.hidden_dim),
            torch.zeros(m, cfg.hidden_dim),
            torch.zeros(m, cells, cfg.feature_dim),
            torch.zeros(m, cells, cfg.attention_dim),
        )
        export_step(DecoderStepExport(captioner).eval(), dummy, out / "decoder_step.onnx")
    vocab_sha = vocab.save(out / "vocab.json")
    name, native, xml_lang, direction = LANGUAGE_NAMES[code]
    data_name, license_text = LANGUAGE_DATA[code]
    text = caption_text(code, tcfg.get("tokens", ""), [])
    images = [e.get("images") for e in ckpt.get("training_data", [])]
    return {
        "code": code,
        "name": name,
        "native_name": native,
        "xml_lang": xml_lang,
        "direction": direction,
        "tokens": text.tokens,
        "joiner": text.joiner,
        "input": {"output": tcfg["encoder_output"], "rows": rows},
        "init": {"file": f"{code}/init.onnx", "sha256": _sha256(out / "init.onnx")},
        "decoder_step": {"file": f"{code}/decoder_step.onnx",
                         "sha256": _sha256(out / "decoder_step.onnx")},
        "vocab": {"file": f"{code}/vocab.json", "sha256": vocab_sha,
                  "specials": {"pad": PAD, "start": START, "end": END, "unk": UNK}},
        "dims": {"feature": cfg.feature_dim, "attention": cfg.attention_dim,
                 "hidden": cfg.hidden_dim, "vocab": len(vocab), "cells": cells},
        "decoding": decoding,
        "metrics": metrics or {},
        "training_data": [f"{data_name}" + (f" ({images[0]} images)" if images else "")],
        "license": license_text,
        "training": {
            "checkpoint_epoch": ckpt["best_epoch"],
            "best_val_score": ckpt["best_score"],
            "scst_step": ckpt.get("step"),
            "hyper_parameters": {
                k: v for k, v in tcfg.items() if k not in ("train", "val", "cache_dir")
            },
        },
        "trust": None,
    }


def add_language(model_dir: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Store ``entry`` in the folder's manifest (replacing one of the same code).

    The manifest becomes ``format_version`` 2 with English first in ``languages``; the
    top-level fields (the English model) are left exactly as they are.
    """
    path = Path(model_dir) / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    languages = [dict(e) for e in manifest.get("languages", [])]
    if not any(e.get("code") == "en" for e in languages):
        languages.insert(0, {"code": "en", "name": "English", "native_name": "English",
                             "xml_lang": "en", "direction": "ltr"})
    old = next((e for e in languages if e.get("code") == entry["code"]), None)
    if old is not None and not entry.get("metrics"):
        entry = {**entry, "metrics": old.get("metrics", {})}
    languages = [e for e in languages if e.get("code") != entry["code"]] + [entry]
    manifest["format_version"] = 2
    manifest["languages"] = languages
    write_manifest(Path(model_dir), manifest)
    return manifest
