"""Every image mode and orientation becomes upright 8-bit RGB; bad files fail clearly."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capdesk.imaging import ImageLoadError, load_for_model, load_rgb

MODES = ["RGB", "RGBA", "L", "LA", "P", "1", "CMYK", "I;16", "I", "F", "YCbCr"]


def _save_mode(path: Path, mode: str) -> Path:
    rgb = Image.fromarray(np.random.default_rng(1).integers(0, 255, (24, 32, 3), dtype=np.uint8))
    if mode == "I;16":
        image = Image.fromarray((np.arange(24 * 32).reshape(24, 32) * 80).astype(np.uint16))
    else:
        image = rgb.convert(mode)
    image.save(path)
    return path


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_loads_as_rgb(tmp_path: Path, mode: str) -> None:
    suffix = ".tif" if mode in ("CMYK", "I", "F", "YCbCr", "I;16") else ".png"
    if mode == "YCbCr":
        suffix = ".jpg"
    path = _save_mode(tmp_path / f"img{suffix}", mode)
    pixels, original = load_for_model(path, (16, 16))
    assert pixels.shape == (16, 16, 3)
    assert pixels.dtype == np.uint8
    assert original == (32, 24)
    assert load_rgb(path).shape == (24, 32, 3)


def test_sixteen_bit_grey_uses_the_full_range(tmp_path: Path) -> None:
    values = np.linspace(0, 65535, 64 * 4).reshape(4, 64).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    pixels = load_rgb(path)
    assert pixels.min() == 0 and pixels.max() == 255


def test_transparent_pixels_become_white(tmp_path: Path) -> None:
    path = tmp_path / "alpha.png"
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(path)
    assert (load_rgb(path) == 255).all()


@pytest.mark.parametrize(("orientation", "upright_size"), [(1, (40, 20)), (3, (40, 20)),
                                                           (6, (20, 40)), (8, (20, 40))])
def test_exif_orientation_is_applied(tmp_path: Path, orientation: int,
                                     upright_size: tuple[int, int]) -> None:
    stored = np.zeros((20, 40, 3), dtype=np.uint8)
    stored[:, :20] = 255  # left half white as stored
    image = Image.fromarray(stored)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.jpg"
    image.save(path, exif=exif, quality=95)
    pixels = load_rgb(path)
    assert (pixels.shape[1], pixels.shape[0]) == upright_size
    _, original = load_for_model(path, (16, 16))
    assert original == upright_size
    if orientation == 6:  # rotated 90° clockwise for display: the white half is on top
        assert pixels[:20].mean() > 200
        assert pixels[20:].mean() < 50


def test_large_jpeg_is_decoded_in_draft_mode(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (4000, 3000), (10, 120, 200)).save(path, quality=85)
    with Image.open(path) as image:
        image.draft("RGB", (224, 224))
        assert image.size == (500, 375)  # libjpeg scales by 1/8 before decoding
    pixels, original = load_for_model(path, (224, 224))
    assert pixels.shape == (224, 224, 3)
    assert original == (4000, 3000)
    assert abs(int(pixels[100, 100, 2]) - 200) < 4


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF"])
def test_formats(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"img.{fmt.lower()}"
    Image.new("RGB", (30, 20), (0, 128, 255)).save(path, format=fmt)
    assert load_rgb(path).shape == (20, 30, 3)


def test_animated_gif_gives_the_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    pixels = load_rgb(path)
    assert pixels[5, 5, 0] > 200 and pixels[5, 5, 2] < 50


def test_preview_is_shrunk_with_aspect_kept(tmp_path: Path) -> None:
    path = tmp_path / "wide.jpg"
    Image.new("RGB", (2000, 1000)).save(path)
    assert load_rgb(path, max_side=256).shape == (128, 256, 3)


def _truncated_jpeg(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("hello"), "not an image"),
        (_truncated_jpeg, "truncated"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "bad.jpg"
    make(path)
    with pytest.raises(ImageLoadError, match=message):
        load_for_model(path, (16, 16))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="not found"):
        load_rgb(tmp_path / "nope.jpg")
    with pytest.raises(ImageLoadError, match="folder"):
        load_rgb(tmp_path)


def test_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.png"
    Image.new("L", (400, 400)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)  # guard stays on, just smaller
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        load_rgb(path)


def _png_claiming(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` × ``height`` (no real pixels behind it)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 16)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_a_20000_square_png_is_refused_in_plain_words(tmp_path: Path) -> None:
    path = _png_claiming(tmp_path / "huge.png", 20_000, 20_000)
    with pytest.raises(ImageLoadError) as caught:
        load_for_model(path, (16, 16))
    message = str(caught.value)
    assert message.startswith("too big to open: 400 megapixels;")
    assert "179 megapixels" in message and "smaller copy" in message
    assert "DOS attack" not in message and "exceeds limit" not in message  # Pillow's words
    assert "\n" not in message


def test_pillow_messages_become_plain_words(tmp_path: Path) -> None:
    scrambled = tmp_path / "scrambled.png"
    scrambled.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a chunk " * 8)  # "cannot identify"
    with pytest.raises(ImageLoadError) as caught:
        load_rgb(scrambled)
    assert "cannot identify image file" not in str(caught.value)
    assert str(caught.value).startswith("not an image capdesk can read")
    cut = _truncated_jpeg(tmp_path / "cut.jpg")
    with pytest.raises(ImageLoadError, match="incomplete") as caught:
        load_rgb(cut)
    assert "bytes not processed" not in str(caught.value)
