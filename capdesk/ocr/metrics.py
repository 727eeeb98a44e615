"""Word recall and precision of read text against a transcription.

Why a word-bag measure: alt text is read out, so what matters is whether the words a person
would need are present, not where they are on the page or in which order the engine emits them.

Definition (the one the docs and the evaluation script use):

* a *word* is a whitespace-separated token, lower-cased, with every character that is not a
  letter or a digit removed (``"JOHOR."`` -> ``"johor"``, ``"TA.K(TAMAN"`` -> ``"takataman"``
  is not split further);
* only words with **at least three letters** (``str.isalpha`` characters) count, on both sides;
  so ``"TD01167104"`` (2 letters) and prices are left out;
* ground truth is a multiset; a ground-truth word is *found* as many times as it occurs in the
  read text's multiset (``min(count_truth, count_read)`` per distinct word);
* recall = found / ground-truth words, precision = found / read words, pooled over all images
  of a folder (micro average).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


def normalise_word(token: str) -> str:
    """Lower-case ``token`` and drop every character that is not a letter or digit."""
    return "".join(ch for ch in token.lower() if ch.isalnum())


def counted_words(text: str) -> Counter[str]:
    """The multiset of words in ``text`` that have three or more letters."""
    words: Counter[str] = Counter()
    for token in text.split():
        word = normalise_word(token)
        if sum(ch.isalpha() for ch in word) >= 3:
            words[word] += 1
    return words


@dataclass(frozen=True)
class WordScore:
    """Counts for one image or a pooled folder; ratios are derived so they pool correctly."""

    truth: int
    read: int
    found: int

    @property
    def recall(self) -> float:
        return self.found / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.found / self.read if self.read else 1.0

    def __add__(self, other: WordScore) -> WordScore:
        return WordScore(self.truth + other.truth, self.read + other.read, self.found + other.found)


def score_words(truth: Iterable[str], read: str) -> WordScore:
    """Score ``read`` against the ground-truth texts ``truth`` (lines, words or blocks)."""
    truth_words: Counter[str] = Counter()
    for text in truth:
        truth_words.update(counted_words(text))
    read_words = counted_words(read)
    found = sum(min(n, read_words[w]) for w, n in truth_words.items())
    return WordScore(sum(truth_words.values()), sum(read_words.values()), found)
