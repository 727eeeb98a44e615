"""Caption generation with the shared beam search, and COCO-style scoring.

Validation during training runs :func:`capdesk.engine.beam.beam_search` with a torch
step function, i.e. the exact search the app runs over ONNX Runtime, so the CIDEr we
select checkpoints on is the CIDEr the shipped pipeline gets (up to float rounding).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.meteor.meteor import Meteor
from pycocoevalcap.rouge.rouge import Rouge
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

from capdesk.engine.beam import Arrays, StepFunction, beam_search
from capdesk.training.model import Captioner
from capdesk.training.text import Vocab, tokenize

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
    beam_size: int = 3,
    max_length: int = 20,
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


def quick_scores(refs: Mapping[str, Sequence[str]], hyps: Mapping[str, str]) -> dict[str, float]:
    """BLEU-4 and CIDEr with our Python tokenizer (no Java): cheap enough for every epoch."""

    gts = {k: [" ".join(tokenize(r)) for r in refs[k]] for k in hyps}
    res = {k: [" ".join(tokenize(hyps[k])) or "a"] for k in hyps}
    cider, _ = Cider().compute_score(gts, res)
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    return {"BLEU_4": float(bleu[3]), "CIDEr": float(cider)}


def java_available() -> bool:
    return shutil.which("java") is not None


def coco_scores(
    refs: Mapping[str, Sequence[str]], hyps: Mapping[str, str], *, meteor: bool = True
) -> dict[str, float]:
    """The standard pycocoevalcap metrics (raw 0-1 floats), PTB-tokenised with Java."""

    keys = list(hyps)
    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": r} for r in refs[k]] for k in keys})
    res = tok.tokenize({k: [{"caption": hyps[k]}] for k in keys})
    res = {k: v if v and v[0] else ["a"] for k, v in res.items()}
    scores: dict[str, float] = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    for i, b in enumerate(bleu):
        scores[f"BLEU_{i + 1}"] = float(b)
    if meteor:
        m = Meteor()
        scores["METEOR"] = float(m.compute_score(gts, res)[0])
        del m
    scores["ROUGE_L"] = float(Rouge().compute_score(gts, res)[0])
    scores["CIDEr"] = float(Cider().compute_score(gts, res)[0])
    scores["n_images"] = float(len(keys))
    return scores
