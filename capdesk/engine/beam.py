"""Batched beam search over a one-step decoder, in numpy.

All images of a batch and all their beams go through the step function together, so an
ONNX session sees one call per decode step whatever the batch size. The step function is
injected, which lets training validate with a torch step and the tests with a hand-built
table of probabilities, while the app uses ONNX Runtime: all three share this one search.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from capdesk.domain.decoding import (
    DEFAULT_BEAM_SIZE,
    DEFAULT_LENGTH_PENALTY,
    DEFAULT_MAX_LENGTH,
)

Arrays = dict[str, np.ndarray]
StepFunction = Callable[[np.ndarray, Arrays, Arrays], tuple[np.ndarray, Arrays, np.ndarray]]
"""(previous words (M,), recurrent state, context) -> (log_probs (M,V), state, alpha (M,L))."""


class SearchCancelled(Exception):
    """Raised between decode steps when the caller asked to stop."""


@dataclass(frozen=True)
class Hypothesis:
    """The best sequence found for one image.

    ``token_ids`` excludes the start and end tokens; ``score`` is the mean log-probability
    per emitted token (the end token counts when it was emitted), a length-independent
    confidence. ``alphas`` holds one attention row per token of ``token_ids``.
    ``token_log_probs`` and ``entropies`` hold, per emitted token (the end token last when
    it was emitted), the word's log-probability and the entropy (nats) of the model's whole
    next-word distribution at that step: the trust estimate reads them (``trust.py``).
    """

    token_ids: tuple[int, ...]
    log_prob: float
    score: float
    alphas: np.ndarray
    token_log_probs: tuple[float, ...] = ()
    entropies: tuple[float, ...] = ()


def _rank(log_prob: float, length: int, length_penalty: float) -> float:
    return log_prob / max(length, 1) ** length_penalty


def beam_search(
    step: StepFunction,
    state: Arrays,
    context: Arrays,
    *,
    start_id: int,
    end_id: int,
    banned_ids: Sequence[int] = (),
    no_repeat_ids: Sequence[int] = (),
    beam_size: int = DEFAULT_BEAM_SIZE,
    max_length: int = DEFAULT_MAX_LENGTH,
    length_penalty: float = DEFAULT_LENGTH_PENALTY,
    min_length: int = 1,
    should_cancel: Callable[[], bool] | None = None,
) -> list[Hypothesis]:
    """Return the best hypothesis of each image, in input order.

    ``state`` and ``context`` hold N rows (one per image). Context rows are repeated
    ``beam_size`` times once and never reordered: every beam of an image shares them.
    The end token is not allowed before ``min_length`` words: an empty caption is never
    useful alt text, however probable the model thinks it is. A word of ``no_repeat_ids``
    can appear at most once per caption: captioners trained for CIDEr like to say "a man
    and a man" or "a bed with a bed", and alt text that names a thing twice reads badly
    (the manifest keeps articles and prepositions repeatable). A finished hypothesis (end
    token, or ``max_length`` tokens) leaves its beam; an image is done once its best
    finished hypothesis outranks what its live beams could still reach.
    """
    if beam_size < 1 or max_length < 1:
        raise ValueError("beam_size and max_length must be at least 1")
    n_images = next(iter(state.values())).shape[0]
    if n_images == 0:
        return []
    state = {k: np.repeat(v, beam_size, axis=0) for k, v in state.items()}
    context = {k: np.repeat(v, beam_size, axis=0) for k, v in context.items()}
    finished: list[list[tuple[float, Hypothesis]]] = [[] for _ in range(n_images)]
    # Rows of images still being searched; finished images leave the decoder batch.
    active = np.arange(n_images)
    words = np.full(n_images * beam_size, start_id, dtype=np.int64)
    # Only beam 0 of each image is live at first, so the first step doesn't pick duplicates.
    beam_logp = np.full((n_images, beam_size), -np.inf, dtype=np.float64)
    beam_logp[:, 0] = 0.0
    tokens = np.zeros((n_images * beam_size, 0), dtype=np.int64)
    alphas: np.ndarray | None = None
    token_lp = np.zeros((n_images * beam_size, 0), dtype=np.float64)  # chosen words' log-p
    token_ent = np.zeros((n_images * beam_size, 0), dtype=np.float64)  # entropy per step
    once: np.ndarray | None = None  # (V,) words said at most once, built at the first step
    used: np.ndarray | None = None  # (rows, V): no-repeat words each beam has said

    for t in range(max_length):
        if should_cancel is not None and should_cancel():
            raise SearchCancelled
        log_probs, state, alpha = step(words, state, context)
        entropy = _entropy(log_probs)
        log_probs = log_probs.astype(np.float64, copy=True)
        if banned_ids:
            log_probs[:, list(banned_ids)] = -np.inf
        if t < min_length:
            log_probs[:, end_id] = -np.inf
        if used is not None:
            log_probs[used] = -np.inf
        n_active, vocab = len(active), log_probs.shape[1]
        total = beam_logp.reshape(-1, 1) + log_probs  # (rows, V)
        alpha_rows = alpha.astype(np.float32)[:, None, :]
        step_alphas = alpha_rows if alphas is None else np.concatenate([alphas, alpha_rows], 1)

        last_step = t == max_length - 1
        _collect_endings(
            finished,
            active,
            total,
            tokens,
            step_alphas,
            beam_logp,
            end_id,
            beam_size,
            length_penalty,
            close_all=last_step,
            per_token=(token_lp, token_ent, log_probs, entropy),
        )
        if last_step:
            break

        total[:, end_id] = -np.inf
        per_image = total.reshape(n_active, beam_size * vocab)
        top = np.argpartition(-per_image, beam_size - 1, axis=1)[:, :beam_size]
        top_lp = np.take_along_axis(per_image, top, axis=1)
        order = np.argsort(-top_lp, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        beam_logp = np.take_along_axis(top_lp, order, axis=1)
        source = (top // vocab + np.arange(n_active)[:, None] * beam_size).reshape(-1)
        words = (top % vocab).reshape(-1).astype(np.int64)
        state = {k: v[source] for k, v in state.items()}
        tokens = np.concatenate([tokens[source], words[:, None]], axis=1)
        token_lp = np.concatenate([token_lp[source], log_probs[source, words][:, None]], 1)
        token_ent = np.concatenate([token_ent[source], entropy[source][:, None]], 1)
        alphas = step_alphas[source]
        if len(no_repeat_ids):
            if once is None:
                once = np.zeros(vocab, dtype=bool)
                once[list(no_repeat_ids)] = True
            used = np.zeros((len(words), vocab), bool) if used is None else used[source]
            rows_said = np.flatnonzero(once[words])
            used[rows_said, words[rows_said]] = True

        keep = ~_images_done(finished, active, beam_logp, t, beam_size, length_penalty)
        if not keep.all():
            if not keep.any():
                break
            rows = np.repeat(keep, beam_size)
            active, beam_logp, words = active[keep], beam_logp[keep], words[rows]
            tokens, alphas = tokens[rows], alphas[rows]
            token_lp, token_ent = token_lp[rows], token_ent[rows]
            used = None if used is None else used[rows]
            state = {k: v[rows] for k, v in state.items()}
            context = {k: v[rows] for k, v in context.items()}

    return [_best(image_hyps) for image_hyps in finished]


def _entropy(log_probs: np.ndarray) -> np.ndarray:
    """Entropy (nats) of each row's next-word distribution, before any word is banned."""
    probs = np.exp(log_probs)
    safe = np.where(probs > 0, log_probs, 0.0)
    return -(probs * safe).sum(axis=1, dtype=np.float64)


def _collect_endings(
    finished: list[list[tuple[float, Hypothesis]]],
    active: np.ndarray,
    total: np.ndarray,
    tokens: np.ndarray,
    step_alphas: np.ndarray,
    beam_logp: np.ndarray,
    end_id: int,
    beam_size: int,
    length_penalty: float,
    *,
    close_all: bool,
    per_token: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Record hypotheses that end at this step.

    An ending counts when it ranks among its image's top ``beam_size`` candidates, as in
    standard beam search; at the last step every live beam is closed as it stands.
    ``per_token`` is (words' log-probs so far, entropies so far, this step's log-probs,
    this step's entropies), for the hypotheses' per-token records.
    """
    token_lp, token_ent, step_lp, step_ent = per_token
    vocab = total.shape[1]
    per_image = total.reshape(len(active), beam_size * vocab)
    kth = -np.partition(-per_image, beam_size - 1, axis=1)[:, beam_size - 1]
    for local, image in enumerate(active):
        for beam in range(beam_size):
            if not np.isfinite(beam_logp[local, beam]):
                continue
            row = local * beam_size + beam
            ids = tuple(int(i) for i in tokens[row])
            end_lp = float(total[row, end_id])
            so_far = tuple(float(v) for v in token_lp[row])
            ents = (*(float(v) for v in token_ent[row]), float(step_ent[row]))
            if np.isfinite(end_lp) and end_lp >= kth[local]:
                length = len(ids) + 1
                lps = (*so_far, float(step_lp[row, end_id]))
                alphas = step_alphas[row, : len(ids)]
                hyp = Hypothesis(ids, end_lp, end_lp / length, alphas, lps, ents)
                finished[image].append((_rank(end_lp, length, length_penalty), hyp))
            if close_all:
                best = np.where(np.arange(vocab) == end_id, -np.inf, total[row])
                word = int(np.argmax(best))
                lp = float(best[word])
                if np.isfinite(lp):
                    length = len(ids) + 1
                    lps = (*so_far, float(step_lp[row, word]))
                    hyp = Hypothesis((*ids, word), lp, lp / length, step_alphas[row], lps, ents)
                    finished[image].append((_rank(lp, length, length_penalty), hyp))


def _images_done(
    finished: list[list[tuple[float, Hypothesis]]],
    active: np.ndarray,
    beam_logp: np.ndarray,
    t: int,
    beam_size: int,
    length_penalty: float,
) -> np.ndarray:
    """Which active images can stop: nothing live, or nothing live can still win.

    Log-probabilities only fall as words are added, so with no length penalty the bound is
    exact; with one it is the usual heuristic (a live beam judged as if it ended next
    step) once ``beam_size`` endings exist.
    """
    done = np.zeros(len(active), dtype=bool)
    for local, image in enumerate(active):
        live = beam_logp[local]
        if not np.isfinite(live).any():
            done[local] = True
        elif finished[image]:
            best_done = max(r for r, _ in finished[image])
            best_live = _rank(float(live.max()), t + 2, length_penalty)
            enough = length_penalty == 0.0 or len(finished[image]) >= beam_size
            done[local] = enough and best_done >= best_live
    return done


def _best(candidates: list[tuple[float, Hypothesis]]) -> Hypothesis:
    if not candidates:
        return Hypothesis((), float("-inf"), float("-inf"), np.zeros((0, 0), np.float32))
    return max(candidates, key=lambda pair: pair[0])[1]
