"""Caption normalisation and the vocabulary.

Metrics are computed by pycocoevalcap after its PTB tokenizer (lower-cased, punctuation
tokens removed, clitics such as ``'s`` split off). Training on the same token stream
means the model never learns to emit tokens the scorer would throw away, so
:func:`tokenize` mimics that tokenizer in pure Python (no Java needed at training time).
On 5,000 random Flickr8k/COCO captions it agrees with the Java tokenizer on 4,993; the
rest are URLs, "at&t", "and/or", "mr." and "#", which the Java one keeps as tokens.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from capdesk.domain.tokenize import canonical, preferred_forms, tokenization, zh_chars

PAD, START, END, UNK = "<pad>", "<start>", "<end>", "<unk>"
SPECIALS = (PAD, START, END, UNK)

_CLITIC = re.compile(r"(\w)('s|'re|'ve|'ll|'d|'m|n't)\b")
_NON_WORD = re.compile(r"[^a-z0-9'\- ]+")
#: Tokens the pycocoevalcap PTB tokenizer drops.
_PUNCT = {"'", "''", "-", "--", "'s'"}
_CLITICS = {"'s", "'re", "'ve", "'ll", "'d", "'m"}


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and split it into PTB-like word tokens without punctuation."""
    s = text.lower().replace("`", "'")
    s = _CLITIC.sub(r"\1 \2", s)
    s = _NON_WORD.sub(" ", s)
    out = []
    for raw in s.split():
        tok = raw.strip("-")
        if tok not in _CLITICS:
            tok = tok.strip("'")
        if tok and tok not in _PUNCT:
            out.append(tok)
    return out


@dataclass(frozen=True)
class Vocab:
    """Token list where a token's id is its index; the four specials come first."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if tuple(self.tokens[:4]) != SPECIALS:
            raise ValueError(f"vocabulary must start with {SPECIALS}")
        object.__setattr__(self, "_ids", {t: i for i, t in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def start_id(self) -> int:
        return 1

    @property
    def end_id(self) -> int:
        return 2

    @property
    def unk_id(self) -> int:
        return 3

    def id(self, token: str) -> int:
        ids: dict[str, int] = self.__dict__["_ids"]
        return ids.get(token, self.unk_id)

    def encode(self, words: Sequence[str]) -> list[int]:
        """``<start> w1 .. wn <end>`` as ids."""
        return [self.start_id, *(self.id(w) for w in words), self.end_id]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of ``ids``, stopping at ``<end>`` and skipping the other specials."""
        words = []
        for i in ids:
            if i == self.end_id:
                break
            if i >= len(SPECIALS):
                words.append(self.tokens[i])
        return words

    @classmethod
    def build(cls, captions: Iterable[Sequence[str]], min_count: int = 5) -> Vocab:
        """Vocabulary of words seen at least ``min_count`` times, most frequent first.

        Ties are broken alphabetically so that the same data always yields the same ids.
        """
        counts = Counter(w for words in captions for w in words)
        kept = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        return cls((*SPECIALS, *kept))

    def to_json(self) -> str:
        return json.dumps({"tokens": list(self.tokens)}, ensure_ascii=False, indent=0) + "\n"

    def save(self, path: Path) -> str:
        """Write ``vocab.json`` and return the sha256 of its bytes (for the manifest)."""
        data = self.to_json().encode("utf-8")
        Path(path).write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    @classmethod
    def load(cls, path: Path) -> Vocab:
        return cls(tuple(json.loads(Path(path).read_text(encoding="utf-8"))["tokens"]))


@dataclass(frozen=True)
class CaptionText:
    """How a run turns caption text into training tokens and how its captions are scored.

    ``emit`` gives the tokens the decoder learns (for German and Arabic each spelling or
    case variant is mapped to its most frequent form in the training captions, and German
    captions start with a capital). ``score`` is the selection metric's tokeniser, applied
    to ``joiner.join(tokens)``: for Chinese it is jieba words for both token kinds, so a
    character model and a word model are selected and compared on the same figure (the
    issue's targets are word-level); ``extra`` adds further scorings (Chinese characters).
    """

    lang: str
    tokens: str
    joiner: str
    emit: Callable[[str], list[str]]
    score: Callable[[str], list[str]]
    extra: dict[str, Callable[[str], list[str]]] = field(default_factory=dict)

    def text(self, tokens: Sequence[str]) -> str:
        return self.joiner.join(tokens)


def caption_text(lang: str, tokens: str, train_captions: Iterable[str]) -> CaptionText:
    """The :class:`CaptionText` of a run; ``train_captions`` are its raw training captions."""
    if lang == "en":
        return CaptionText("en", "words", " ", tokenize, tokenize)
    tok = tokenization(lang, tokens or None)
    forms = None
    if tok.variant_key is not None:
        forms = preferred_forms((tok.emit(t) for t in train_captions), tok.variant_key)

    def emit(text: str) -> list[str]:
        return canonical(tok.emit(text), tok, forms)

    if lang == "zh":
        score = tokenization("zh", "words").score
        return CaptionText(lang, tok.tokens, tok.joiner, emit, score, {"chars": zh_chars})
    return CaptionText(lang, tok.tokens, tok.joiner, emit, tok.score)
