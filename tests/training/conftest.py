"""A tiny synthetic caption corpus in the shared-data folder layout, and the tiny CNN."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

if importlib.util.find_spec("torch") is not None:  # without torch the tests skip themselves
    from tests.training.tiny_cnn import register_tiny_cnn

    register_tiny_cnn()

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220)}
SHAPES = ("square", "stripe")


def _image(colour: tuple[int, int, int], shape: str, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 40, (40, 40, 3)).astype(np.uint8)
    if shape == "square":
        arr[10:30, 10:30] = colour
    else:
        arr[:, 15:25] = colour
    return Image.fromarray(arr)


def make_corpus(root: Path, n: int = 24) -> Path:
    """Write ``n`` images with five templated captions each, split 2:1 train/val."""
    (root / "images").mkdir(parents=True)
    lines, names = [], []
    for i in range(n):
        colour = list(COLOURS)[i % 3]
        shape = SHAPES[(i // 3) % 2]
        name = f"img{i:03d}.jpg"
        _image(COLOURS[colour], shape, i).save(root / "images" / name, quality=95)
        names.append(name)
        for k, text in enumerate(
            [
                f"A {colour} {shape} .",
                f"a {colour} {shape} on dark",
                f"The {shape} is {colour}.",
                f"{colour.title()} {shape}!",
                f"a {shape} that is {colour}",
            ]
        ):
            lines.append(f"{name}\t{k}\t{text}")
    (root / "captions.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cut = n * 2 // 3
    (root / "split_train.txt").write_text("\n".join(names[:cut]) + "\n", encoding="utf-8")
    (root / "split_val.txt").write_text("\n".join(names[cut:]) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus") / "shapes")
