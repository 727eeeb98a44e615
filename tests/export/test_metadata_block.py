"""Reading existing alt text from the metadata block only gives exiv2's answer, without
needing (or reading) the image data."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from capdesk.export import read_alt_text, read_header_alt_text, write_alt_text
from capdesk.export.metadata_block import PNG_TAIL_BYTES, read_xmp_packet

from .conftest import FORMATS, OTHER_XMP

pytest.importorskip("pyexiv2", reason="pyexiv2 writes the alt text these tests read back")

CAPTIONS = [
    "A dog runs along a sandy beach",
    'a, lang="fr" b <b>&amp;</b> 😂 桜の木',
    "line one\nline two",
]


def _description_only(text: str) -> str:
    return OTHER_XMP.replace(
        "<xmp:Rating>",
        f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text}</rdf:li>'
        "</rdf:Alt></dc:description><xmp:Rating>",
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("caption", CAPTIONS)
def test_same_answer_as_the_whole_file_reader(
    fmt: str, caption: str, photo: Callable[..., Path]
) -> None:
    path = photo(fmt)
    assert read_header_alt_text(path) is None is read_alt_text(path)
    write_alt_text(path, caption)
    assert read_header_alt_text(path) == read_alt_text(path) == caption


@pytest.mark.parametrize("fmt", FORMATS)
def test_description_sidecar_and_nothing(fmt: str, photo: Callable[..., Path]) -> None:
    described = photo(fmt, name="described", xmp=_description_only("An older description"))
    assert read_header_alt_text(described) == read_alt_text(described) == "An older description"
    bare = photo(fmt, name="bare", xmp=None)
    assert read_xmp_packet(bare) is None
    assert read_header_alt_text(bare) is None
    bare.with_suffix(".txt").write_text("from the sidecar\n", encoding="utf-8")
    assert read_header_alt_text(bare) == read_alt_text(bare) == "from the sidecar"


def test_jpeg_image_data_is_not_needed(photo: Callable[..., Path]) -> None:
    """Cut the file right after its SOS marker: the pixels are gone, the alt text is read."""
    path = photo("jpg", size=(400, 300))
    write_alt_text(path, "A kite over the hills")
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"\xff\xda") + 2])
    assert read_header_alt_text(path) == "A kite over the hills"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, position = [], 8
    while position < len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        kind = data[position + 4 : position + 8]
        chunks.append((kind, data[position + 8 : position + 8 + length]))
        position += 12 + length
    return chunks


def test_png_xmp_after_the_image_data(photo: Callable[..., Path]) -> None:
    """PNG allows iTXt after IDAT; such a chunk is found without walking the pixels."""
    path = photo("png", size=(300, 200))
    write_alt_text(path, "Boats in a harbour")
    chunks = _png_chunks(path.read_bytes())
    xmp = [c for c in chunks if c[0] == b"iTXt" and c[1].startswith(b"XML:com.adobe.xmp\x00")]
    rest = [c for c in chunks if c not in xmp]
    moved = b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(k, b) for k, b in rest[:-1])
    moved += _chunk(*xmp[0]) + _chunk(*rest[-1])
    path.write_bytes(moved)
    assert read_header_alt_text(path) == read_alt_text(path) == "Boats in a harbour"


def test_png_compressed_xmp(tmp_path: Path) -> None:
    path = tmp_path / "zipped.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", _description_only("Compressed words"), zip=True)
    Image.new("RGB", (8, 8)).save(path, pnginfo=info)
    assert read_header_alt_text(path) == read_alt_text(path) == "Compressed words"


def test_png_pixel_bytes_that_look_like_a_chunk_are_not_one(tmp_path: Path) -> None:
    """The tail search only accepts a chunk whose CRC matches."""
    path = tmp_path / "lookalike.png"
    rng = np.random.default_rng(3)
    Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(path)
    chunks = _png_chunks(path.read_bytes())
    fake = b"\x00\x00\x00\x40iTXtXML:com.adobe.xmp\x00" + b"x" * 80
    out = b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(k, b) for k, b in chunks[:-1])
    out += _chunk(b"zzZz", fake) + _chunk(*chunks[-1])  # a private chunk holding the bytes
    path.write_bytes(out)
    assert len(out) < PNG_TAIL_BYTES
    assert read_header_alt_text(path) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_damaged_files_give_none(fmt: str, photo: Callable[..., Path], tmp_path: Path) -> None:
    path = photo(fmt)
    write_alt_text(path, "Some words")
    data = path.read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    for end in range(0, len(data), max(1, len(data) // 97)):
        cut.write_bytes(data[:end])
        assert read_header_alt_text(cut) in (None, "Some words")
    rng = np.random.default_rng(11)
    noise = bytearray(data)
    for index in rng.integers(12, len(data), 40):
        noise[index] ^= 0xFF
    cut.write_bytes(bytes(noise))
    read_header_alt_text(cut)  # anything but an exception
    missing = tmp_path / f"missing.{fmt}"
    assert read_header_alt_text(missing) is None
