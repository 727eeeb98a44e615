"""Decoding choices every layer offers the user: providers, beam sizes and the defaults.

Declared once here, at the bottom of the layers, so the engine that applies them, the
command line that parses them and the settings dialog that offers them cannot disagree
(and the window can offer them without importing ONNX Runtime).
"""

from __future__ import annotations

from typing import Literal

ProviderChoice = Literal["auto", "cpu", "cuda"]
PROVIDER_CHOICES: tuple[ProviderChoice, ...] = ("auto", "cpu", "cuda")
"""``auto``: CUDA when it loads, else the CPU; ``cpu``; ``cuda``: CUDA or a clear error."""
DEFAULT_PROVIDER: ProviderChoice = "auto"

MIN_BEAM_SIZE = 1
MAX_BEAM_SIZE = 10
"""Beyond 10 beams captions get no better on Flickr8k and a caption takes several times as
long, so neither the app nor the command line offers more."""

DEFAULT_BEAM_SIZE = 3
"""Used when a manifest names no beam size (the shipped model names 3)."""
DEFAULT_MAX_LENGTH = 20
"""Tokens per caption when a manifest names no limit."""
DEFAULT_LENGTH_PENALTY = 0.0
"""Rank by total log-probability when a manifest names no length penalty."""


def clamp_beam_size(value: int) -> int:
    """``value`` forced into [MIN_BEAM_SIZE, MAX_BEAM_SIZE] (a stale settings file)."""
    return min(max(int(value), MIN_BEAM_SIZE), MAX_BEAM_SIZE)


def check_beam_size(value: int) -> int:
    """``value`` if it is an allowed beam size, else ValueError with the allowed range."""
    if not MIN_BEAM_SIZE <= value <= MAX_BEAM_SIZE:
        raise ValueError(
            f"beam size must be from {MIN_BEAM_SIZE} to {MAX_BEAM_SIZE}, not {value}"
        )
    return value
