"""Existing alt text from a file's metadata block only, never its pixels.

:func:`~capdesk.export.alt_text.read_alt_text` hands the whole file to exiv2, which is
right before rewriting it but far too much for showing what 10,000 photos in a folder
already say: it reads every byte of every photo. Here only the container structure up to
the XMP packet is walked, and the packet goes to the one XMP reader
(:mod:`capdesk.export.xmp`), so both functions agree on what the alt text is:

* JPEG: marker segments from SOI up to SOS (where the entropy-coded image starts). The
  XMP packet is the APP1 segment named ``http://ns.adobe.com/xap/1.0/``; other segments
  (EXIF with its thumbnail, ICC) are skipped with a seek, not read.
* PNG: chunks up to the first IDAT, looking for the ``iTXt`` chunk keyed
  ``XML:com.adobe.xmp`` (compressed or not). The PNG standard also allows that chunk
  after the image data; rather than walking thousands of IDAT chunks, the last
  :data:`PNG_TAIL_BYTES` of the file are searched for it (where a chunk written after
  the image data ends up: just before IEND).
* WebP: the RIFF chunk list (a handful of headers, image chunks skipped by seeking); the
  ``XMP `` chunk comes after the image data by the WebP container spec.
* TIFF: the first IFD's tag 700 (XMLPacket), which is where exiv2 reads and writes it.

Like exiv2, the first packet found is the one used, and a packet that is not UTF-8 counts
as none. Damaged or truncated files give None, never an exception.
"""

from __future__ import annotations

import contextlib
import logging
import os
import zlib
from pathlib import Path
from typing import BinaryIO, Literal

from capdesk.domain.languages import KNOWN_LANGUAGES
from capdesk.export.sidecars import SIDECAR_EXTENSIONS, SidecarExtension, read_sidecar
from capdesk.export.xmp import X_DEFAULT, alt_text_in_packet, alt_texts_in_packet

log = logging.getLogger(__name__)

EMBEDDING_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff"}
)
"""Extensions alt text is embedded into (and read from). TIFF-based raw files (.dng,
.nef, ...) are deliberately absent."""

MAX_PACKET_BYTES = 16 << 20
"""Larger XMP is ignored: no real packet is this big, and a damaged length field must not
make us read (or inflate) a whole file."""

PNG_TAIL_BYTES = 256 << 10

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_XMP_KEY = b"XML:com.adobe.xmp"
_PNG_XMP_SIGNATURE = b"iTXt" + _PNG_XMP_KEY + b"\x00"
_TIFF_XMP_TAG = 700
_TIFF_BYTE_TYPES = (1, 2, 7)  # BYTE, ASCII, UNDEFINED: one byte per count
_TIFF_MAX_ENTRIES = 4096


def detect_format(data: bytes) -> str | None:
    """``"jpeg"``, ``"png"``, ``"webp"`` or ``"tiff"`` from the magic bytes, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def read_header_alt_text(
    path: Path, *, sidecar_extensions: tuple[SidecarExtension, ...] = SIDECAR_EXTENSIONS
) -> str | None:
    """What :func:`~capdesk.export.alt_text.read_alt_text` answers, reading only metadata.

    Embedded alt text (IPTC AltTextAccessibility, else dc:description) from the metadata
    block, else the first sidecar, else None. Never raises for unreadable files.
    """
    if path.suffix.lower() in EMBEDDING_SUFFIXES:
        try:
            packet = read_xmp_packet(path)
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            packet = None
        found = alt_text_in_packet(packet) if packet else None
        if found:
            return found
    return read_sidecar(path, sidecar_extensions) if sidecar_extensions else None


def read_header_alt_texts(
    path: Path, *, sidecar_extensions: tuple[SidecarExtension, ...] = SIDECAR_EXTENSIONS
) -> dict[str, str]:
    """Every language of the alt text ``path`` carries, by ``xml:lang`` (``x-default``,
    ``zh-Hans``, ...), reading only metadata: the embedded lang-alt entries (IPTC
    AltTextAccessibility, else dc:description), else the sidecars (``photo.txt`` as
    ``x-default``, ``photo.zh.txt`` as ``zh-Hans``, ...); ``{}`` when there is none.
    Never raises for unreadable files."""
    if path.suffix.lower() in EMBEDDING_SUFFIXES:
        try:
            packet = read_xmp_packet(path)
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            packet = None
        found = alt_texts_in_packet(packet) if packet else {}
        if found:
            return found
    texts: dict[str, str] = {}
    if not sidecar_extensions:
        return texts
    first = read_sidecar(path, sidecar_extensions)
    if first:
        texts[X_DEFAULT] = first
    for language in KNOWN_LANGUAGES:
        text = read_sidecar(path, sidecar_extensions, lang=language.code)
        if text:
            texts[language.xml_lang] = text
    return texts


def read_xmp_packet(path: Path) -> str | None:
    """The file's XMP packet as text, read from its metadata block; None when it has none.

    Raises OSError when the file cannot be opened or read; a damaged structure is None.
    """
    with path.open("rb") as handle:
        _no_readahead(handle)
        head = handle.read(16)
        kind = detect_format(head)
        size = handle.seek(0, 2)
        try:
            if kind == "jpeg":
                raw = _jpeg_packet(handle)
            elif kind == "png":
                raw = _png_packet(handle, size)
            elif kind == "webp":
                raw = _webp_packet(handle, head, size)
            elif kind == "tiff":
                raw = _tiff_packet(handle, head, size)
            else:
                return None
        except (ValueError, IndexError, EOFError, zlib.error) as exc:
            log.debug("damaged %s structure in %s: %s", kind, path, exc)
            return None
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        log.debug("XMP packet of %s is not UTF-8; ignored as exiv2 does", path)
        return None


def _no_readahead(handle: BinaryIO) -> None:
    """Ask the kernel not to read ahead: on a first visit, Linux would otherwise fetch the
    first 128 KiB or more of every file (a whole small photo) to serve a 16-byte read."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None:
        with contextlib.suppress(OSError):  # some file systems refuse advice: only a hint
            advise(handle.fileno(), 0, 0, os.POSIX_FADV_RANDOM)


def _read_exactly(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise EOFError("file ends inside a metadata block")
    return data


def _jpeg_packet(handle: BinaryIO) -> bytes | None:
    handle.seek(2)
    while True:
        prefix = handle.read(1)
        if prefix != b"\xff":
            return None  # not a marker where one must be: damaged, stop looking
        marker = _read_exactly(handle, 1)[0]
        while marker == 0xFF:  # fill bytes before a marker
            marker = _read_exactly(handle, 1)[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue  # TEM, RSTn, SOI: no length field
        if marker in (0xDA, 0xD9):
            return None  # SOS: the image data starts, and with it no more metadata
        length = int.from_bytes(_read_exactly(handle, 2), "big") - 2
        if length < 0:
            return None
        if marker == 0xE1 and length >= len(_JPEG_XMP):
            name = _read_exactly(handle, len(_JPEG_XMP))
            if name == _JPEG_XMP:
                return _read_exactly(handle, length - len(_JPEG_XMP))
            handle.seek(length - len(_JPEG_XMP), 1)
        else:
            handle.seek(length, 1)


def _png_packet(handle: BinaryIO, size: int) -> bytes | None:
    position = 8
    while position + 8 <= size:
        handle.seek(position)
        header = _read_exactly(handle, 8)
        length = int.from_bytes(header[:4], "big")
        kind = header[4:]
        if kind == b"IDAT":
            return _png_tail_packet(handle, position, size)
        if kind == b"IEND":
            return None
        if kind == b"iTXt" and length <= MAX_PACKET_BYTES:
            packet = _itxt_xmp(_read_exactly(handle, length))
            if packet is not None:
                return packet
        position += 12 + length
    return None


def _png_tail_packet(handle: BinaryIO, image_data_start: int, size: int) -> bytes | None:
    """An XMP chunk written after the image data, found near the end of the file."""
    start = max(image_data_start, size - PNG_TAIL_BYTES)
    handle.seek(start)
    tail = handle.read(size - start)
    at = tail.rfind(_PNG_XMP_SIGNATURE)
    if at < 4:
        return None
    length = int.from_bytes(tail[at - 4 : at], "big")
    data = tail[at + 4 : at + 4 + length]
    crc = tail[at + 4 + length : at + 8 + length]
    if len(data) != length or zlib.crc32(tail[at : at + 4 + length]).to_bytes(4, "big") != crc:
        return None  # the bytes only looked like a chunk (inside compressed pixels)
    return _itxt_xmp(data)


def _itxt_xmp(data: bytes) -> bytes | None:
    keyword, _, rest = data.partition(b"\x00")
    if keyword != _PNG_XMP_KEY or len(rest) < 2:
        return None
    compressed, rest = rest[0], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if not compressed:
        return text
    inflater = zlib.decompressobj()
    packet = inflater.decompress(text, MAX_PACKET_BYTES)
    return None if inflater.unconsumed_tail else packet


def _webp_packet(handle: BinaryIO, head: bytes, size: int) -> bytes | None:
    end = min(size, 8 + int.from_bytes(head[4:8], "little"))
    position = 12
    while position + 8 <= end:
        handle.seek(position)
        header = _read_exactly(handle, 8)
        length = int.from_bytes(header[4:], "little")
        if header[:4] == b"XMP ":
            return _read_exactly(handle, length) if length <= MAX_PACKET_BYTES else None
        position += 8 + length + (length & 1)  # chunks are padded to an even size
    return None


def _tiff_packet(handle: BinaryIO, head: bytes, size: int) -> bytes | None:
    order: Literal["little", "big"] = "little" if head[:2] == b"II" else "big"
    handle.seek(int.from_bytes(head[4:8], order))
    count = int.from_bytes(_read_exactly(handle, 2), order)
    if count > _TIFF_MAX_ENTRIES:
        return None
    entries = _read_exactly(handle, 12 * count)
    for index in range(count):
        entry = entries[12 * index : 12 * index + 12]
        if int.from_bytes(entry[:2], order) != _TIFF_XMP_TAG:
            continue
        if int.from_bytes(entry[2:4], order) not in _TIFF_BYTE_TYPES:
            return None
        length = int.from_bytes(entry[4:8], order)
        if length <= 4:
            return entry[8 : 8 + length]
        offset = int.from_bytes(entry[8:12], order)
        if length > MAX_PACKET_BYTES or offset + length > size:
            return None
        handle.seek(offset)
        return _read_exactly(handle, length)
    return None
