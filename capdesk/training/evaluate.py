"""Caption generation on cached CNN grids with the shared beam search and a torch step.

Validation during training runs :func:`capdesk.engine.beam.beam_search` with a torch
step function, i.e. the exact search the app runs over ONNX Runtime, so the CIDEr we
select checkpoints on is the CIDEr the shipped pipeline gets (up to float rounding).
Scores come from :func:`capdesk.engine.scoring.score_captions` (with training's Python
tokenizer, so no Java per epoch); nothing in training calls pycocoevalcap itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, DEFAULT_MAX_LENGTH
from capdesk.engine.beam import Arrays, StepFunction, beam_search
from capdesk.training.model import Captioner
from capdesk.training.text import Vocab

log = logging.getLogger(__name__)


def torch_step(model: Captioner) -> StepFunction:
    """Wrap :meth:`Captioner.step` as a numpy ``StepFunction`` for ``beam_search``."""

    def step(
        words: np.ndarray, state: Arrays, context: Arrays
    ) -> tuple[np.ndarray, Arrays, np.ndarray]:
        with torch.inference_mode():
            logits, h, c, alpha = model.step(
                torch.from_numpy(words),
                torch.from_numpy(state["h"]),
                torch.from_numpy(state["c"]),
                torch.from_numpy(context["features"]),
                torch.from_numpy(context["projection"]),
            )
            logp = torch.log_softmax(logits, dim=1)
        return logp.numpy(), {"h": h.numpy(), "c": c.numpy()}, alpha.numpy()

    return step


def banned_ids(vocab: Vocab) -> tuple[int, int, int]:
    return (vocab.pad_id, vocab.start_id, vocab.unk_id)


def generate(
    model: Captioner,
    grids: np.ndarray,
    vocab: Vocab,
    *,
    beam_size: int = DEFAULT_BEAM_SIZE,
    max_length: int = DEFAULT_MAX_LENGTH,
    length_penalty: float = 0.0,
    batch_size: int = 100,
    no_repeat_ids: Sequence[int] = (),
) -> list[list[str]]:
    """Captions (as word lists) for precomputed CNN grids (N, L, C), in order."""
    model.eval()
    out: list[list[str]] = []
    step = torch_step(model)
    for start in range(0, len(grids), batch_size):
        g = torch.from_numpy(np.asarray(grids[start : start + batch_size], dtype=np.float32))
        with torch.inference_mode():
            f, p, h, c = model.encode(g)
        hyps = beam_search(
            step,
            {"h": h.numpy(), "c": c.numpy()},
            {"features": f.numpy(), "projection": p.numpy()},
            start_id=vocab.start_id,
            end_id=vocab.end_id,
            banned_ids=banned_ids(vocab),
            no_repeat_ids=no_repeat_ids,
            beam_size=beam_size,
            max_length=max_length,
            length_penalty=length_penalty,
        )
        out.extend(vocab.decode(hyp.token_ids) for hyp in hyps)
    return out
