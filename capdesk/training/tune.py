"""Choose decoding options on the validation splits before exporting.

Length penalty and repeat blocking change which caption the beam search returns, not
the weights, so they are tuned here on cached validation features — for one checkpoint
or an ensemble — through the same numpy beam search the app runs, and never on test.
Like training's validation (``evaluate.generate``), the step is the members' torch step
on cached features rather than an exported folder, so the six options cost no image
decoding or encoder runs inside the 2-hour rebuild budget. Scores come from the
engine's one wrapper, ``capdesk.engine.scoring.score_captions`` (Python tokenizer), and
beam size and length from the engine's decoding defaults.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, DEFAULT_MAX_LENGTH
from capdesk.engine.beam import Arrays, beam_search
from capdesk.engine.model import no_repeat_ids
from capdesk.engine.scoring import score_captions
from capdesk.training.checkpoint import load_checkpoint
from capdesk.training.data import CaptionSet
from capdesk.training.ensemble import align_vocabulary, ensemble_step, prefixed
from capdesk.training.evaluate import banned_ids, torch_step
from capdesk.training.manifest import repeatable_words
from capdesk.training.model import Captioner
from capdesk.training.text import CaptionText, Vocab, caption_text
from capdesk.training.train import TrainConfig, load_split

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecodingScore:
    length_penalty: float
    block_repeats: bool
    cider: dict[str, float]
    bleu4: dict[str, float]

    @property
    def mean_cider(self) -> float:
        return float(np.mean(list(self.cider.values())))


def _captions(
    models: Sequence[Captioner],
    grids: Sequence[np.ndarray],
    vocab: Vocab,
    weights: Sequence[float],
    length_penalty: float,
    once: tuple[int, ...],
    text: CaptionText,
    batch: int = 100,
) -> list[str]:
    # One member goes through the same combination (log of its own probabilities).
    step = ensemble_step([torch_step(m) for m in models], weights)
    out: list[str] = []
    for start in range(0, len(grids[0]), batch):
        state: Arrays = {}
        context: Arrays = {}
        for k, (model, grid) in enumerate(zip(models, grids, strict=True)):
            g = torch.from_numpy(np.asarray(grid[start : start + batch], dtype=np.float32))
            with torch.inference_mode():
                f, p, h, c = model.encode(g)
            state.update(prefixed(k, {"h": h.numpy(), "c": c.numpy()}))
            context.update(prefixed(k, {"features": f.numpy(), "projection": p.numpy()}))
        hyps = beam_search(
            step,
            state,
            context,
            start_id=vocab.start_id,
            end_id=vocab.end_id,
            banned_ids=banned_ids(vocab),
            no_repeat_ids=once,
            beam_size=DEFAULT_BEAM_SIZE,
            max_length=DEFAULT_MAX_LENGTH,
            length_penalty=length_penalty,
        )
        out.extend(text.text(vocab.decode(h.token_ids)) for h in hyps)
    return out


def tune_decoding(
    checkpoints: Sequence[Path],
    length_penalties: Sequence[float],
    *,
    weights: Sequence[float] | None = None,
    threads: int = 1,
) -> list[DecodingScore]:
    """Beam-3 validation CIDEr and BLEU-4 for each length penalty, without and with
    repeat blocking; the val splits are those each checkpoint was selected on.

    Captions are scored with the checkpoints' language's scoring tokeniser (Chinese:
    jieba words) and blocking keeps that language's function words repeatable.
    """
    torch.set_num_threads(threads)
    models: list[Captioner] = []
    vocab: Vocab | None = None
    grids: dict[str, list[np.ndarray]] = {}
    data: dict[str, CaptionSet] = {}
    lang, tokens = "en", ""
    for path in checkpoints:
        model, member_vocab, ckpt = load_checkpoint(Path(path))
        vocab = vocab or member_vocab
        models.append(align_vocabulary(model.eval(), member_vocab.tokens, vocab.tokens))
        cfg = TrainConfig(**ckpt["train_config"])
        lang, tokens = cfg.lang, cfg.tokens
        for spec in cfg.val:
            loaded = load_split(cfg, spec, "val", progress=False)
            grids.setdefault(loaded.data.name, []).append(loaded.grids)
            data[loaded.data.name] = loaded.data
    if vocab is None:
        raise ValueError("no checkpoints given")
    weights = list(weights) if weights else [1.0] * len(models)
    # Scoring only: the preferred spellings (from training captions) do not change scores.
    text = caption_text(lang, tokens, [])
    results = []
    for lp in length_penalties:
        for block in (False, True):
            once = no_repeat_ids(vocab.tokens, repeatable_words(lang)) if block else ()
            cider, bleu = {}, {}
            for name, split in data.items():
                caps = _captions(models, grids[name], vocab, weights, lp, once, text)
                hyps = dict(zip(split.images, caps, strict=True))
                scores = score_captions(split.captions, hyps, tokenizer=text.score, meteor=False)
                cider[name], bleu[name] = scores["CIDEr"], scores["BLEU_4"]
            result = DecodingScore(lp, block, cider, bleu)
            log.info(
                "length penalty %.2f, repeat blocking %s: mean val CIDEr %.4f, CIDEr %s, BLEU-4 %s",
                lp,
                "on" if block else "off",
                result.mean_cider,
                {k: round(v, 4) for k, v in cider.items()},
                {k: round(v, 4) for k, v in bleu.items()},
            )
            results.append(result)
    best = best_option(results)
    log.info(
        "best on val: length penalty %.2f, repeat blocking %s (mean CIDEr %.4f)",
        best.length_penalty,
        "on" if best.block_repeats else "off",
        best.mean_cider,
    )
    return results


def best_option(results: Sequence[DecodingScore]) -> DecodingScore:
    """The option with the best mean val CIDEr: the selection rule of the whole project."""
    return max(results, key=lambda r: r.mean_cider)


def export_flags(results: Sequence[DecodingScore]) -> list[str]:
    """The ``capdesk train export`` flags of the best option, so a script exports what the
    tuning chose rather than a number copied by hand."""
    best = best_option(results)
    return ["--length-penalty", str(best.length_penalty)] + (
        ["--block-repeats"] if best.block_repeats else []
    )
