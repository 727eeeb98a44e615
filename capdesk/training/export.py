"""Export a trained checkpoint to the app's model directory contract.

Writes ``encoder.onnx`` (CNN + feature projection + attention projection + h0/c0),
``decoder_step.onnx`` (one step, log-softmax output), ``vocab.json`` and
``manifest.json``. The same :func:`export_model` serves the shipped model and the tiny
test model, so the parity test exercises the real export path.
"""

from __future__ import annotations

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
from capdesk.training.model import Captioner, DecoderStepExport, EncoderExport
from capdesk.training.text import END, PAD, START, UNK, Vocab
from capdesk.training.torch_onnx import OPSET, onnx_export

log = logging.getLogger(__name__)

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
        step_in = ["words", "h", "c", "features", "projection"]
        step_out = ["log_probs", "h_out", "c_out", "alpha"]
        onnx_export(
            graphs.step.eval(),
            dummy,
            str(out_dir / "decoder_step.onnx"),
            input_names=step_in,
            output_names=step_out,
            dynamic_axes=_dyn(step_in + step_out),
            opset_version=OPSET,
        )
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
