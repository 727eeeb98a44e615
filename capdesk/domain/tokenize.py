"""Tokenisation of Chinese, German and Arabic captions, for training and for scoring.

One module, no torch, shared by training (what the decoder learns to emit), the scorer
(what the metrics count) and the engine (how emitted tokens are joined), so that the three
cannot drift apart (issue 21, LANG_CONTRACT). Two functions per language and mode:

* ``emit`` -- the tokens a decoder is trained on and emits. Punctuation is dropped (as the
  English model drops it): Chinese words come from jieba, Chinese characters are single
  characters; German keeps its case; Arabic loses tatweel and diacritics (noise in
  references, never wanted in alt text) but keeps its spelling.
* ``score`` -- the tokens the metrics compare: the emitted tokens of the text, then
  German lower-cased and Arabic normalised the usual way (alef variants to bare alef,
  alef maqsura to ya, ta marbuta to ha), so "Ein Hund" == "ein hund" and "إلى" == "الى".

A caption is always scored from its *text* (tokens joined by the language's joiner), so a
character-level Chinese model can be scored at word level and vice versa.

English is not here: it is scored with pycocoevalcap's own PTB tokenizer.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

Tokenizer = Callable[[str], list[str]]

#: Arabic diacritics (fathatan .. sukun, superscript alef) and the tatweel stroke.
_AR_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_AR_ALEF = str.maketrans({"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627",
                          "\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647"})
#: A word: letters/digits, hyphen- or apostrophe-joined parts kept together ("weiß-braun").
_WORD = re.compile(r"\w+(?:[-'\u2019]\w+)*")


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZ" or ch.isspace() for ch in token)


@cache
def _jieba() -> object:
    """jieba, imported once with its "Building prefix dict" chatter silenced."""
    import jieba  # noqa: PLC0415  (optional: only Chinese needs it; 0.4 s to import)

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def zh_words(text: str) -> list[str]:
    """jieba's segmentation of ``text`` (accurate mode, no HMM), punctuation dropped.

    The HMM guesser for unknown words is off so that segmentation depends only on the
    dictionary shipped in the wheel, never on the sentence around a word.
    """
    jieba = _jieba()
    words = jieba.lcut(text.strip(), HMM=False)  # type: ignore[attr-defined]
    return [w for w in (w.strip() for w in words) if w and not _is_punct(w)]


def zh_chars(text: str) -> list[str]:
    """One token per character; punctuation and spaces dropped; Latin/digit runs kept whole."""
    out: list[str] = []
    for run in re.findall(r"[A-Za-z0-9]+|\S", text):
        if not _is_punct(run):
            out.append(run)
    return out


def words(text: str) -> list[str]:
    """Words of a space-separated language, case kept, punctuation dropped."""
    return _WORD.findall(text)


def de_score(text: str) -> list[str]:
    """German for scoring: the words, lower-cased."""
    return [w.lower() for w in words(text)]


def ar_strip(text: str) -> str:
    """Arabic text without tatweel and diacritics (spelling otherwise kept)."""
    return _AR_MARKS.sub("", text)


def ar_emit(text: str) -> list[str]:
    """Arabic words as a decoder emits them: no tatweel, no diacritics, no punctuation."""
    return words(ar_strip(text))


def ar_normalize(token: str) -> str:
    """The usual Arabic scoring normalisation of one token (alef, ya, ta marbuta)."""
    return ar_strip(token).translate(_AR_ALEF)


def ar_score(text: str) -> list[str]:
    """Arabic for scoring: emitted words, normalised."""
    return [ar_normalize(w) for w in ar_emit(text)]


@dataclass(frozen=True)
class Tokenization:
    """How one language's captions are cut into tokens, joined and scored."""

    lang: str
    tokens: str  # "words" or "characters"
    joiner: str
    emit: Tokenizer
    score: Tokenizer
    #: Key under which surface variants count as one token (German lower case, Arabic
    #: normalised); training maps each key to its most frequent surface form.
    variant_key: Callable[[str], str] | None = None
    #: Sentence case: the first emitted token starts with a capital (German).
    capitalise_first: bool = False

    def join(self, tokens: Sequence[str]) -> str:
        return self.joiner.join(tokens)


#: (language, tokens) -> tokenisation; the first entry per language is its default.
TOKENIZATIONS: dict[tuple[str, str], Tokenization] = {
    ("zh", "words"): Tokenization("zh", "words", "", zh_words, zh_words),
    ("zh", "characters"): Tokenization("zh", "characters", "", zh_chars, zh_chars),
    ("de", "words"): Tokenization("de", "words", " ", words, de_score, str.lower, True),
    ("ar", "words"): Tokenization("ar", "words", " ", ar_emit, ar_score, ar_normalize),
}


def tokenization(lang: str, tokens: str | None = None) -> Tokenization:
    """The tokenisation of ``lang`` (``tokens`` = "words"/"characters"; default: the first)."""
    for (code, kind), tok in TOKENIZATIONS.items():
        if code == lang and (tokens is None or tokens == kind):
            return tok
    known = ", ".join(f"{c}/{k}" for c, k in TOKENIZATIONS)
    raise ValueError(f"no tokenisation for {lang!r} {tokens or ''} (known: {known})")


def preferred_forms(
    captions: Iterable[Sequence[str]], key: Callable[[str], str]
) -> dict[str, str]:
    """key -> the most frequent surface form of that key, not counting first tokens.

    First tokens are skipped when a word is also seen elsewhere, because sentence case
    says nothing about a German word's case ("Ein" / "ein"). Ties go to the form sorting
    first, so the same data gives the same mapping.
    """
    inner: dict[str, Counter[str]] = {}
    first: dict[str, Counter[str]] = {}
    for caption in captions:
        for i, tok in enumerate(caption):
            (first if i == 0 else inner).setdefault(key(tok), Counter())[tok] += 1
    forms = {}
    for k in inner.keys() | first.keys():
        counts = inner.get(k) or first[k]
        forms[k] = min(counts, key=lambda f: (-counts[f], f))
    return forms


def canonical(
    tokens: Sequence[str], tok: Tokenization, forms: dict[str, str] | None
) -> list[str]:
    """``tokens`` with each variant replaced by its preferred form, then sentence case."""
    out = list(tokens)
    if forms is not None and tok.variant_key is not None:
        key = tok.variant_key
        out = [forms.get(key(t), t) for t in out]
    if tok.capitalise_first and out:
        out[0] = out[0][:1].upper() + out[0][1:]
    return out
