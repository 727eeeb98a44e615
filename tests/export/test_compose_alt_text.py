"""The composed alt text: caption first, then the read text, short, cut at a word."""

from __future__ import annotations

from capdesk.domain import compose_alt_text


def test_no_text_is_the_caption_alone() -> None:
    assert compose_alt_text("A dog runs.", None).alt_text == "A dog runs."
    assert compose_alt_text("A dog runs.", "  \n ").extended is None


def test_short_text_fits_whole_and_lines_become_a_sentence() -> None:
    composed = compose_alt_text("A sign.", "NO\n  PARKING\n\nAT ANY TIME")
    assert composed.alt_text == "A sign. Text: NO, PARKING, AT ANY TIME"
    assert composed.extended is None


def test_long_text_is_cut_at_a_word_and_kept_whole_in_the_extended_description() -> None:
    words = [f"word{i:03d}" for i in range(100)]
    text = "\n".join(" ".join(words[i:i + 5]) for i in range(0, 100, 5))
    composed = compose_alt_text("A receipt.", text)
    short = composed.alt_text
    assert len(short) <= 250 and short.endswith("…")
    assert short.startswith("A receipt. Text: word000 word001")
    last = short[:-1].split()[-1].strip(",")
    assert last in words  # a whole word, not a piece of one
    assert composed.extended == text
    assert compose_alt_text("A receipt.", text, limit=60).alt_text.endswith("…")
