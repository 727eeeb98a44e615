"""The model directory contract: what a folder in ``models/`` must hold, checked on load.

A missing or mismatched file is reported by name with what to do about it, because the
person reading the message is a user of the app, not the engineer who trained the model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from capdesk.domain.decoding import (
    DEFAULT_BEAM_SIZE,
    DEFAULT_LENGTH_PENALTY,
    DEFAULT_MAX_LENGTH,
)
from capdesk.domain.languages import DEFAULT_LANGUAGE, Language
from capdesk.domain.resources import default_model_dir
from capdesk.engine.errors import ModelError
from capdesk.engine.language_specs import (
    DecoderSpec,
    decoder_spec,
    language_decoders,
    no_repeat_ids,
)

__all__ = [
    "REQUIRED_FILES",
    "DecoderSpec",
    "ModelError",
    "ModelSpec",
    "load_spec",
    "no_repeat_ids",
]

REQUIRED_FILES = ("encoder.onnx", "decoder_step.onnx", "vocab.json", "manifest.json")


@dataclass(frozen=True)
class ModelSpec:
    """Everything the engine needs to know about a model folder besides its graphs."""

    directory: Path
    name: str
    input_size: tuple[int, int]  # (width, height)
    resample: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    grid: tuple[int, int]
    tokens: tuple[str, ...]
    pad_id: int
    start_id: int
    end_id: int
    unk_id: int
    beam_size: int = DEFAULT_BEAM_SIZE
    max_length: int = DEFAULT_MAX_LENGTH
    length_penalty: float = DEFAULT_LENGTH_PENALTY
    #: Words that may appear more than once in a caption; None turns repeat blocking off.
    repeatable_words: tuple[str, ...] | None = None
    manifest: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: Every language's decoder in the manifest's order; English (the fields above) alone
    #: for a format-1 folder. Filled by :func:`load_spec`.
    decoders: tuple[DecoderSpec, ...] = field(default=(), compare=False, repr=False)
    #: The top-level (English) decoder, also when ``languages`` leaves English out.
    top: DecoderSpec | None = field(default=None, compare=False, repr=False)

    @property
    def languages(self) -> tuple[Language, ...]:
        """The languages this folder can caption in, the default (first) one first."""
        return tuple(d.language for d in self.decoders) or (DEFAULT_LANGUAGE,)

    def decoder(self, code: str) -> DecoderSpec:
        """The decoder of language ``code``; KeyError when the folder has none."""
        for spec in self.decoders:
            if spec.code == code:
                return spec
        raise KeyError(code)

    @property
    def encoder_path(self) -> Path:
        return self.directory / "encoder.onnx"

    @property
    def decoder_path(self) -> Path:
        return self.directory / "decoder_step.onnx"

    @property
    def banned_ids(self) -> tuple[int, ...]:
        return (self.pad_id, self.start_id, self.unk_id)

    @property
    def no_repeat_ids(self) -> tuple[int, ...]:
        return no_repeat_ids(self.tokens, self.repeatable_words)

    def words(self, token_ids: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(self.tokens[i] for i in token_ids)


def load_spec(directory: Path | None = None) -> ModelSpec:
    directory = Path(directory) if directory is not None else default_model_dir()
    if not directory.is_dir():
        raise ModelError(
            f"Model folder not found: {directory}. Choose a model folder in Settings, or "
            "reinstall capdesk to restore models/default."
        )
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            raise ModelError(
                f"The model folder {directory} lacks {name}. A model folder needs "
                f"{', '.join(REQUIRED_FILES)}; re-export the model or pick another folder."
            )
    manifest = _read_json(directory / "manifest.json")
    vocab_bytes = (directory / "vocab.json").read_bytes()
    vocab = _read_json(directory / "vocab.json", vocab_bytes)
    try:
        tokens = tuple(str(t) for t in vocab["tokens"])
        expected_hash = manifest["vocab"].get("sha256")
        if expected_hash and hashlib.sha256(vocab_bytes).hexdigest() != expected_hash:
            raise ModelError(
                f"{directory / 'vocab.json'} does not match manifest.json (sha256 differs): "
                "the two files come from different models. Re-export the model."
            )
        specials = manifest["vocab"]["specials"]
        index = {token: i for i, token in enumerate(tokens)}
        image = manifest["input"]
        decoding = manifest.get("decoding", {})
        spec = ModelSpec(
            directory=directory,
            name=str(manifest.get("name", directory.name)),
            input_size=(int(image["width"]), int(image["height"])),
            resample=str(image.get("resample", "bilinear")),
            mean=_triple(image["mean"]),
            std=_triple(image["std"]),
            grid=(int(manifest["grid"][0]), int(manifest["grid"][1])),
            tokens=tokens,
            pad_id=index[specials["pad"]],
            start_id=index[specials["start"]],
            end_id=index[specials["end"]],
            unk_id=index[specials["unk"]],
            beam_size=int(decoding.get("beam_size", DEFAULT_BEAM_SIZE)),
            max_length=int(decoding.get("max_length", DEFAULT_MAX_LENGTH)),
            length_penalty=float(decoding.get("length_penalty", DEFAULT_LENGTH_PENALTY)),
            repeatable_words=_optional_words(decoding.get("repeatable_words")),
            manifest=manifest,
        )
        top = decoder_spec(directory, DEFAULT_LANGUAGE, tokens, specials, decoding, spec.grid)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelError(
            f"{directory / 'manifest.json'} is incomplete or inconsistent ({exc!r}). "
            "Re-export the model or pick another folder."
        ) from exc
    return replace(spec, decoders=language_decoders(directory, manifest, top), top=top)


def _optional_words(values: Any) -> tuple[str, ...] | None:
    return None if values is None else tuple(str(v) for v in values)


def _triple(values: Any) -> tuple[float, float, float]:
    a, b, c = (float(v) for v in values)
    return (a, b, c)


def _read_json(path: Path, data: bytes | None = None) -> Any:
    try:
        return json.loads(data if data is not None else path.read_bytes())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON ({exc}). Re-export the model.") from exc


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` (two-space JSON): the one writer of the file, for export,
    compression and recorded metrics alike."""
    (Path(directory) / "manifest.json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )


def record_metrics(directory: Path, metrics: dict[str, dict[str, float | int]]) -> None:
    """Merge ``metrics`` (entry name -> scores) into the folder's ``manifest.json``.

    Re-read here rather than taken from a loaded spec, so nothing else in the manifest
    is rewritten from a stale copy.
    """
    manifest = _read_json(Path(directory) / "manifest.json")
    manifest.setdefault("metrics", {}).update(metrics)
    write_manifest(directory, manifest)
