"""Reading the checkpoints ``capdesk train fit`` and ``scst`` write.

A checkpoint carries everything needed to rebuild its decoder and to export it: the model
and training configuration, the vocabulary, and (since this module) the names and image
counts of the training data, so exporting never needs the data folders themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from capdesk.training.model import Captioner, ModelConfig
from capdesk.training.text import Vocab


def load_checkpoint(path: Path) -> tuple[Captioner, Vocab, dict[str, Any]]:
    """Rebuild the model and vocabulary from a checkpoint (which carries its config)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = Captioner(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), Vocab(tuple(ckpt["vocab"])), ckpt


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` under a temporary name and rename it, so a kill never leaves half."""
    tmp = path.with_suffix(".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def training_data(ckpt: dict[str, Any]) -> list[dict[str, Any]]:
    """``[{"name": corpus, "images": n}, ...]`` of the train splits a checkpoint saw.

    Older checkpoints lack the entry; their corpus names are read from the folder or
    JSON path names (``.../flickr8k`` -> ``flickr8k``) and the counts are unknown.
    """
    recorded = ckpt.get("training_data")
    if recorded is not None:
        return [dict(entry) for entry in recorded]
    names = []
    for spec in ckpt["train_config"]["train"]:
        path = Path(str(spec).partition(":")[0])
        names.append(path.stem if path.suffix == ".json" else path.name)
    return [{"name": name, "images": None} for name in names]


def describe_training_data(ckpt: dict[str, Any]) -> list[str]:
    """The manifest's ``training_data`` lines, e.g. ``"flickr8k train (6000 images)"``."""
    lines = []
    for entry in training_data(ckpt):
        count = entry.get("images")
        lines.append(f"{entry['name']} train" + (f" ({count} images)" if count else ""))
    return lines
