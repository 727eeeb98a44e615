"""Word recall as defined in capdesk/ocr/metrics.py."""

from capdesk.ocr.metrics import counted_words, score_words


def test_words_need_three_letters_and_lose_punctuation() -> None:
    words = counted_words("TAN WOON, YANN. TD01167104 NO.53 is a Cat cat")
    assert words == {"tan": 1, "woon": 1, "yann": 1, "cat": 2}


def test_recall_is_a_multiset_match() -> None:
    score = score_words(["the cat", "the dog"], "The cat sat")
    assert (score.truth, score.read, score.found) == (4, 3, 2)
    assert score.recall == 0.5
    assert abs(score.precision - 2 / 3) < 1e-9


def test_empty_truth_scores_full_recall() -> None:
    assert score_words([], "").recall == 1.0
