"""``record_in_library`` (both CLI paths) keeps trust, flags and the read text on one row
per image: English's when English was chosen, else the first language's (issue 18 + 21)."""

from __future__ import annotations

from pathlib import Path

from capdesk.cli.rows import record_in_library
from capdesk.domain import CaptionRecord, LanguageText, make_flag
from capdesk.domain.languages import LANGUAGES_BY_CODE
from capdesk.library import Library
from tests.library.helpers import photos


def _record(path: Path, codes: tuple[str, ...]) -> CaptionRecord:
    texts = tuple(LanguageText(LANGUAGES_BY_CODE[c], f"words in {c}", score=-0.5)
                  for c in codes)
    return CaptionRecord(path, texts[0].caption, score=-0.5, model="m", trust=0.3,
                         flags=(make_flag("low_confidence"),), visible_text="EXIT",
                         languages=texts)


def test_trust_flags_and_read_text_go_on_the_english_row(tmp_path: Path) -> None:
    first, second = photos(tmp_path / "photos", 2)
    with Library.open(tmp_path / "library.sqlite3") as library:
        record_in_library(library, _record(first, ("de", "en")), "hash")
        record_in_library(library, _record(second, ("de", "zh")), "hash")
        english = library.lookup([first])[first]
        assert english.text == "words in en"
        assert (english.trust, [f.code for f in english.flags], english.text_in_photo) == (
            0.3, ["low_confidence"], "EXIT")
        german = library.lookup([first], lang="de")[first]
        assert german.text == "words in de"
        assert (german.trust, german.flags, german.text_in_photo) == (None, (), None)
        # Without English the first language's row keeps them; the others keep none.
        lead = library.lookup([second], lang="de")[second]
        assert (lead.trust, [f.code for f in lead.flags], lead.text_in_photo) == (
            0.3, ["low_confidence"], "EXIT")
        other = library.lookup([second], lang="zh")[second]
        assert (other.trust, other.flags) == (None, ())
