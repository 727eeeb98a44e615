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
    """

    token_ids: tuple[int, ...]
    log_prob: float
    score: float
    alphas: np.ndarray


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
    beam_size: int = 3,
    max_length: int = 20,
    length_penalty: float = 0.0,
    min_length: int = 1,
    should_cancel: Callable[[], bool] | None = None,
) -> list[Hypothesis]:
    """Return the best hypothesis of each image, in input order.

    ``state`` and ``context`` hold N rows (one per image). Context rows are repeated
    ``beam_size`` times once and never reordered: every beam of an image shares them.
    The end token is not allowed before ``min_length`` words: an empty caption is never
    useful alt text, however probable the model thinks it is. A finished hypothesis (end
    token, or ``max_length`` tokens) leaves its beam; an image is done once its best
    finished hypothesis outranks what its live beams could still reach.
    """
    if beam_size < 1 or max_length < 1:
        raise ValueError("beam_size and max_length must be at least 1")
    n_images = next(iter(state.values())).shape[0]
    if n_images == 0:
        return []
    rows = n_images * beam_size
    state = {k: np.repeat(v, beam_size, axis=0) for k, v in state.items()}
    context = {k: np.repeat(v, beam_size, axis=0) for k, v in context.items()}

    words = np.full(rows, start_id, dtype=np.int64)
    # Only beam 0 of each image is live at first, so the first step doesn't pick duplicates.
    beam_logp = np.full((n_images, beam_size), -np.inf, dtype=np.float64)
    beam_logp[:, 0] = 0.0
    tokens = np.zeros((rows, 0), dtype=np.int64)
    alphas: np.ndarray | None = None
    finished: list[list[tuple[float, Hypothesis]]] = [[] for _ in range(n_images)]
    done = np.zeros(n_images, dtype=bool)

    for t in range(max_length):
        if should_cancel is not None and should_cancel():
            raise SearchCancelled
        log_probs, state, alpha = step(words, state, context)
        log_probs = log_probs.astype(np.float64, copy=True)
        if banned_ids:
            log_probs[:, list(banned_ids)] = -np.inf
        if t < min_length:
            log_probs[:, end_id] = -np.inf
        last_step = t == max_length - 1
        vocab = log_probs.shape[1]
        total = beam_logp.reshape(rows, 1) + log_probs  # (rows, V)
        alpha_rows = alpha.astype(np.float32)[:, None, :]
        step_alphas = alpha_rows if alphas is None else np.concatenate([alphas, alpha_rows], 1)

        # An ending counts when it ranks among the image's top beam_size candidates, as in
        # standard beam search; at the last step every live beam is closed instead.
        per_image_all = total.reshape(n_images, beam_size * vocab)
        kth = -np.partition(-per_image_all, beam_size - 1, axis=1)[:, beam_size - 1]
        for image in np.flatnonzero(~done):
            for beam in range(beam_size):
                row = image * beam_size + beam
                if not np.isfinite(beam_logp[image, beam]):
                    continue
                ids = tuple(int(i) for i in tokens[row])
                end_lp = float(total[row, end_id])
                if np.isfinite(end_lp) and end_lp >= kth[image]:
                    length = len(ids) + 1
                    hyp = Hypothesis(ids, end_lp, end_lp / length, step_alphas[row, : len(ids)])
                    finished[image].append((_rank(end_lp, length, length_penalty), hyp))
                if last_step:
                    best = np.where(np.arange(vocab) == end_id, -np.inf, total[row])
                    word = int(np.argmax(best))
                    lp = float(best[word])
                    if np.isfinite(lp):
                        length = len(ids) + 1
                        hyp = Hypothesis((*ids, word), lp, lp / length, step_alphas[row])
                        finished[image].append((_rank(lp, length, length_penalty), hyp))
        if last_step:
            break

        total[:, end_id] = -np.inf
        per_image = total.reshape(n_images, beam_size * vocab)
        top = np.argpartition(-per_image, beam_size - 1, axis=1)[:, :beam_size]
        top_lp = np.take_along_axis(per_image, top, axis=1)
        order = np.argsort(-top_lp, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        beam_logp = np.take_along_axis(top_lp, order, axis=1)
        source = (top // vocab + np.arange(n_images)[:, None] * beam_size).reshape(rows)
        words = (top % vocab).reshape(rows).astype(np.int64)

        state = {k: v[source] for k, v in state.items()}
        tokens = np.concatenate([tokens[source], words[:, None]], axis=1)
        alphas = step_alphas[source]

        for image in np.flatnonzero(~done):
            live = beam_logp[image]
            if not np.isfinite(live).any():
                done[image] = True
            elif finished[image]:
                # Log-probabilities only fall as words are added, so with no length
                # penalty this bound is exact; with one it is the usual heuristic (a live
                # beam judged as if it ended next step) once beam_size endings exist.
                best_done = max(r for r, _ in finished[image])
                best_live = _rank(float(live.max()), t + 2, length_penalty)
                enough = length_penalty == 0.0 or len(finished[image]) >= beam_size
                done[image] = enough and best_done >= best_live
        if done.all():
            break

    return [_best(image_hyps) for image_hyps in finished]


def _best(candidates: list[tuple[float, Hypothesis]]) -> Hypothesis:
    if not candidates:
        return Hypothesis((), float("-inf"), float("-inf"), np.zeros((0, 0), np.float32))
    return max(candidates, key=lambda pair: pair[0])[1]
