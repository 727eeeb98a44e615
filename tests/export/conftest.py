"""Test images that look like real photos: EXIF with orientation and GPS, an ICC profile
and an XMP packet "written by another tool" (with a property in a private namespace)."""

from __future__ import annotations

import functools
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin

FORMATS = ("jpg", "png", "webp", "tif")

OTHER_XMP = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:other="http://example.com/other/1.0/">'
    "<dc:creator><rdf:Seq><rdf:li>Other Tool</rdf:li></rdf:Seq></dc:creator>"
    "<xmp:Rating>4</xmp:Rating><other:Project>Holiday 2024</other:Project>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)

GPS = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}


@functools.cache
def icc_profile() -> bytes:
    """One profile per test run: lcms stamps the creation time into it."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_photo(
    path: Path, *, xmp: str | None = OTHER_XMP, size: tuple[int, int] = (40, 30)
) -> Path:
    """Write a small noisy RGB image with EXIF (orientation 6, GPS), ICC and XMP."""
    rng = np.random.default_rng(len(path.name))
    image = Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    icc = icc_profile()
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        info = TiffImagePlugin.ImageFileDirectory_v2()
        info[0x0112] = 6
        info[0x010F] = "TestCam"
        info[34853] = GPS
        if xmp is not None:
            info[700] = xmp.encode("utf-8")
        image.save(path, "TIFF", tiffinfo=info, icc_profile=icc)
        return path
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    exif.get_ifd(0x8825).update(GPS)
    if suffix == ".png":
        chunks = PngImagePlugin.PngInfo()
        if xmp is not None:
            chunks.add_itxt("XML:com.adobe.xmp", xmp, zip=False)
        image.save(path, "PNG", exif=exif, icc_profile=icc, pnginfo=chunks)
    elif suffix == ".webp":
        extra = {"xmp": xmp.encode("utf-8")} if xmp is not None else {}
        image.save(path, "WEBP", lossless=True, exif=exif, icc_profile=icc, **extra)
    else:
        extra = {"xmp": xmp.encode("utf-8")} if xmp is not None else {}
        image.save(path, "JPEG", quality=90, exif=exif, icc_profile=icc, **extra)
    return path


def pixels(path_or_bytes: Path | bytes) -> list[bytes]:
    """Decoded pixels of every frame, for identity checks."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with Image.open(source) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.mode.encode() + image.tobytes())
        return frames


@pytest.fixture
def photo(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``photo("jpg")`` -> a fresh test photo in tmp_path."""

    def factory(fmt: str, name: str = "photo", **kwargs: object) -> Path:
        return make_photo(tmp_path / f"{name}.{fmt}", **kwargs)  # type: ignore[arg-type]

    return factory


def _exiftool_exe() -> str:
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    return exe


@pytest.fixture(scope="session")
def exiftool() -> Callable[..., dict[str, str]]:
    """Run exiftool as an independent reader: ``exiftool(path, "-XMP-dc:Description")``."""
    many = _read_many(_exiftool_exe())

    def run(path: Path, *tags: str) -> dict[str, str]:
        return many([path], *tags)[0]

    return run


@pytest.fixture(scope="session")
def exiftool_many() -> Callable[..., list[dict[str, str]]]:
    """Like ``exiftool`` for several files in one process (exiftool starts slowly)."""
    return _read_many(_exiftool_exe())


def _read_many(exe: str) -> Callable[..., list[dict[str, str]]]:
    def run(paths: list[Path], *tags: str) -> list[dict[str, str]]:
        out = subprocess.run(
            [exe, "-json", "-charset", "UTF8", "-G1", "-n", *tags, *map(str, paths)],
            check=True,
            capture_output=True,
        ).stdout
        rows = json.loads(out.decode("utf-8"))
        by_file = {row["SourceFile"]: {k: str(v) for k, v in row.items()} for row in rows}
        return [by_file[str(path)] for path in paths]

    return run
