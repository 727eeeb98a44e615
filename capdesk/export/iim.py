"""Keeping a legacy IPTC-IIM caption (dataset 2:120 Caption-Abstract) in step with the XMP.

Follows the Metadata Working Group's "Guidelines for Handling Image Metadata" 2.0: IIM is
updated only in files that already carry it (no IIM block is ever created), so readers
that still prefer IIM don't show a stale caption next to the new XMP one.

This module knows nothing about exiv2: :mod:`capdesk.export.alt_text` reads the datasets
with pyexiv2 decoded as Latin-1 (a lossless view of the raw bytes, since IIM text has no
reliable encoding) and applies the changes computed here with ``modify_iptc``, which
encodes every ``str`` as UTF-8.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping

log = logging.getLogger(__name__)

CAPTION_KEY = "Iptc.Application2.Caption"
CHARSET_KEY = "Iptc.Envelope.CharacterSet"
UTF8 = "\x1b%G"
"""ISO 2022 escape sequence for UTF-8, the value of dataset 1:90 Coded Character Set."""

MAX_CAPTION_BYTES = 2000
"""IIM 4.2 limit for 2:120; exiv2 would write more, but readers may cut or reject it."""

IimValues = Mapping[str, str | list[str]]

# exiv2 names datasets it doesn't know by number (Iptc.Application2.0x00e9); their
# content may be binary, so they are never transcoded.
_UNKNOWN_DATASET = re.compile(r"\.0x[0-9a-fA-F]{4}$")

_PHOTOSHOP = b"Photoshop 3.0\x00"
_IPTC_RESOURCE = 0x0404
_DIGEST_RESOURCE = 0x0425


def fit_caption(text: str) -> str:
    """``text`` cut to 2000 UTF-8 bytes at a character boundary; the XMP keeps it whole."""
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_CAPTION_BYTES:
        return text
    fitted = encoded[:MAX_CAPTION_BYTES].decode("utf-8", errors="ignore")
    log.warning(
        "caption is %d bytes in UTF-8; IPTC-IIM Caption-Abstract holds %d, so it was cut "
        "to %d characters there (the XMP alt text keeps the whole caption)",
        len(encoded),
        MAX_CAPTION_BYTES,
        len(fitted),
    )
    return fitted


def caption_changes(existing: IimValues, caption: str) -> dict[str, str | list[str]]:
    """The datasets to write so that IIM carries ``caption``; empty when IIM is left alone.

    IIM without a declared charset is read as Latin-1 (or the local code page) by many
    tools, so a non-ASCII caption declares UTF-8. Declaring it changes how every other
    text dataset is read, so legacy 8-bit values are converted to UTF-8 with it.
    """
    if not existing:
        return {}
    fitted = fit_caption(caption)
    declared = _first(existing.get(CHARSET_KEY))
    if fitted.isascii() or declared == UTF8:
        return {CAPTION_KEY: fitted}
    if declared is not None:
        log.warning(
            "IPTC-IIM declares character set %r, which capdesk does not convert; "
            "Caption-Abstract left unchanged",
            declared,
        )
        return {}
    changes: dict[str, str | list[str]] = {CHARSET_KEY: UTF8, CAPTION_KEY: fitted}
    for key, value in existing.items():
        values = [value] if isinstance(value, str) else value
        if key in changes or _UNKNOWN_DATASET.search(key) or all(v.isascii() for v in values):
            continue
        converted = [_legacy_text(v) for v in values]
        changes[key] = converted[0] if isinstance(value, str) else converted
    return changes


def read_caption(existing: IimValues) -> str | None:
    """Caption-Abstract as text, decoded the way :func:`caption_changes` wrote it."""
    raw = _first(existing.get(CAPTION_KEY))
    if raw is None:
        return None
    if _first(existing.get(CHARSET_KEY)) == UTF8:
        return raw.encode("latin-1").decode("utf-8", errors="replace")
    return _legacy_text(raw)


def _legacy_text(value: str) -> str:
    """Undeclared IIM bytes as text: UTF-8 if they are valid UTF-8 (what MWG suggests
    readers try first), else Windows-1252, the usual "Latin-1" of Photoshop and exiftool."""
    raw = value.encode("latin-1")
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value  # Latin-1, which maps every byte


def _first(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def refresh_digest(before: bytes, after: bytes) -> bytes:
    """``after`` (a JPEG) with its Photoshop IPTC digest matching the rewritten IIM.

    MWG readers compare this MD5 with the IIM to tell whether the IIM was changed by a
    tool that ignored the XMP; exiv2 keeps the old value, which would make the updated
    file look out of sync. As exiftool does, the digest is only refreshed when it matched
    before; a stale digest is left stale. Same length, so nothing else moves.
    """
    old = _digest_location(before)
    if old is None or before[old[0] : old[0] + 16] != _md5(before, old[1]):
        return after
    new = _digest_location(after)
    if new is None:
        log.debug("IPTC digest not found after writing; left as it was")
        return after
    at, iptc = new
    return after[:at] + _md5(after, iptc) + after[at + 16 :]


def _md5(data: bytes, span: tuple[int, int]) -> bytes:
    return hashlib.md5(data[span[0] : span[1]], usedforsecurity=False).digest()


def _digest_location(jpeg: bytes) -> tuple[int, tuple[int, int]] | None:
    """Offset of the 16-byte IPTC digest and span of the IIM data, if the JPEG has exactly
    one Photoshop APP13 segment holding both (IRBs split over segments are left alone)."""
    segments = _photoshop_segments(jpeg)
    if len(segments) != 1:
        return None
    start, end = segments[0]
    resources = _resources(jpeg, start, end)
    digest = resources.get(_DIGEST_RESOURCE)
    iptc = resources.get(_IPTC_RESOURCE)
    if digest is None or iptc is None or digest[1] - digest[0] != 16:
        return None
    return digest[0], iptc


def _photoshop_segments(jpeg: bytes) -> list[tuple[int, int]]:
    """Spans of the image resource blocks of the APP13 "Photoshop 3.0" segments."""
    found = []
    pos = 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: no metadata after
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        end = pos + 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        body = pos + 4 + len(_PHOTOSHOP)
        if marker == 0xED and jpeg[pos + 4 : body] == _PHOTOSHOP and end <= len(jpeg):
            found.append((body, end))
        pos = end
    return found


def _resources(data: bytes, pos: int, end: int) -> dict[int, tuple[int, int]]:
    """Data span of each "8BIM" resource in ``data[pos:end]`` (first one of each id)."""
    found: dict[int, tuple[int, int]] = {}
    while pos + 12 <= end and data[pos : pos + 4] == b"8BIM":
        resource = int.from_bytes(data[pos + 4 : pos + 6], "big")
        name = data[pos + 6] + 1
        size_at = pos + 6 + name + name % 2  # Pascal string padded to even length
        size = int.from_bytes(data[size_at : size_at + 4], "big")
        start = size_at + 4
        if start + size > end:
            break
        found.setdefault(resource, (start, start + size))
        pos = start + size + size % 2
    return found
