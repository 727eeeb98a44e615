"""Alt text in several languages: one lang-alt entry per language in every format, read
back by exiftool (the independent reader) and by capdesk, pixels unchanged; sidecars,
HTML and table columns per language."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from capdesk.domain import CaptionRecord, LanguageText
from capdesk.domain.languages import ARABIC, CHINESE, ENGLISH, GERMAN
from capdesk.export import ExportFormat, ExportOptions, export_records, read_csv, read_jsonl
from capdesk.export.alt_text import read_alt_text, read_alt_texts, write_alt_text
from capdesk.export.html_page import html_text
from capdesk.export.metadata_block import read_header_alt_texts
from capdesk.export.tables import csv_text, jsonl_text
from capdesk.export.xmp import texts_by_language

from .conftest import FORMATS, pixels

pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")

TEXTS = {
    "en": "A dog runs along a sandy beach.",
    "zh": "一只狗在沙滩上奔跑。",
    "de": "Ein Hund läuft über einen Sandstrand.",
    "ar": "كلب يجري على شاطئ رملي.",
}
ORDER = (ENGLISH, CHINESE, GERMAN, ARABIC)
ENTRIES = [(lang.xml_lang, TEXTS[lang.code]) for lang in ORDER]


def _record(path: Path, order: tuple = ORDER, **kwargs: object) -> CaptionRecord:
    texts = tuple(LanguageText(lang, TEXTS[lang.code], score=-0.5) for lang in order)
    return CaptionRecord(path, texts[0].caption, languages=texts, **kwargs)  # type: ignore[arg-type]


def _tags(prop: str) -> list[str]:
    return [f"-{prop}", *(f"-{prop}-{lang.xml_lang}" for lang in ORDER)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_every_language_and_pixels_stay(
    fmt: str, photo: Callable[..., Path], exiftool: Callable[..., dict[str, str]]
) -> None:
    path = photo(fmt)
    before = pixels(path)
    write_alt_text(path, TEXTS["en"], languages=ENTRIES)
    assert pixels(path) == before
    tags = exiftool(path, *_tags("XMP-iptcCore:AltTextAccessibility"),
                    *_tags("XMP-dc:Description"), "-IFD0:ImageDescription")
    for prop in ("XMP-iptcCore:AltTextAccessibility", "XMP-dc:Description"):
        assert tags[prop] == TEXTS["en"]  # x-default: the first language
        for lang in ORDER:
            # exiftool (like exiv2 and Adobe's toolkit) prints tags in lower case
            assert tags[f"{prop}-{lang.xml_lang.lower()}"] == TEXTS[lang.code], (prop, lang)
    assert tags["IFD0:ImageDescription"] == TEXTS["en"]
    # the Arabic caption is stored as its exact UTF-8 bytes (XMP is not compressed)
    assert TEXTS["ar"].encode("utf-8") in path.read_bytes()


def test_first_language_is_x_default_and_exif_only_for_ascii(
    photo: Callable[..., Path], exiftool: Callable[..., dict[str, str]]
) -> None:
    path = photo("jpg")
    order = (ARABIC, ENGLISH)
    write_alt_text(path, TEXTS["ar"], languages=[(g.xml_lang, TEXTS[g.code]) for g in order])
    tags = exiftool(path, "-XMP-iptcCore:AltTextAccessibility", "-IFD0:ImageDescription",
                    "-XMP-iptcCore:AltTextAccessibility-ar")
    assert tags["XMP-iptcCore:AltTextAccessibility"] == TEXTS["ar"]
    assert tags["XMP-iptcCore:AltTextAccessibility-ar"] == TEXTS["ar"]
    assert "IFD0:ImageDescription" not in tags  # not ASCII: EXIF left alone
    assert read_alt_text(path) == TEXTS["ar"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_reading_back_gives_every_language(fmt: str, photo: Callable[..., Path]) -> None:
    path = photo(fmt)
    write_alt_text(path, TEXTS["zh"], languages=[(CHINESE.xml_lang, TEXTS["zh"]),
                                                 (ARABIC.xml_lang, TEXTS["ar"])])
    whole, header = read_alt_texts(path), read_header_alt_texts(path)
    assert whole == header
    assert whole["x-default"] == TEXTS["zh"]
    assert texts_by_language(whole) == {"zh": TEXTS["zh"], "ar": TEXTS["ar"]}


def test_rewriting_replaces_written_languages_and_keeps_others(
    photo: Callable[..., Path]
) -> None:
    path = photo("jpg")
    write_alt_text(path, "Un chien.", languages=[("fr", "Un chien.")])
    write_alt_text(path, TEXTS["en"], languages=ENTRIES)
    write_alt_text(path, "A dog.", languages=[("en", "A dog."), ("de", "Ein Hund.")])
    found = texts_by_language(read_alt_texts(path), (*ORDER,))
    assert found == {"en": "A dog.", "de": "Ein Hund.", "zh": TEXTS["zh"], "ar": TEXTS["ar"]}
    assert read_alt_texts(path)["fr"] == "Un chien."


def test_export_writes_sidecars_per_language_and_the_html_page(
    photo: Callable[..., Path], tmp_path: Path
) -> None:
    source = photo("jpg")
    out = tmp_path / "out"
    options = ExportOptions(formats=frozenset({ExportFormat.ALT_TEXT, ExportFormat.SIDECAR,
                                               ExportFormat.HTML}), output_dir=out)
    report = export_records([_record(source)], options)
    assert report.outcomes[0].errors == ()
    assert (out / "photo.txt").read_text(encoding="utf-8") == TEXTS["en"] + "\n"
    for code in ("zh", "de", "ar"):
        assert (out / f"photo.{code}.txt").read_text(encoding="utf-8") == TEXTS[code] + "\n"
    assert texts_by_language(read_alt_texts(out / "photo.jpg")) == TEXTS
    page = html_text([_record(source, (ARABIC, ENGLISH))], tmp_path)
    assert f'lang="ar" dir="rtl" alt="{TEXTS["ar"]}"' in page
    # the first repeats the alt word for word: hidden from screen readers, the rest read
    assert f'<p lang="ar" dir="rtl" aria-hidden="true">{TEXTS["ar"]}</p>' in page
    assert f'<p lang="en" dir="ltr">{TEXTS["en"]}</p>' in page
    plain = html_text([CaptionRecord(source, "A dog.")], tmp_path)
    assert "dir=" not in plain and "<p " not in plain  # English only: as before
    assert '<figcaption aria-hidden="true">A dog.</figcaption>' in plain


def test_table_columns_per_language_round_trip(tmp_path: Path) -> None:
    record = _record(tmp_path / "p.jpg", (CHINESE, ENGLISH, ARABIC))
    row = json.loads(jsonl_text([record]))
    assert row["languages"] == ["zh", "en", "ar"]
    assert row["caption"] == TEXTS["en"] and row["alt_text"] == TEXTS["en"]
    assert row["caption_zh"] == TEXTS["zh"] and row["alt_text_ar"] == TEXTS["ar"]
    assert row["caption_de"] is None and row["edited_de"] is None
    assert row["score_zh"] == -0.5 and row["reviewed_zh"] is False
    cells = next(csv.DictReader(io.StringIO(csv_text([record]), newline="")))
    assert cells["languages"] == "zh,en,ar" and cells["caption_ar"] == TEXTS["ar"]
    (tmp_path / "t.jsonl").write_text(jsonl_text([record]), encoding="utf-8")
    (tmp_path / "t.csv").write_text(csv_text([record]), encoding="utf-8")
    for back in (read_jsonl(tmp_path / "t.jsonl")[0], read_csv(tmp_path / "t.csv")[0]):
        assert back.caption == TEXTS["zh"]  # the first language
        assert [(t.language.code, t.caption) for t in back.texts] == [
            ("zh", TEXTS["zh"]), ("en", TEXTS["en"]), ("ar", TEXTS["ar"])
        ]
