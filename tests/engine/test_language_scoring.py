"""Scoring in Chinese, German and Arabic: tokenised per language, then pycocoevalcap's scorers."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from capdesk.engine.evaluation import score_reference_sets
from capdesk.engine.scoring import read_references, score_language

pytest.importorskip("pycocoevalcap", reason="scoring needs pycocoevalcap (eval extra)")
needs_jieba = pytest.mark.skipif(
    importlib.util.find_spec("jieba") is None, reason="jieba not installed (eval extra)"
)
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "flickr8k"


def test_german_is_scored_case_insensitively_without_punctuation() -> None:
    refs = {"a.jpg": ["ein Hund läuft über die Wiese."], "b.jpg": ["Zwei Kinder spielen."]}
    hyps = {"a.jpg": "Ein Hund läuft über die Wiese", "b.jpg": "zwei kinder spielen"}
    scores = score_language(refs, hyps, "de", meteor=False)
    assert scores["BLEU_1"] == pytest.approx(1.0)
    assert scores["ROUGE_L"] == pytest.approx(1.0)
    assert "METEOR" not in scores


def test_arabic_is_scored_after_normalisation() -> None:
    refs = {"a.jpg": ["كلب يجري إلى الشاطئ"], "b.jpg": ["طفلة صغيرة"]}
    hyps = {"a.jpg": "كلب يجري الى الشاطيء", "b.jpg": "طفله صغيره"}  # spelling variants
    scores = score_language(refs, hyps, "ar", meteor=True)  # no METEOR for Arabic: skipped
    assert scores["ROUGE_L"] > 0.7
    assert score_language(refs, {"a.jpg": "كلب يجري إلى الشاطئ", "b.jpg": "طفلة صغيرة"}, "ar",
                          meteor=False)["BLEU_1"] == pytest.approx(1.0)
    assert "METEOR" not in scores


@needs_jieba
def test_chinese_words_and_characters_against_two_reference_sets() -> None:
    human = {"a.jpg": ["一只黑色的狗在草地上奔跑。"], "b.jpg": ["两个男孩在踢足球。"]}
    translated = {"a.jpg": ["一条黑狗在草地上跑"], "b.jpg": ["两个男孩踢球"]}
    hyps = {"a.jpg": "一只黑色的狗在草地上奔跑", "b.jpg": "两个男孩在踢足球"}
    scores = score_reference_sets(hyps, {"human": human, "translated": translated}, "zh",
                                  token_kinds=("words", "characters"))
    assert set(scores) == {"human", "translated"}
    assert scores["human"]["words"]["BLEU_1"] == pytest.approx(1.0)
    assert scores["human"]["characters"]["BLEU_1"] == pytest.approx(1.0)
    assert scores["translated"]["characters"]["BLEU_1"] > scores["translated"]["words"]["BLEU_1"]
    assert "METEOR" not in scores["human"]["words"]  # METEOR does not support Chinese


def test_german_meteor_uses_the_german_module() -> None:
    if shutil.which("java") is None:
        pytest.skip("java not found: METEOR needs it")
    refs = {"a.jpg": ["Ein Hund läuft über die Wiese."], "b.jpg": ["Zwei Kinder spielen."]}
    hyps = {"a.jpg": "Ein Hund lief über die Wiesen", "b.jpg": "Zwei Kinder spielen"}
    scores = score_language(refs, hyps, "de")
    assert 0.3 < scores["METEOR"] <= 1.0


@pytest.mark.skipif(not (DATA / "captions.zh.tsv").is_file(),
                    reason="needs ../shared/data/flickr8k (not in the repository)")
@needs_jieba
def test_a_human_chinese_reference_scores_high_against_the_others() -> None:
    refs = read_references(DATA / "captions.zh.tsv", DATA / "split_val.txt")
    names = sorted(refs)[:50]
    hyps = {n: refs[n][0] for n in names}
    rest = {n: refs[n][1:] for n in names}
    scores = score_language(rest, hyps, "zh", tokens="words", meteor=False)
    assert scores["BLEU_1"] > 0.4
