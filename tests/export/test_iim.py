"""IPTC-IIM Caption-Abstract kept in step with the XMP alt text, only where IIM exists."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from capdesk.export import ExportError, read_alt_text, write_alt_text
from capdesk.export.iim import (
    CAPTION_KEY,
    CHARSET_KEY,
    MAX_CAPTION_BYTES,
    UTF8,
    caption_changes,
    fit_caption,
    read_caption,
)

from .conftest import FORMATS, pixels

pyexiv2 = pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")

KEYWORDS = "Iptc.Application2.Keywords"
BYLINE = "Iptc.Application2.Byline"


def add_iim(path: Path, values: dict[str, object], encoding: str = "utf-8") -> None:
    """Give ``path`` an IIM block, as an older tool would (``encoding`` of the raw bytes)."""
    meta = pyexiv2.ImageData(path.read_bytes())
    try:
        meta.modify_iptc(values, encoding=encoding)
        path.write_bytes(meta.get_bytes())
    finally:
        meta.close()


def read_iim(path: Path, encoding: str = "utf-8") -> dict[str, object]:
    meta = pyexiv2.ImageData(path.read_bytes())
    try:
        return dict(meta.read_iptc(encoding=encoding))
    finally:
        meta.close()


def exiftool_json(path: Path, *args: str) -> dict[str, object]:
    """exiftool's own reading (print conversion on, so CodedCharacterSet shows as a name)."""
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    out = subprocess.run(
        [exe, "-json", "-G1", "-charset", "UTF8", *args, str(path)],
        check=True,
        capture_output=True,
    ).stdout
    row: dict[str, object] = json.loads(out.decode("utf-8"))[0]
    return row


@pytest.mark.parametrize("fmt", ["jpg", "tif", "png"])
def test_existing_caption_is_replaced_and_other_datasets_kept(
    fmt: str, photo: Callable[..., Path]
) -> None:
    path = photo(fmt)
    add_iim(path, {CAPTION_KEY: "old caption", KEYWORDS: ["beach", "dog"]})
    before = pixels(path)
    write_alt_text(path, "A dog runs along a sandy beach")
    iim = read_iim(path)
    assert iim[CAPTION_KEY] == "A dog runs along a sandy beach"
    assert iim[KEYWORDS] == ["beach", "dog"]
    assert CHARSET_KEY not in iim  # ASCII is the same in every IIM charset
    assert read_alt_text(path) == "A dog runs along a sandy beach"
    assert pixels(path) == before
    with Image.open(path) as image:
        assert image.getexif()[0x0112] == 6


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_iim_block_is_created(fmt: str, photo: Callable[..., Path]) -> None:
    path = photo(fmt)
    write_alt_text(path, "Café crème 漢字")
    assert read_iim(path) == {}
    data = path.read_bytes()
    assert b"Photoshop 3.0" not in data
    assert b"8BIM\x04\x04" not in data
    assert read_alt_text(path) == "Café crème 漢字"


def test_non_ascii_caption_declares_utf8_for_an_independent_reader(
    photo: Callable[..., Path],
) -> None:
    """Legacy Latin-1 IIM with no charset: declaring UTF-8 also converts the old values."""
    path = photo("jpg")
    add_iim(path, {CAPTION_KEY: "old", BYLINE: ["Jörg Müller"]}, encoding="latin-1")
    assert b"J\xf6rg M\xfcller" in path.read_bytes()
    write_alt_text(path, "Café crème 漢字")
    # exiftool would read undeclared IIM as Latin-1 here: only the declaration makes it UTF-8
    tags = exiftool_json(path, "-charset", "iptc=Latin", "-IPTC:all")
    assert tags["IPTC:CodedCharacterSet"] == "UTF8"
    assert tags["IPTC:Caption-Abstract"] == "Café crème 漢字"
    assert tags["IPTC:By-line"] == "Jörg Müller"
    raw = read_iim(path, encoding="latin-1")
    assert raw[CHARSET_KEY] == "\x1b%G"
    assert raw[CAPTION_KEY] == "Café crème 漢字".encode().decode("latin-1")


def test_caption_in_utf8_block_needs_no_conversion(photo: Callable[..., Path]) -> None:
    path = photo("jpg")
    add_iim(path, {CHARSET_KEY: UTF8, CAPTION_KEY: "alt", BYLINE: ["Zoë"]})
    write_alt_text(path, "桜の木の下の猫")
    iim = read_iim(path)
    assert iim[CAPTION_KEY] == "桜の木の下の猫"
    assert iim[BYLINE] == ["Zoë"]
    assert iim[CHARSET_KEY] == UTF8


def test_long_caption_is_cut_at_a_character_boundary(
    photo: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    caption = "a" + "漢" * 1000  # 3001 bytes; byte 2000 falls inside a character
    path = photo("jpg")
    add_iim(path, {CAPTION_KEY: "old"})
    with caplog.at_level(logging.WARNING, logger="capdesk.export.iim"):
        write_alt_text(path, caption)
    raw = read_iim(path, encoding="latin-1")[CAPTION_KEY]
    assert isinstance(raw, str)
    stored = raw.encode("latin-1")
    assert len(stored) <= MAX_CAPTION_BYTES
    assert stored.decode("utf-8") == caption[:667]  # 1 + 666 * 3 = 1999 bytes, no half char
    assert read_alt_text(path) == caption  # the XMP keeps the whole caption
    assert any("Caption-Abstract holds 2000" in r.getMessage() for r in caplog.records)


def test_fit_caption_keeps_captions_up_to_the_limit() -> None:
    assert fit_caption("é" * 1000) == "é" * 1000  # exactly 2000 bytes
    assert fit_caption("é" * 1001) == "é" * 1000
    assert fit_caption("x" * 2001) == "x" * 2000


def test_iptc_digest_is_refreshed_when_it_was_in_sync(photo: Callable[..., Path]) -> None:
    """MWG readers trust IIM and XMP as in sync only while Photoshop's IPTC digest matches."""
    path = photo("jpg")
    add_iim(path, {CAPTION_KEY: "old", KEYWORDS: ["beach"]})
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    subprocess.run([exe, "-q", "-overwrite_original", "-IPTCDigest=new", str(path)], check=True)
    stale = photo("jpg", name="stale")
    stale.write_bytes(path.read_bytes())
    add_iim(stale, {KEYWORDS: ["changed by a tool that ignores the digest"]})

    write_alt_text(path, "Dünen am Strand")
    write_alt_text(stale, "Dünen am Strand")

    tags = exiftool_json(path, "-IPTCDigest", "-CurrentIPTCDigest", "-IPTC:Caption-Abstract")
    assert tags["IPTC:Caption-Abstract"] == "Dünen am Strand"
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    tags = exiftool_json(stale, "-IPTCDigest", "-CurrentIPTCDigest")
    assert tags["Photoshop:IPTCDigest"] != tags["File:CurrentIPTCDigest"]


def test_unknown_declared_charset_is_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    existing = {CHARSET_KEY: "\x1b-A", CAPTION_KEY: "old"}
    with caplog.at_level(logging.WARNING, logger="capdesk.export.iim"):
        assert caption_changes(existing, "Café") == {}
    assert "does not convert" in caplog.text
    assert caption_changes(existing, "Cafe") == {CAPTION_KEY: "Cafe"}
    assert caption_changes({}, "Café") == {}


def test_legacy_values_are_converted_only_when_needed() -> None:
    existing = {
        CAPTION_KEY: "old",
        KEYWORDS: ["plain", "Gr\xfc\xdfe"],  # Latin-1 bytes
        BYLINE: ["Zo\xc3\xab"],  # already UTF-8, just undeclared
        "Iptc.Application2.City": "Berlin",
        "Iptc.Application2.0x00e9": "\xff\x00",  # unknown dataset: maybe binary
    }
    changes = caption_changes(existing, "Straße")
    assert changes == {
        CHARSET_KEY: UTF8,
        CAPTION_KEY: "Straße",
        KEYWORDS: ["plain", "Grüße"],
        BYLINE: ["Zoë"],
    }
    assert read_caption({CAPTION_KEY: "Stra\xdfe"}) == "Straße"
    assert read_caption({CHARSET_KEY: UTF8, CAPTION_KEY: "Stra\xc3\x9fe"}) == "Straße"
    assert read_caption({}) is None


def test_caption_that_does_not_read_back_leaves_the_file_alone(
    photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import capdesk.export.iim

    path = photo("jpg")
    add_iim(path, {CAPTION_KEY: "old"})
    original = path.read_bytes()
    monkeypatch.setattr(capdesk.export.iim, "read_caption", lambda existing: "something else")
    with pytest.raises(ExportError, match="IPTC caption did not read back"):
        write_alt_text(path, "A dog")
    assert path.read_bytes() == original
