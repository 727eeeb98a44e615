"""A tiny random CNN standing in for EfficientNet-Lite in fast tests (a test double).

Registered as the ``"tiny"`` variant (``tests/training/conftest.py`` does it on import),
so training, export and parity tests go through exactly the production code path with
``build_cnn("tiny", ...)``, while the package itself knows only real encoders.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from capdesk.training.encoder import register_cnn


class TinyCNN(nn.Module):
    """A few random conv layers standing in for EfficientNet in fast tests.

    It follows the same interface (``channels``, ``grid_size``, ``image_size``) so that
    training, export and parity tests go through exactly the production code path.
    """

    def __init__(self, image_size: int = 32, channels: int = 16, grid_size: int = 4) -> None:
        super().__init__()
        self.variant = "tiny"
        self.grid = f"{grid_size}x{grid_size}"
        self.image_size = image_size
        self.channels = channels
        self.grid_size = grid_size
        half = image_size // 2
        # A fixed pooling window when it divides evenly (the same numbers as adaptive
        # pooling), so graphs that resize their input inside can still be exported.
        pool: nn.Module = (
            nn.AvgPool2d(half // grid_size)
            if half % grid_size == 0
            else nn.AdaptiveAvgPool2d(grid_size)
        )
        self.body = nn.Sequential(
            nn.Conv2d(3, channels, 3, stride=2, padding=1),
            nn.ReLU6(),
            pool,
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return cast(torch.Tensor, self.body(images))



def _build(grid: str, seed: int) -> nn.Module:
    """The ``tiny`` variant: seeded, default size (32 px in, 16 channels, 4x4 grid)."""
    del grid  # one shape only; the grid is part of its defaults
    torch.manual_seed(seed)
    return TinyCNN()


def register_tiny_cnn() -> None:
    register_cnn("tiny", _build)
