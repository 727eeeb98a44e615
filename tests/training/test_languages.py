"""A per-language decoder on a frozen exported encoder: train, export, decode in the engine.

Tiny synthetic data (shapes with Chinese and German captions) and a tiny random encoder,
through the production code: ``fit --encoder`` (cached encoder features), the language's
tokenisation, ``export_language`` + ``add_language`` (manifest format 2), then the engine's
Captioner decoding that language must give the captions the torch model gives.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
pytest.importorskip("jieba", reason="jieba (train/eval extra) segments the Chinese captions")

from capdesk.engine import Captioner as EngineCaptioner  # noqa: E402
from capdesk.training.checkpoint import load_checkpoint  # noqa: E402
from capdesk.training.encoder import build_cnn  # noqa: E402
from capdesk.training.evaluate import generate  # noqa: E402
from capdesk.training.export import add_language, export_language, export_model  # noqa: E402
from capdesk.training.model import Captioner, ModelConfig  # noqa: E402
from capdesk.training.text import Vocab  # noqa: E402
from capdesk.training.train import TrainConfig, load_split, run_training  # noqa: E402
from tests.training.tiny_config import tiny_config  # noqa: E402

ZH = {"red": "红色", "green": "绿色", "blue": "蓝色", "square": "方块", "stripe": "条纹"}
DE = {"red": "rote", "green": "grüne", "blue": "blaue", "square": "Quadrat", "stripe": "Streifen"}


def _translate(corpus: Path) -> None:
    """captions.zh.tsv and captions.de.tsv beside the English ones, same photos."""
    zh, de = [], []
    for line in (corpus / "captions.tsv").read_text(encoding="utf-8").splitlines():
        name, k, text = line.split("\t")
        colour = next(c for c in ZH if c in text.lower())
        shape = next(s for s in ("square", "stripe") if s in text.lower())
        zh.append(f"{name}\t{k}\t一个{ZH[colour]}的{ZH[shape]}。")
        article = "Das" if shape == "square" else "Der"
        de.append(f"{name}\t{k}\t{article} {DE[colour][:-1]}e {DE[shape]}.")
    (corpus / "captions.zh.tsv").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (corpus / "captions.de.tsv").write_text("\n".join(de) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def folder(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An English model folder (random tiny decoder) whose encoder the languages read."""
    _translate(corpus)
    out = tmp_path_factory.mktemp("model") / "m"
    cnn = build_cnn("tiny", "4x4", seed=0)
    english = Captioner(ModelConfig(cnn_channels=16, vocab_size=6, feature_dim=16,
                                    attention_dim=8, embed_dim=8, hidden_dim=16))
    vocab = Vocab(("<pad>", "<start>", "<end>", "<unk>", "a", "b"))
    export_model(english, cnn, vocab, out, name="tiny", training_data=["shapes"])
    return out


def _fit(corpus: Path, folder: Path, run: Path, lang: str, tokens: str = "") -> Path:
    cfg = replace(tiny_config(corpus, run / "cache", 3), lang=lang, tokens=tokens,
                  captions=f"captions.{lang}.tsv", encoder=str(folder / "encoder.onnx"),
                  encoder_rows=[0, 16], lr=1e-2)
    return run_training(cfg, run, progress=False)


@pytest.mark.parametrize("tokens", ["words", "characters"])
def test_chinese_decoder_trains_exports_and_decodes_in_the_engine(
    corpus: Path, folder: Path, tmp_path: Path, tokens: str
) -> None:
    best = _fit(corpus, folder, tmp_path / "run", "zh", tokens)
    model, vocab, ckpt = load_checkpoint(best)
    assert ckpt["model_config"]["project_features"] is False
    if tokens == "words":
        assert "方块" in vocab.tokens and "红色" in vocab.tokens
    else:
        assert "方" in vocab.tokens and "方块" not in vocab.tokens
    assert "。" not in vocab.tokens
    entry = export_language(best, folder, decoding={"beam_size": 3, "max_length": 12,
                                                    "length_penalty": 0.0})
    manifest = add_language(folder, entry)
    assert manifest["format_version"] == 2
    assert [e["code"] for e in manifest["languages"]] == ["en", "zh"]
    assert manifest["languages"][1]["joiner"] == "" and manifest["languages"][1]["tokens"] == tokens
    assert json.loads((folder / "zh" / "vocab.json").read_text(encoding="utf-8"))["tokens"][:4] == [
        "<pad>", "<start>", "<end>", "<unk>"]

    val = load_split(TrainConfig(**ckpt["train_config"]), str(corpus), "val", progress=False)
    expected = generate(model, val.grids, vocab, beam_size=3, max_length=12)
    images = [val.data.image_dir / n for n in val.data.images]
    with EngineCaptioner(folder, languages=["zh"], threads=1) as engine:
        pixels = np.stack([engine.load(p)[0] for p in images])
        got = engine.search(engine.encode(pixels, ["zh"]), language="zh")
    assert [list(c.words) if c else [] for c in got] == expected
    assert all(c is not None and c.attention.shape[1:] == (4, 4) for c in got)


def test_german_keeps_noun_case_and_starts_with_a_capital(
    corpus: Path, folder: Path, tmp_path: Path
) -> None:
    best = _fit(corpus, folder, tmp_path / "run", "de")
    _, vocab, _ = load_checkpoint(best)
    assert "Quadrat" in vocab.tokens and "quadrat" not in vocab.tokens
    assert "Das" in vocab.tokens and "." not in vocab.tokens
