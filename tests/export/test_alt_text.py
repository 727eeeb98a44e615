"""Alt text inside JPEG, PNG, WebP and TIFF: round trips, losslessness, independent reader."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from capdesk.export import (
    ExportError,
    embed_alt_text,
    read_alt_text,
    read_embedded_alt_text,
    write_alt_text,
)
from capdesk.export.xmp import DESCRIPTION, lang_alt_values

from .conftest import FORMATS, GPS, icc_profile, pixels

pyexiv2 = pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")

CAPTIONS = {
    "ascii": "A dog runs along a sandy beach",
    "accents": "Un café crème près d'une fenêtre, Müller's Grüße",
    "cjk": "桜の木の下の猫 漢字",
    "emoji": "Two friends laughing 😂🎉 at a table",
    "markup": 'A sign that says "5 < 6 & 7 > 3" in <b>bold</b>',
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_pixels_and_other_metadata(fmt: str, photo: Callable[..., Path]) -> None:
    path = photo(fmt)
    before_pixels = pixels(path)
    with Image.open(path) as image:
        assert image.info.get("icc_profile") == icc_profile()
    written = write_alt_text(path, CAPTIONS["accents"])
    assert written == path
    assert read_alt_text(path) == CAPTIONS["accents"]
    assert pixels(path) == before_pixels
    with Image.open(path) as image:
        exif = image.getexif()
        assert exif[0x0112] == 6
        assert exif[0x010F] == "TestCam"
        gps = exif.get_ifd(0x8825)
        assert gps[1] == "N" and gps[3] == "E"
        assert [float(v) for v in gps[2]] == list(GPS[2])
        assert image.info.get("icc_profile") == icc_profile()
    meta = pyexiv2.ImageData(path.read_bytes())
    try:
        xmp = meta.read_xmp()
    finally:
        meta.close()
    assert xmp["Xmp.dc.creator"] == ["Other Tool"]
    assert xmp["Xmp.xmp.Rating"] == "4"
    assert "Holiday 2024" in path.read_bytes().decode("latin-1")  # private namespace kept


@pytest.mark.parametrize("fmt", FORMATS)
def test_xmp_is_stored_uncompressed(fmt: str, photo: Callable[..., Path]) -> None:
    path = photo(fmt)
    write_alt_text(path, CAPTIONS["cjk"])
    data = path.read_bytes()
    assert b"AltTextAccessibility" in data
    assert CAPTIONS["cjk"].encode("utf-8") in data


@pytest.mark.parametrize("fmt", FORMATS)
def test_exif_image_description_only_for_ascii(fmt: str, photo: Callable[..., Path]) -> None:
    path = photo(fmt)
    write_alt_text(path, CAPTIONS["ascii"])
    with Image.open(path) as image:
        assert image.getexif().get(0x010E) == CAPTIONS["ascii"]
    write_alt_text(path, CAPTIONS["emoji"])
    with Image.open(path) as image:  # non-ASCII: the old ASCII value is left alone
        assert image.getexif().get(0x010E) == CAPTIONS["ascii"]
    assert read_alt_text(path) == CAPTIONS["emoji"]


def test_other_languages_are_kept(photo: Callable[..., Path]) -> None:
    path = photo("jpg")
    meta = pyexiv2.ImageData(path.read_bytes())
    meta.modify_xmp({"Xmp.dc.description": {'lang="x-default"': "old", 'lang="de-DE"': "Ein Hund"}})
    path.write_bytes(meta.get_bytes())
    meta.close()
    write_alt_text(path, "A dog")
    meta = pyexiv2.ImageData(path.read_bytes())
    packet = meta.read_raw_xmp()
    meta.close()
    assert lang_alt_values(packet, DESCRIPTION) == {"x-default": "A dog", "de-DE": "Ein Hund"}


def test_images_without_any_metadata(tmp_path: Path) -> None:
    for fmt in FORMATS:
        path = tmp_path / f"bare.{fmt}"
        Image.new("RGB", (8, 8), (200, 10, 10)).save(path)
        before = pixels(path)
        write_alt_text(path, CAPTIONS["emoji"])
        assert read_alt_text(path) == CAPTIONS["emoji"]
        assert pixels(path) == before


def test_copy_leaves_original_alone(photo: Callable[..., Path], tmp_path: Path) -> None:
    path = photo("png")
    original = path.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    written = write_alt_text(path, "A red square", dest=out / path.name)
    assert path.read_bytes() == original
    assert read_alt_text(written) == "A red square"
    assert pixels(written) == pixels(path)


def test_read_alt_text_prefers_iptc_then_description_then_sidecar(
    photo: Callable[..., Path],
) -> None:
    path = photo("jpg")
    assert read_alt_text(path) is None
    path.with_suffix(".caption").write_text("from sidecar\n", encoding="utf-8")
    assert read_alt_text(path) == "from sidecar"
    meta = pyexiv2.ImageData(path.read_bytes())
    meta.modify_xmp({"Xmp.dc.description": {'lang="x-default"': "from description"}})
    path.write_bytes(meta.get_bytes())
    meta.close()
    assert read_alt_text(path) == "from description"
    write_alt_text(path, "from alt text")
    assert read_embedded_alt_text(path.read_bytes()) == "from alt text"


def test_unsupported_and_damaged_files_raise_clear_errors(tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    Image.new("P", (4, 4)).save(gif)
    with pytest.raises(ExportError, match=r"cannot embed alt text in \.gif"):
        write_alt_text(gif, "x")
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"this is not a jpeg at all")
    with pytest.raises(ExportError, match="not a JPEG, PNG, WebP or TIFF"):
        write_alt_text(fake, "x")
    assert fake.read_bytes() == b"this is not a jpeg at all"
    assert read_alt_text(fake) is None
    with pytest.raises(ExportError, match="empty"):
        embed_alt_text(b"\xff\xd8\xff", "   ")


def test_truncated_jpeg_is_refused_or_kept_intact(photo: Callable[..., Path]) -> None:
    path = photo("jpg")
    broken = path.read_bytes()[:200]
    path.write_bytes(broken)
    with pytest.raises(ExportError):
        write_alt_text(path, "A dog")
    assert path.read_bytes() == broken
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_what_we_wrote(
    fmt: str, photo: Callable[..., Path], exiftool_many: Callable[..., list[dict[str, str]]]
) -> None:
    paths = []
    for key, caption in CAPTIONS.items():
        paths.append(photo(fmt, name=f"p_{key}"))
        write_alt_text(paths[-1], caption)
    rows = exiftool_many(
        paths,
        "-XMP-iptcCore:AltTextAccessibility",
        "-XMP-dc:Description",
        "-IFD0:Orientation",
        "-GPS:GPSLatitude",
        "-XMP-dc:Creator",
        "-ICC_Profile:ProfileDescription",
    )
    for (key, caption), tags in zip(CAPTIONS.items(), rows, strict=True):
        assert tags["XMP-iptcCore:AltTextAccessibility"] == caption, key
        assert tags["XMP-dc:Description"] == caption, key
        assert tags["IFD0:Orientation"] == "6"
        assert tags["GPS:GPSLatitude"].startswith("52.52")
        assert tags["XMP-dc:Creator"] == "Other Tool"
        assert tags["ICC_Profile:ProfileDescription"] == "sRGB built-in"


def test_exiftool_written_xmp_is_kept(
    photo: Callable[..., Path], exiftool: Callable[..., dict[str, str]]
) -> None:
    import shutil
    import subprocess

    path = photo("jpg", xmp=None)
    subprocess.run(
        [
            shutil.which("exiftool") or "exiftool",
            "-q",
            "-overwrite_original",
            "-XMP-dc:Subject=beach",
            "-XMP-photoshop:City=Berlin",
            str(path),
        ],
        check=True,
    )
    write_alt_text(path, "Dünen am Strand")
    tags = exiftool(path, "-XMP-dc:Subject", "-XMP-photoshop:City", "-XMP-dc:Description")
    assert tags["XMP-dc:Subject"] == "beach"
    assert tags["XMP-photoshop:City"] == "Berlin"
    assert tags["XMP-dc:Description"] == "Dünen am Strand"


def test_damaged_exif_is_refused_quietly(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """exiv2 can't parse this EXIF, so writing could drop it: refuse, print nothing."""
    import io
    import struct

    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, "JPEG")
    payload = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x01" * 20
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    path = tmp_path / "bad_exif.jpg"
    path.write_bytes(plain.getvalue()[:2] + app1 + plain.getvalue()[2:])
    before = path.read_bytes()
    with pytest.raises(ExportError, match=r"bad_exif\.jpg: cannot read JPEG metadata"):
        write_alt_text(path, "A black square")
    assert path.read_bytes() == before
    assert read_alt_text(path) is None
    out, _err = capfd.readouterr()
    assert out == ""


@pytest.mark.parametrize(
    ("name", "save"),
    [
        ("multipage.tif", {"save_all": True, "compression": "tiff_lzw"}),
        ("animated.webp", {"save_all": True, "duration": 100}),
        ("cmyk.jpg", {"mode": "CMYK"}),
        ("progressive.jpg", {"progressive": True}),
        ("grey16.png", {"mode": "I;16"}),
        ("rgba.png", {"mode": "RGBA"}),
    ],
)
def test_unusual_variants_keep_every_frame(tmp_path: Path, name: str, save: dict) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    first = Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8))
    second = Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8))
    options = dict(save)
    mode = options.pop("mode", None)
    if mode is not None:
        first = first.convert("L").convert(mode) if mode == "I;16" else first.convert(mode)
    if options.get("save_all"):
        options["append_images"] = [second]
    path = tmp_path / name
    first.save(path, **options)
    before = pixels(path)
    write_alt_text(path, "Ein Straßenbahn-Depot 🚋")
    assert read_alt_text(path) == "Ein Straßenbahn-Depot 🚋"
    assert pixels(path) == before
    assert len(before) == (2 if save.get("save_all") else 1)


@pytest.mark.parametrize(
    "caption",
    ["line one\nline two", 'lang="de" sneaky', '"quoted start', 'a, lang="fr" b', "tab\there"],
)
def test_captions_that_look_like_syntax(photo: Callable[..., Path], caption: str) -> None:
    path = photo("jpg")
    write_alt_text(path, caption)
    assert read_alt_text(path) == caption
