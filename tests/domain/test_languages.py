"""The language list every layer shares: codes, xml:lang tags, direction and parsing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capdesk.domain import Caption, CaptionRecord, CaptionResult, LanguageCaption, LanguageText
from capdesk.domain.languages import (
    ARABIC,
    CHINESE,
    ENGLISH,
    GERMAN,
    KNOWN_LANGUAGES,
    Language,
    LanguageError,
    find_language,
    parse_language_list,
)


def test_the_four_known_languages() -> None:
    assert [(lang.code, lang.xml_lang, lang.direction) for lang in KNOWN_LANGUAGES] == [
        ("en", "en", "ltr"),
        ("zh", "zh-Hans", "ltr"),
        ("de", "de", "ltr"),
        ("ar", "ar", "rtl"),
    ]
    assert ARABIC.rtl and not GERMAN.rtl
    assert CHINESE.label == "Chinese (中文)" and ENGLISH.label == "English"


def test_parse_keeps_order_and_accepts_tags_and_spaces() -> None:
    assert parse_language_list("en,zh,de,ar") == (ENGLISH, CHINESE, GERMAN, ARABIC)
    assert parse_language_list(" AR , zh-Hans ") == (ARABIC, CHINESE)
    assert parse_language_list(["de"]) == (GERMAN,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no language given"),
        ("en,,zh", "stray comma"),
        ("en,fr", "unknown language 'fr'; capdesk knows en (English), zh (Chinese)"),
        ("en,EN", "listed twice"),
    ],
)
def test_parse_errors_say_what_to_do(text: str, message: str) -> None:
    with pytest.raises(LanguageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_language_list(text)


def test_parse_against_a_model_names_what_the_model_has() -> None:
    with pytest.raises(LanguageError) as info:
        parse_language_list("en,ar", available=(ENGLISH, CHINESE))
    assert "Arabic (ar) is not in this model" in str(info.value)
    assert "this model has en (English), zh (Chinese)" in str(info.value)


def test_manifest_entries_fall_back_to_the_known_language() -> None:
    assert Language.from_mapping({"code": "ar"}) == ARABIC
    custom = Language.from_mapping({"code": "xx", "name": "Test", "direction": "rtl"})
    assert (custom.xml_lang, custom.native_name, custom.rtl) == ("xx", "Test", True)
    with pytest.raises(LanguageError):
        Language.from_mapping({"code": "de", "direction": "up"})
    assert find_language("ZH-hans") == CHINESE and find_language("x-default") is None


def _caption(text: str) -> Caption:
    words = tuple(text.split())
    return Caption(text, words, -0.5, -1.0, np.full((len(words), 2, 2), 0.25, np.float32))


def test_result_per_language_and_the_english_fallback() -> None:
    en, zh = _caption("a dog"), _caption("一只 狗")
    result = CaptionResult(
        path=Path("p.jpg"), caption=en, error=None, provider="cpu",
        milliseconds=1.0,
        languages=(LanguageCaption(ENGLISH, en), LanguageCaption(CHINESE, zh)),
    )
    assert result.language_codes == ("en", "zh")
    assert result.caption_in("zh") is zh and result.caption_in("de") is None
    assert result.languages[1].words == ("一只", "狗") and result.languages[1].lang == "zh"
    old = CaptionResult(result.path, en, None, "cpu", 1.0)
    assert old.language_codes == ("en",) and old.caption_in("en") is en


def test_record_alt_text_per_language() -> None:
    record = CaptionRecord(
        Path("p.jpg"), "A dog.", visible_text="STOP",
        languages=(LanguageText(ENGLISH, "A dog."), LanguageText(CHINESE, "一只狗。")),
    )
    assert record.alt_text_in("en") == "A dog. Text: STOP"
    assert record.alt_text_in("zh") == "一只狗。文字：STOP"
    assert record.alt_text_in("ar") is None
    assert CaptionRecord(Path("p.jpg"), "A cat.").texts == (LanguageText(ENGLISH, "A cat."),)
