"""Chinese, German and Arabic tokenisation for training and scoring (capdesk.domain.tokenize)."""

from __future__ import annotations

import importlib.util
import logging

import pytest

from capdesk.domain.tokenize import (
    ar_normalize,
    ar_score,
    canonical,
    de_score,
    preferred_forms,
    tokenization,
    words,
    zh_chars,
    zh_words,
)

needs_jieba = pytest.mark.skipif(
    importlib.util.find_spec("jieba") is None, reason="jieba not installed (eval/train extra)"
)


@needs_jieba
def test_zh_words_segments_with_jieba_and_drops_punctuation() -> None:
    assert zh_words("穿着连衣裙的小女孩。") == ["穿着", "连衣裙", "的", "小女孩"]
    assert zh_words("一只黑色的狗在草地上奔跑") == [
        "一只", "黑色", "的", "狗", "在", "草地", "上", "奔跑"
    ]


@needs_jieba
def test_jieba_is_quiet(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        zh_words("两个男孩在踢足球")
    assert "prefix dict" not in capsys.readouterr().err
    assert not [r for r in caplog.records if r.name == "jieba" and r.levelno < logging.WARNING]


def test_zh_chars_one_token_per_character() -> None:
    assert zh_chars("小女孩，在跑。") == ["小", "女", "孩", "在", "跑"]
    # Latin letters and digits stay whole (a "T恤" is two tokens, "2" one).
    assert zh_chars("穿T恤的2个人") == ["穿", "T", "恤", "的", "2", "个", "人"]


def test_german_keeps_case_and_hyphenated_words_scores_lower_case() -> None:
    text = "Ein schwarzer und ein weiß-braun-gefleckter Hund, auf der Straße."
    assert words(text) == ["Ein", "schwarzer", "und", "ein", "weiß-braun-gefleckter", "Hund",
                           "auf", "der", "Straße"]
    assert de_score("Ein Hund läuft.") == de_score("ein hund läuft") == ["ein", "hund", "läuft"]


def test_german_preferred_case_and_sentence_case() -> None:
    tok = tokenization("de")
    caps = [words(t) for t in ("Ein Hund läuft", "ein hund schläft", "Der Hund spielt",
                               "ein Mann und ein Hund")]
    forms = preferred_forms(caps, str.lower)
    assert forms["hund"] == "Hund"
    assert forms["ein"] == "ein"  # sentence-initial "Ein" does not count
    assert canonical(["ein", "hund", "läuft"], tok, forms) == ["Ein", "Hund", "läuft"]


def test_arabic_normalisation() -> None:
    # alef with hamza above/below/madda and wasla -> bare alef
    assert ar_normalize("أحمد") == ar_normalize("احمد") == "احمد"
    assert ar_normalize("إلى") == "الي"  # alef below -> alef, alef maqsura -> ya
    assert ar_normalize("آخر") == "اخر"
    assert ar_normalize("مدرسة") == "مدرسه"  # ta marbuta -> ha
    # tatweel and diacritics are removed
    assert ar_normalize("كــلب") == "كلب"
    assert ar_normalize("كَلْبٌ") == "كلب"
    assert ar_score("كلب أسود، يجري.") == ["كلب", "اسود", "يجري"]


def test_arabic_emit_keeps_spelling_but_drops_marks() -> None:
    tok = tokenization("ar")
    assert tok.emit("كَلْبٌ أسود") == ["كلب", "أسود"]
    assert tok.joiner == " "


def test_tokenization_registry() -> None:
    assert tokenization("zh").tokens == "words"
    assert tokenization("zh", "characters").joiner == ""
    with pytest.raises(ValueError, match="no tokenisation"):
        tokenization("fr")
