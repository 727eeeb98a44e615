"""Where the model looks for each word of a caption it already made: forced decoding.

The caption library keeps captions as text, not their attention maps (a 7×7 float map per
word would multiply its size). For a photo restored from the library, the maps are
recomputed on demand: one encoder run, then the decoder fed the stored caption's own
words one step at a time instead of searching. Beam search's attention for a word depends
only on the words before it, so for the model that wrote the caption this gives the very
maps the original run showed, in ``len(words) + 1`` decoder steps.
"""

from __future__ import annotations

import numpy as np

from capdesk.domain import Caption
from capdesk.engine.beam import Arrays, StepFunction
from capdesk.engine.model import ModelSpec


def caption_tokens(spec: ModelSpec, text: str) -> list[int]:
    """The vocabulary ids of a caption the engine wrote ("A dog runs." → a, dog, runs).

    The engine capitalises the first letter and adds a full stop; both are undone. A word
    the vocabulary lacks (a person's edit) becomes ``<unk>``.
    """
    ids = {token: index for index, token in enumerate(spec.tokens)}
    words = text.strip().rstrip(".").split()
    return [ids.get(word, ids.get(word.lower(), spec.unk_id)) for word in words]


def forced_caption(
    spec: ModelSpec, step: StepFunction, state: Arrays, context: Arrays, text: str
) -> Caption | None:
    """The :class:`Caption` for ``text`` on one encoded image (``state``/``context`` of
    one row), with one attention map per word, each word's log-probability and the
    next-word entropy, as beam search reports them. None when ``text`` has no words."""
    tokens = caption_tokens(spec, text)
    if not tokens:
        return None
    words = np.array([spec.start_id], dtype=np.int64)
    alphas: list[np.ndarray] = []
    log_probs: list[float] = []
    entropies: list[float] = []
    for position, token in enumerate([*tokens, spec.end_id]):
        step_log_probs, state, alpha = step(words, state, context)
        row = step_log_probs[0].astype(np.float64)
        log_probs.append(float(row[token]))
        entropies.append(float(-(np.exp(row) * row).sum()))
        if position < len(tokens):
            alphas.append(np.asarray(alpha[0], dtype=np.float32))
        words = np.array([token], dtype=np.int64)
    grid_h, grid_w = spec.grid
    attention = np.stack(alphas).reshape(len(tokens), grid_h, grid_w)
    total = float(sum(log_probs))
    return Caption(
        text=text,
        words=spec.words(tuple(tokens)),
        score=total / len(log_probs),
        log_prob=total,
        attention=attention,
        token_log_probs=tuple(log_probs),
        entropies=tuple(entropies),
    )
