"""A generated corpus of bad image files, the kind a real photo folder holds sooner or later.

Every file is made here from seeded randomness and hand-built headers (no third-party
files), so the corpus is the same on every machine and takes about a second to write:

* truncations of valid JPEG/PNG/WebP/TIFF/GIF/BMP files at many offsets, header included;
* random byte flips (in the header and anywhere) and random bytes behind valid magic numbers;
* zero-byte and magic-only files, text and HTML named as images, images named as others;
* decompression bombs and absurd sizes: a PNG, GIF, JPEG, TIFF and WebP that claim
  gigapixels or zero pixels with almost no data behind them, bad bit depths, broken CRCs;
* modes that need converting: CMYK, 16-bit, float, LAB, 1-bit, palette with transparency,
  animated GIF, APNG and WebP, multi-page TIFF, broken and invalid EXIF orientation.

Each case says what must happen: ``ok`` (a caption), ``error`` (a message, never a crash)
or ``any`` (a flipped byte in pixel data may or may not still decode).
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "tif": "TIFF", "gif": "GIF",
           "bmp": "BMP"}
TRUNCATIONS_PER_FORMAT = 30
FLIPS_PER_FORMAT = 40
GARBAGE_PER_FORMAT = 8


@dataclass(frozen=True)
class Case:
    path: Path
    kind: str
    expect: str  # "ok", "error" or "any"


def photo(size: tuple[int, int] = (48, 40), seed: int = 0, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    small = rng.integers(0, 255, (max(height // 6, 1), max(width // 6, 1), 3), dtype=np.uint8)
    image = Image.fromarray(small).resize(size, Image.Resampling.BILINEAR)
    return image if mode == "RGB" else image.convert(mode)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, depth: int = 8, color: int = 2, idat: bytes | None = None,
        crc_ok: bool = True) -> bytes:
    """A PNG from raw chunks, so the header can claim anything."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    header = png_chunk(b"IHDR", ihdr)
    if not crc_ok:
        header = header[:-4] + b"\0\0\0\0"
    data = idat if idat is not None else zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def png_rgb16(width: int = 20, height: int = 10) -> bytes:
    """A 48-bit RGB PNG (Pillow cannot write one itself)."""
    rng = np.random.default_rng(5)
    pixels = rng.integers(0, 65535, (height, width, 3), dtype=np.uint16).astype(">u2")
    raw = b"".join(b"\0" + row.tobytes() for row in pixels)
    return png(width, height, depth=16, color=2, idat=zlib.compress(raw))


def tiff(width: int, height: int, *, bits: int = 8, samples: int = 3, compression: int = 1,
         photometric: int = 2, data: bytes = b"\x80" * 64, offset: int | None = None) -> bytes:
    """A little-endian baseline TIFF whose tags say whatever we like."""
    entries = [
        (256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, bits), (259, 3, 1, compression),
        (262, 3, 1, photometric), (273, 4, 1, 0), (277, 3, 1, samples),
        (278, 4, 1, max(height, 1)), (279, 4, 1, len(data)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    strip_offset = offset if offset is not None else 8 + ifd_size
    body = struct.pack("<H", len(entries))
    for tag, kind, count, given in entries:
        value = strip_offset if tag == 273 else given
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        body += struct.pack("<HHI", tag, kind, count) + packed
    return b"II*\0" + struct.pack("<I", 8) + body + b"\0\0\0\0" + data


def jpeg_with_size(width: int, height: int) -> bytes:
    """A valid small JPEG whose SOF0 header is patched to claim another size."""
    data = bytearray(encode(photo((16, 16)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_with_screen(width: int, height: int) -> bytes:
    data = bytearray(encode(photo((16, 16), mode="P"), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def webp_vp8x(width: int, height: int) -> bytes:
    """An extended WebP whose canvas claims a size, with no image data behind it."""
    payload = bytes([0, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + \
        (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def bmp(width: int, height: int, bits: int = 24, header_size: int = 40) -> bytes:
    info = struct.pack("<IiiHHIIiiII", header_size, width, height, 1, bits, 0, 0, 2835, 2835,
                       0, 0)
    pixels = b"\x7f" * 64
    return b"BM" + struct.pack("<IHHI", 14 + len(info) + len(pixels), 0, 0, 14 + len(info)) \
        + info + pixels


def exif_jpeg(orientation_blob: bytes) -> bytes:
    """A JPEG with a hand-made APP1 EXIF segment right after SOI."""
    body = encode(photo((32, 24), seed=4), "JPEG")
    segment = b"Exif\0\0" + orientation_blob
    app1 = b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment
    return body[:2] + app1 + body[2:]


def _exif_orientation(value: int, kind: int = 3) -> bytes:
    entry = struct.pack("<HHI", 0x0112, kind, 1) + struct.pack("<HH", value, 0)
    return b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + b"\0\0\0\0"


def _animated(fmt: str) -> bytes:
    frames = [photo((32, 24), seed=i) for i in range(4)]
    if fmt == "GIF":
        frames = [f.convert("P") for f in frames]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)


def special_cases() -> list[tuple[str, str, str, bytes]]:
    """(kind, extension, expectation, content) for the hand-made inputs."""
    gigapixel = 100_000
    text = b"This is not a picture, it is a shopping list.\n"
    cases: list[tuple[str, str, str, bytes]] = [
        ("bomb_png_100kx100k", "png", "error", png(gigapixel, gigapixel)),
        ("bomb_png_int_max_wide", "png", "error", png(2**31 - 1, 1)),
        ("bomb_png_int_max_tall", "png", "error", png(1, 2**31 - 1)),
        ("bomb_png_uint32_max", "png", "error", png(2**32 - 1, 2**32 - 1)),
        ("bomb_png_16bit_rgba", "png", "error", png(30_000, 30_000, depth=16, color=6)),
        ("big_png_100mp_no_data", "png", "error", png(10_000, 10_000, color=0)),
        ("png_zero_size", "png", "error", png(0, 0)),
        ("png_zero_width", "png", "error", png(0, 10)),
        ("png_bad_depth", "png", "error", png(10, 10, depth=7)),
        ("png_bad_color_type", "png", "error", png(10, 10, color=5)),
        ("png_bad_crc", "png", "error", png(10, 10, crc_ok=False)),
        ("png_idat_not_zlib", "png", "error", png(10, 10, idat=b"not zlib at all" * 4)),
        ("bomb_gif_screen_65535", "gif", "error", gif_with_screen(65535, 65535)),
        ("gif_screen_zero", "gif", "any", gif_with_screen(0, 0)),
        ("bomb_jpeg_65500", "jpg", "error", jpeg_with_size(65500, 65500)),
        ("jpeg_zero_height", "jpg", "error", jpeg_with_size(16, 0)),
        ("jpeg_claims_larger", "jpg", "any", jpeg_with_size(4000, 3000)),
        ("bomb_tiff_int_max", "tif", "error", tiff(2**31 - 1, 2**31 - 1)),
        ("bomb_tiff_uint32_max", "tif", "error", tiff(2**32 - 1, 2**32 - 1)),
        ("tiff_zero_size", "tif", "error", tiff(0, 0)),
        ("tiff_strip_past_eof", "tif", "error", tiff(16, 16, offset=1 << 30)),
        ("tiff_unknown_compression", "tif", "error", tiff(4, 4, compression=999)),
        ("tiff_bits_3", "tif", "any", tiff(4, 4, bits=3)),
        ("tiff_samples_0", "tif", "error", tiff(4, 4, samples=0)),
        ("tiff_samples_200", "tif", "error", tiff(4, 4, samples=200)),
        ("tiff_photometric_99", "tif", "error", tiff(4, 4, photometric=99)),
        ("bomb_webp_canvas_16m", "webp", "error", webp_vp8x(1 << 24, 1 << 24)),
        ("webp_vp8x_no_frames", "webp", "error", webp_vp8x(64, 64)),
        ("webp_riff_size_lies", "webp", "any",
         b"RIFF\xff\xff\xff\x7fWEBP" + encode(photo(), "WEBP")[12:]),
        ("bomb_bmp_int_max", "bmp", "error", bmp(2**31 - 1, 2**31 - 1)),
        ("bmp_negative_width", "bmp", "error", bmp(-16, 16)),
        ("bmp_zero_bits", "bmp", "error", bmp(16, 16, bits=0)),
        ("bmp_header_size_absurd", "bmp", "error", bmp(16, 16, header_size=0x7FFFFFFF)),
        ("exif_orientation_9", "jpg", "ok", exif_jpeg(_exif_orientation(9))),
        ("exif_orientation_wrong_type", "jpg", "ok", exif_jpeg(_exif_orientation(6, kind=2))),
        ("exif_garbage", "jpg", "ok", exif_jpeg(bytes(range(256)) * 2)),
        ("exif_truncated", "jpg", "ok", exif_jpeg(b"II*\0\x08\0\0\0\xff\xff")),
        ("text_as_jpg", "jpg", "error", text),
        ("text_as_png", "png", "error", text),
        ("html_as_webp", "webp", "error", b"<!doctype html><title>404 Not Found</title>"),
        ("zip_as_tiff", "tiff", "error", b"PK\x03\x04" + bytes(60)),
        ("png_named_jpg", "jpg", "ok", encode(photo(), "PNG")),
        ("jpeg_named_png", "png", "ok", encode(photo(), "JPEG")),
        ("webp_named_gif", "gif", "ok", encode(photo(), "WEBP")),
        ("tiff_named_jpeg", "jpeg", "ok", encode(photo(), "TIFF")),
        ("cmyk_jpeg", "jpg", "ok", encode(photo(mode="CMYK"), "JPEG")),
        ("cmyk_tiff", "tif", "ok", encode(photo(mode="CMYK"), "TIFF")),
        ("grey16_png", "png", "ok", encode(Image.fromarray(
            (np.arange(40 * 48).reshape(40, 48) * 30).astype(np.uint16)), "PNG")),
        ("rgb48_png", "png", "ok", png_rgb16()),
        ("grey16_tiff", "tif", "ok", encode(Image.fromarray(
            np.full((10, 12), 40000, np.uint16)), "TIFF")),
        ("float_tiff", "tif", "ok", encode(Image.fromarray(
            np.linspace(-5, 5, 120).reshape(10, 12).astype(np.float32)), "TIFF")),
        ("float_tiff_nan", "tif", "ok", encode(Image.fromarray(
            np.full((10, 12), np.nan, np.float32)), "TIFF")),
        ("float_tiff_inf", "tif", "ok", encode(Image.fromarray(
            np.array([[np.inf, -np.inf, 0.0, 1.0]] * 4, np.float32)), "TIFF")),
        ("lab_tiff", "tif", "ok", encode(photo(mode="LAB"), "TIFF")),
        ("one_bit_png", "png", "ok", encode(photo(mode="1"), "PNG")),
        ("palette_transparent_png", "png", "ok",
         encode(photo(mode="P"), "PNG", transparency=0)),
        ("la_png", "png", "ok", encode(photo(mode="LA"), "PNG")),
        ("int32_tiff", "tif", "ok", encode(photo(mode="I"), "TIFF")),
        ("one_pixel_png", "png", "ok", encode(photo((1, 1)), "PNG")),
        ("sliver_wide_png", "png", "ok", encode(photo((4000, 1)), "PNG")),
        ("sliver_tall_jpg", "jpg", "ok", encode(photo((1, 3000)), "JPEG")),
        ("animated_gif", "gif", "ok", _animated("GIF")),
        ("animated_png", "png", "ok", _animated("PNG")),
        ("animated_webp", "webp", "ok", _animated("WEBP")),
        ("multipage_tiff", "tif", "ok", _animated("TIFF")),
        ("progressive_jpeg", "jpg", "ok", encode(photo(), "JPEG", progressive=True)),
    ]
    for ext, magic in (("jpg", b"\xff\xd8"), ("jpg", b"\xff\xd8\xff\xe0"),
                       ("png", b"\x89PNG\r\n\x1a\n"), ("gif", b"GIF89a"), ("webp", b"RIFF"),
                       ("webp", b"RIFF\0\0\0\0WEBP"), ("tif", b"II*\0"), ("tif", b"MM\0*"),
                       ("bmp", b"BM")):
        cases.append((f"magic_only_{len(magic)}", ext, "error", magic))
    for ext in (*FORMATS, "jpeg", "tiff", "heic", "avif"):
        cases.append(("zero_bytes", ext, "error", b""))
    return cases


def build_corpus(folder: Path) -> list[Case]:
    """Write the corpus into ``folder`` (flat, image extensions only); return its cases."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240611)
    entries: list[tuple[str, str, str, bytes]] = []
    for ext, fmt in FORMATS.items():
        image = photo((48, 40), seed=len(ext), mode="P" if fmt == "GIF" else "RGB")
        valid = encode(image, fmt)
        entries.append((f"valid_{fmt.lower()}", ext, "ok", valid))
        cuts = sorted({1, 2, 4, 8, 12, 16, 24, 32, 48, 64} | {
            int(x) for x in np.linspace(1, len(valid) - 1, TRUNCATIONS_PER_FORMAT - 10)})
        for cut in cuts[:TRUNCATIONS_PER_FORMAT]:
            expect = "error" if cut < 16 else "any"
            entries.append((f"truncated_at_{cut}", ext, expect, valid[:cut]))
        for i in range(FLIPS_PER_FORMAT):
            data = bytearray(valid)
            span = 64 if i % 2 == 0 else len(data)  # half in the header, half anywhere
            for pos in rng.integers(0, min(span, len(data)), 1 + i % 8):
                data[pos] ^= int(rng.integers(1, 256))
            entries.append((f"flipped_{i}", ext, "any", bytes(data)))
        for i in range(GARBAGE_PER_FORMAT):
            noise = rng.integers(0, 256, int(rng.integers(1, 4096)), dtype=np.uint8).tobytes()
            entries.append((f"garbage_after_magic_{i}", ext, "any", valid[:12] + noise))
    entries += special_cases()
    cases = []
    for index, (kind, ext, expect, content) in enumerate(entries):
        path = folder / f"{index:04d}_{kind}.{ext}"
        path.write_bytes(content)
        cases.append(Case(path, kind, expect))
    return cases
