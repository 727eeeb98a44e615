"""``torch.onnx.export`` as every export in training calls it (model folders, feature CNNs).

Kept at the bottom of the package so that ``features`` (which exports the frozen CNN to
run it in ONNX Runtime) and ``export`` (which writes model folders) share it without
importing each other.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

OPSET = 17


def onnx_export(*args: Any, **kwargs: Any) -> None:
    """``torch.onnx.export`` with the TorchScript exporter, minus its deprecation noise.

    The TorchScript exporter is used on purpose: it handles LSTMCell and the static
    "same" padding of EfficientNet-Lite without dynamic-shape guards.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(*args, dynamo=False, **kwargs)
