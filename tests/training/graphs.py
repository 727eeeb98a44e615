"""The two ONNX graphs of an exported folder, run directly: a parity-test instrument.

Parity tests feed the graphs the same float tensors as the PyTorch modules and compare
the outputs; captions still come from :class:`capdesk.engine.Captioner`, whose
``search`` takes the :class:`capdesk.engine.Encoded` built here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from capdesk.domain import Caption
from capdesk.engine import Encoded
from capdesk.engine.beam import Arrays


class Graphs:
    def __init__(self, model_dir: Path) -> None:
        options = ["CPUExecutionProvider"]
        self.encoder = ort.InferenceSession(str(model_dir / "encoder.onnx"), providers=options)
        self.decoder = ort.InferenceSession(
            str(model_dir / "decoder_step.onnx"), providers=options
        )

    def encode(self, images: np.ndarray) -> Encoded:
        """Normalised (N,3,H,W) float32 images -> the encoder's state and context."""
        f, p, h, c = self.encoder.run(None, {"images": images.astype(np.float32)})
        return Encoded({"h": h, "c": c}, {"features": f, "projection": p})

    def step(
        self, words: np.ndarray, state: Arrays, ctx: Arrays
    ) -> tuple[np.ndarray, Arrays, np.ndarray]:
        logp, h, c, alpha = self.decoder.run(
            None, {"words": words.astype(np.int64), **state, **ctx}
        )
        return logp, {"h": h, "c": c}, alpha


def word_lists(captions: list[Caption | None]) -> list[list[str]]:
    """The engine's captions as the word lists ``training.evaluate.generate`` returns."""
    return [list(c.words) if c is not None else [] for c in captions]
