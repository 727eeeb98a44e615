"""Tokenisation, vocabulary round trip and the dataset readers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from capdesk.training.data import read_folder, read_karpathy, read_source
from capdesk.training.text import SPECIALS, Vocab, tokenize


def test_tokenize_matches_ptb_conventions() -> None:
    assert tokenize("A dog's ball , in the T-shirt's pocket .") == [
        "a",
        "dog",
        "'s",
        "ball",
        "in",
        "the",
        "t-shirt",
        "'s",
        "pocket",
    ]
    assert tokenize("Two men; one isn't ... happy!") == ["two", "men", "one", "is", "n't", "happy"]


def test_vocab_round_trip(tmp_path: Path) -> None:
    vocab = Vocab.build([["a", "dog"], ["a", "cat"], ["a", "dog"]], min_count=2)
    assert vocab.tokens == (*SPECIALS, "a", "dog")
    sha = vocab.save(tmp_path / "vocab.json")
    assert len(sha) == 64
    again = Vocab.load(tmp_path / "vocab.json")
    assert again == vocab
    ids = vocab.encode(["a", "cat", "dog"])
    assert ids == [vocab.start_id, 4, vocab.unk_id, 5, vocab.end_id]
    assert vocab.decode(ids[1:]) == ["a", "dog"]


def test_read_folder(corpus: Path) -> None:
    train = read_folder(corpus, "train")
    val = read_folder(corpus, "val")
    assert len(train) == 16 and len(val) == 8
    assert not set(train.images) & set(val.images)
    assert all(len(train.captions[i]) == 5 for i in train.images)
    assert train.limit(3).images == train.images[:3]
    with pytest.raises(FileNotFoundError):
        read_folder(corpus, "test")


def test_read_karpathy(tmp_path: Path) -> None:
    data = {
        "dataset": "toy",
        "images": [
            {"filename": "a.jpg", "split": "train", "sentences": [{"raw": "A dog.", "tokens": []}]},
            {"filename": "b.jpg", "split": "restval", "sentences": [{"tokens": ["a", "cat"]}]},
            {"filename": "c.jpg", "split": "test", "sentences": [{"raw": "A bird."}]},
        ],
    }
    path = tmp_path / "dataset_toy.json"
    path.write_text(json.dumps(data))
    train = read_karpathy(path, tmp_path, "train")
    assert train.images == ["a.jpg", "b.jpg"]
    assert train.captions["b.jpg"] == ["a cat"]
    test = read_source(f"{path}:{tmp_path}", "test")
    assert test.images == ["c.jpg"] and test.name == "toy"
