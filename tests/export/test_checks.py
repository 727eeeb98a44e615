"""Alt-text checks and trimming."""

from __future__ import annotations

import pytest

from capdesk.export import (
    AltTextIssue,
    check_alt_text,
    strip_redundant_prefix,
    trim_alt_text,
)


def issues(text: str) -> list[AltTextIssue]:
    return [w.issue for w in check_alt_text(text)]


def test_good_text_has_no_warnings() -> None:
    assert check_alt_text("A brown dog catches a frisbee in a park") == []


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty(text: str) -> None:
    assert issues(text) == [AltTextIssue.EMPTY]


def test_length_limits() -> None:
    assert issues("a" * 125) == []
    assert issues("a" * 126) == [AltTextIssue.TOO_LONG]
    assert issues("a" * 250) == [AltTextIssue.TOO_LONG]
    assert issues("a" * 251) == [AltTextIssue.OVER_LIMIT]
    warning = check_alt_text("word " * 40)[0]
    assert "199 characters" in warning.message and "125" in warning.message


@pytest.mark.parametrize(
    "text",
    [
        "Image of a cat",
        "picture of a cat",
        "PHOTO OF a cat",
        "A photo of a cat",
        "an image of x",
        "  The picture of a cat",
    ],
)
def test_redundant_prefix(text: str) -> None:
    assert issues(text) == [AltTextIssue.REDUNDANT_PREFIX]


@pytest.mark.parametrize("text", ["Photography class outdoors", "Imagery of war", "photos"])
def test_no_false_prefix(text: str) -> None:
    assert issues(text) == []


def test_strip_redundant_prefix() -> None:
    assert strip_redundant_prefix("A photo of a dog on a beach") == "A dog on a beach"
    assert strip_redundant_prefix("image of cats") == "cats"
    assert strip_redundant_prefix("Photo of") == "Photo of"
    assert strip_redundant_prefix("A dog") == "A dog"


def test_trim_keeps_whole_words() -> None:
    text = "A brown dog, running happily along the long sandy beach at sunset"
    assert trim_alt_text(text, 19) == "A brown dog"  # not "A brown dog, runnin" nor "dog,"
    assert trim_alt_text(text, 30, ellipsis="…") == "A brown dog, running happily…"
    assert len(trim_alt_text(text, 30, ellipsis="…")) <= 30
    assert trim_alt_text(text, 200) == text
    assert trim_alt_text("  spaced   out  ", 100) == "spaced out"
    assert trim_alt_text("Supercalifragilistic", 5) == "Super"
    for limit in range(1, len(text) + 2):
        trimmed = trim_alt_text(text, limit)
        assert len(trimmed) <= limit
        assert text.startswith(trimmed)
        if trimmed and len(trimmed) < len(text) and " " in text[:limit]:
            assert text[len(trimmed)] in " ,"  # the cut fell between words
    with pytest.raises(ValueError):
        trim_alt_text(text, 0)
