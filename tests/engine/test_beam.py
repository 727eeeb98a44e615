"""Beam search against a hand-built step function whose probabilities are known exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from capdesk.engine.beam import Arrays, SearchCancelled, beam_search

PAD, START, END, UNK, A, B, C = range(7)
VOCAB = 7
L = 4  # attention locations


def table(rows: dict[int, dict[int, float]]) -> np.ndarray:
    """Transition table P(next | previous) as log-probabilities; unspecified mass is tiny."""
    probs = np.full((VOCAB, VOCAB), 1e-6)
    for prev, nexts in rows.items():
        for word, p in nexts.items():
            probs[prev, word] = p
    probs /= probs.sum(axis=1, keepdims=True)
    return np.log(probs)


# Greedy takes A (0.5) and then must end (A→END 0.3 is A's best): P = 0.15.
# The best sequence is B C (0.4 · 0.9 · 0.9 = 0.324), which a beam of 2 keeps alive.
TRAP = table({
    START: {A: 0.5, B: 0.4, UNK: 0.09, C: 0.01},
    A: {END: 0.3, A: 0.25, B: 0.25, C: 0.2},
    B: {C: 0.9, END: 0.1},
    C: {END: 0.9, A: 0.1},
})


def markov_step(tables: np.ndarray):
    """A first-order step function over per-image tables."""

    def step(words: np.ndarray, state: Arrays, context: Arrays):
        image_tables = tables[context["image"]]
        log_probs = image_tables[np.arange(len(words)), words]
        alpha = np.eye(L, dtype=np.float32)[words % L]
        return log_probs, {"last": words.copy()}, alpha

    return step


def second_order_step(log_probs3: np.ndarray):
    """P(next | word before previous, previous): correct only if state follows its beam."""

    def step(words: np.ndarray, state: Arrays, context: Arrays):
        log_probs = log_probs3[state["last"], words]
        return log_probs, {"last": words.copy()}, np.eye(L, dtype=np.float32)[words % L]

    return step


def sequence_log_prob3(log_probs3: np.ndarray, ids: tuple[int, ...], max_length: int) -> float:
    """At the length limit a caption closes without the end token, as the search does."""
    words = (START, START, *ids) + ((END,) if len(ids) < max_length else ())
    triples = zip(words, words[1:], words[2:], strict=False)
    return float(sum(log_probs3[a, b, c] for a, b, c in triples))


def search(tables: np.ndarray, **options):
    n = tables.shape[0]
    state = {"last": np.full(n, START, dtype=np.int64)}
    context = {"image": np.arange(n)}
    options.setdefault("banned_ids", (PAD, START, UNK))
    return beam_search(markov_step(tables), state, context, start_id=START, end_id=END, **options)


def sequence_log_prob(log_table: np.ndarray, ids: tuple[int, ...]) -> float:
    words = (START, *ids, END)
    return float(sum(log_table[a, b] for a, b in itertools.pairwise(words)))


def greedy(log_table: np.ndarray, max_length: int) -> tuple[int, ...]:
    ids: list[int] = []
    prev = START
    for t in range(max_length):
        row = log_table[prev].copy()
        row[[PAD, START, UNK]] = -np.inf
        if t == 0:
            row[END] = -np.inf
        prev = int(np.argmax(row))
        if prev == END:
            break
        ids.append(prev)
    return tuple(ids)


def exhaustive_best(log_table: np.ndarray, max_length: int) -> tuple[int, ...]:
    candidates = [
        seq for n in range(1, max_length + 1) for seq in itertools.product((A, B, C), repeat=n)
    ]
    return max(candidates, key=lambda seq: sequence_log_prob(log_table, seq))


def test_beam_of_one_is_greedy() -> None:
    (hyp,) = search(TRAP[None], beam_size=1, max_length=6)
    assert hyp.token_ids == greedy(TRAP, 6) == (A,)


def test_wider_beam_finds_the_known_best_sequence() -> None:
    (hyp,) = search(TRAP[None], beam_size=2, max_length=6)
    assert hyp.token_ids == (B, C)
    assert hyp.log_prob == pytest.approx(np.log(0.4 * 0.9 * 0.9), abs=1e-4)
    assert hyp.score == pytest.approx(hyp.log_prob / 3)


@pytest.mark.parametrize("seed", range(5))
def test_full_width_beam_matches_exhaustive_search_with_state(seed: int) -> None:
    """A second-order chain: the search must carry each beam's state with its words."""
    rng = np.random.default_rng(seed)
    log_probs3 = np.log(rng.dirichlet(np.ones(VOCAB) * 0.5, size=(VOCAB, VOCAB)))
    max_length = 3
    state = {"last": np.full(2, START, dtype=np.int64)}
    hyps = beam_search(second_order_step(log_probs3), state, {}, start_id=START, end_id=END,
                       banned_ids=(PAD, START, UNK), beam_size=200, max_length=max_length)
    candidates = [
        seq for n in range(1, max_length + 1) for seq in itertools.product((A, B, C), repeat=n)
    ]
    best = max(candidates, key=lambda seq: sequence_log_prob3(log_probs3, seq, max_length))
    for hyp in hyps:
        assert hyp.token_ids == best
        assert hyp.log_prob == pytest.approx(sequence_log_prob3(log_probs3, best, max_length))


def test_maximum_length_is_respected_when_end_is_unlikely() -> None:
    never_end = table({START: {A: 1.0}, A: {B: 0.6, A: 0.4}, B: {A: 0.7, C: 0.3}, C: {A: 1.0}})
    (hyp,) = search(never_end[None], beam_size=3, max_length=5)
    assert len(hyp.token_ids) == 5
    assert hyp.alphas.shape == (5, L)


def test_search_stops_at_the_end_token_and_excludes_it() -> None:
    (hyp,) = search(TRAP[None], beam_size=3, max_length=10)
    assert END not in hyp.token_ids
    assert START not in hyp.token_ids


def test_unknown_token_is_never_emitted_even_when_most_likely() -> None:
    unk_first = table({START: {UNK: 0.9, A: 0.1}, A: {END: 1.0}, UNK: {END: 1.0}})
    (hyp,) = search(unk_first[None], beam_size=3, max_length=4)
    assert hyp.token_ids == (A,)


def test_alphas_follow_the_emitted_words() -> None:
    (hyp,) = search(TRAP[None], beam_size=2, max_length=6)
    # Each word's attention was produced from the previous word: START, then B.
    previous = (START, *hyp.token_ids[:-1])
    expected = np.eye(L, dtype=np.float32)[np.asarray(previous) % L]
    np.testing.assert_array_equal(hyp.alphas, expected)


def test_batched_images_get_the_same_answer_as_alone() -> None:
    other = table({START: {C: 0.8, A: 0.2}, C: {B: 0.6, END: 0.4}, B: {END: 1.0}, A: {END: 1.0}})
    tables = np.stack([TRAP, other, TRAP])
    together = search(tables, beam_size=3, max_length=6)
    alone = [search(t[None], beam_size=3, max_length=6)[0] for t in tables]
    assert [h.token_ids for h in together] == [h.token_ids for h in alone]
    assert together[1].token_ids == (C, B)


def test_one_decoder_call_per_step_for_the_whole_batch() -> None:
    calls: list[int] = []
    inner = markov_step(np.stack([TRAP] * 4))

    def counting(words, state, context):
        calls.append(len(words))
        return inner(words, state, context)

    state = {"last": np.full(4, START, dtype=np.int64)}
    beam_search(counting, state, {"image": np.arange(4)}, start_id=START, end_id=END,
                banned_ids=(PAD, START, UNK), beam_size=3, max_length=6)
    assert calls and all(rows == 4 * 3 for rows in calls)


def test_length_penalty_prefers_longer_captions() -> None:
    short_or_long = table({
        START: {A: 1.0}, A: {END: 0.55, B: 0.45}, B: {C: 0.95, END: 0.05}, C: {END: 0.95, A: 0.05},
    })
    (plain,) = search(short_or_long[None], beam_size=3, max_length=6, length_penalty=0.0)
    (normalised,) = search(short_or_long[None], beam_size=3, max_length=6, length_penalty=1.0)
    assert plain.token_ids == (A,)
    assert normalised.token_ids == (A, B, C)


def test_cancellation_is_checked_between_steps() -> None:
    steps = iter(range(100))
    with pytest.raises(SearchCancelled):
        search(TRAP[None], beam_size=2, max_length=6, should_cancel=lambda: next(steps) >= 1)


def test_empty_batch_and_bad_arguments() -> None:
    assert search(np.zeros((0, VOCAB, VOCAB))) == []
    with pytest.raises(ValueError):
        search(TRAP[None], beam_size=0)


def test_finished_images_leave_the_decoder_batch() -> None:
    long_chain = table({START: {A: 1.0}, A: {B: 1.0}, B: {C: 1.0}, C: {A: 0.9, END: 0.1}})
    short_chain = table({START: {A: 1.0}, A: {END: 1.0}})
    tables = np.stack([short_chain, long_chain])
    calls: list[int] = []
    inner = markov_step(tables)

    def counting(words, state, context):
        calls.append(len(words))
        return inner(words, state, context)

    state = {"last": np.full(2, START, dtype=np.int64)}
    hyps = beam_search(counting, state, {"image": np.arange(2)}, start_id=START, end_id=END,
                       banned_ids=(PAD, START, UNK), beam_size=2, max_length=6)
    assert hyps[0].token_ids == (A,)
    assert len(hyps[1].token_ids) == 6
    assert calls[0] == 4 and calls[-1] == 2  # the short caption's beams stopped early


def _says_once(seq: tuple[int, ...], once: tuple[int, ...]) -> bool:
    return all(seq.count(w) <= 1 for w in once)


@pytest.mark.parametrize("seed", range(4))
def test_no_repeat_words_matches_exhaustive_search_over_allowed_captions(seed: int) -> None:
    """With B and C said at most once, the search finds the best caption that obeys it."""
    rng = np.random.default_rng(100 + seed)
    log_table = np.log(rng.dirichlet(np.ones(VOCAB) * 0.3, size=VOCAB))
    once = (B, C)
    (hyp,) = search(log_table[None], beam_size=200, max_length=4, no_repeat_ids=once)
    candidates = [
        seq
        for n in range(1, 5)
        for seq in itertools.product((A, B, C), repeat=n)
        if _says_once(seq, once)
    ]
    # An exact bound needs every ending: the search closes unfinished beams at the limit.
    best = max(candidates, key=lambda seq: sequence_log_prob(log_table, seq)
               if len(seq) < 4 else sequence_log_prob(log_table, seq) - log_table[seq[-1], END])
    assert hyp.token_ids == best
    assert _says_once(hyp.token_ids, once)


def test_repeatable_words_still_repeat_and_blocked_ones_do_not() -> None:
    # Unblocked, the chain loops "B A B A ...".
    loop = table({START: {B: 1.0}, B: {A: 0.9, END: 0.1}, A: {B: 0.8, C: 0.15, END: 0.05},
                  C: {END: 1.0}})
    (free,) = search(loop[None], beam_size=3, max_length=6)
    assert free.token_ids.count(B) > 1
    (blocked,) = search(loop[None], beam_size=3, max_length=6, no_repeat_ids=(B,))
    # B A C <end> (0.9 * 0.15) is the best caption that says B once; B <end> is 0.1.
    assert blocked.token_ids == (B, A, C)


def test_no_repeat_blocking_is_per_image_in_a_batch() -> None:
    rng = np.random.default_rng(7)
    tables = np.log(rng.dirichlet(np.ones(VOCAB) * 0.3, size=(5, VOCAB)))
    together = search(tables, beam_size=3, max_length=8, no_repeat_ids=(A, C))
    alone = [search(t[None], beam_size=3, max_length=8, no_repeat_ids=(A, C))[0] for t in tables]
    assert [h.token_ids for h in together] == [h.token_ids for h in alone]
