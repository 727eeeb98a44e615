"""IPTC Extended Description (Accessibility): written beside the alt text when given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from capdesk.domain import CaptionRecord
from capdesk.export import (
    ExportFormat,
    ExportOptions,
    export_records,
    read_alt_text,
    read_embedded_extended_description,
    write_alt_text,
)

from .conftest import FORMATS, pixels

pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")

EXT = "XMP-iptcCore:ExtDescrAccessibility"
ALT = "XMP-iptcCore:AltTextAccessibility"


@pytest.mark.parametrize("fmt", FORMATS)
def test_extended_description_reads_back_with_exiftool(
    fmt: str, photo: Callable[..., Path], tmp_path: Path,
    exiftool: Callable[..., dict[str, str]],
) -> None:
    source = photo(fmt)
    before = source.read_bytes()
    copy = tmp_path / f"copy.{fmt}"
    text = "TOTAL 12.00\nTHANK YOU — merci"
    write_alt_text(source, "A receipt. Text: TOTAL 12.00, …", dest=copy, extended=text)
    shown = exiftool(copy, f"-{ALT}", f"-{EXT}")
    assert shown[ALT] == "A receipt. Text: TOTAL 12.00, …"
    assert shown[EXT] == text
    assert read_embedded_extended_description(copy.read_bytes()) == text
    assert read_alt_text(copy) == "A receipt. Text: TOTAL 12.00, …"  # reading unchanged
    assert pixels(copy) == pixels(source) and source.read_bytes() == before


def test_without_extended_text_an_existing_one_is_left_alone(
    photo: Callable[..., Path], exiftool: Callable[..., dict[str, str]]
) -> None:
    image = photo("jpg")
    write_alt_text(image, "First.", extended="the old full text")
    write_alt_text(image, "A dog.")
    shown = exiftool(image, f"-{ALT}", f"-{EXT}")
    assert shown[ALT] == "A dog." and shown[EXT] == "the old full text"


def test_export_writes_the_composed_alt_text_of_a_record(
    photo: Callable[..., Path], tmp_path: Path, exiftool: Callable[..., dict[str, str]]
) -> None:
    image = photo("jpg")
    lines = "\n".join(f"LINE {i} OF THE LETTER WITH SOME WORDS" for i in range(12))
    record = CaptionRecord(image, "A letter.", visible_text=lines)
    options = ExportOptions(formats=frozenset({ExportFormat.ALT_TEXT}), output_dir=tmp_path / "o")
    (outcome,) = export_records([record], options).outcomes
    (copy,) = outcome.written
    shown = exiftool(copy, f"-{ALT}", f"-{EXT}")
    assert shown[ALT] == record.alt_text and shown[ALT].startswith("A letter. Text: LINE 0 OF")
    assert shown[EXT] == lines
