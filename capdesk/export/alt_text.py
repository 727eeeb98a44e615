"""Alt text stored inside JPEG, PNG, WebP and TIFF files, without re-encoding them.

What is written, for one caption:

* XMP ``Iptc4xmpCore:AltTextAccessibility`` (IPTC Photo Metadata 2021.1 "Alt Text
  (Accessibility)"), a lang-alt whose ``x-default`` entry is the caption;
* XMP ``dc:description``, the same text, because most viewers and WordPress show that;
* EXIF ``ImageDescription`` only when the caption is printable ASCII: EXIF declares the
  tag ASCII, and readers mangle UTF-8 there. A non-ASCII caption leaves it untouched;
* IPTC-IIM ``Caption-Abstract`` only in files that already have IIM (see
  :mod:`capdesk.export.iim`), so readers preferring IIM don't show an old caption;
* XMP ``Iptc4xmpCore:ExtDescrAccessibility`` ("Extended Description (Accessibility)",
  lang-alt ``x-default``) only when an extended description is given: the full text read
  in the photo when it did not fit the short alt text. Without one it is left as it is.

With ``languages`` (the caption in several languages, issue 21) both lang-alts get one
entry per language, with its ``xml:lang`` (``zh-Hans``, ``de``, ``ar``, ``en``), and
``x-default`` is the first language's text; EXIF and IIM carry the first language's
text under the same rules as above. Other languages already present in either lang-alt
are kept.

The metadata is edited by exiv2 (through the ``pyexiv2`` wheel) on an in-memory copy of the
file: exiv2 rewrites only the metadata blocks (JPEG APP1/APP13, PNG iTXt, WebP XMP/VP8X
chunks, TIFF IFD entries) and copies the compressed image data byte for byte, keeps EXIF
(with orientation, GPS, maker notes), the ICC profile and every other XMP property, and
stores the XMP packet uncompressed (WordPress and other tools find it by byte search). We
then check the result — the alt text (and an updated IIM caption) reads back, and
(``verify_pixels``) every frame decodes to the same pixels with Pillow — and only then
replace the file through :func:`~capdesk.export.atomic.atomic_write_bytes`. exiv2 itself
never touches the file on disk, which is what makes the write atomic.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from capdesk.export import iim
from capdesk.export.atomic import ExportError, atomic_write_bytes, check_writable
from capdesk.export.metadata_block import (
    EMBEDDING_SUFFIXES,
    detect_format,
    read_header_alt_text,
)
from capdesk.export.sidecars import SIDECAR_EXTENSIONS, SidecarExtension, read_sidecar
from capdesk.export.xmp import (
    ALT_TEXT,
    DESCRIPTION,
    EXTENDED_DESCRIPTION,
    X_DEFAULT,
    alt_text_in_packet,
    alt_texts_in_packet,
    extended_description_in_packet,
    lang_alt_values,
)

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = EMBEDDING_SUFFIXES
"""Extensions we embed into. TIFF-based raw files (.dng, .nef, ...) are deliberately absent."""

KEY_ALT_TEXT = "Xmp.iptc.AltTextAccessibility"
KEY_DESCRIPTION = "Xmp.dc.description"
KEY_EXTENDED_DESCRIPTION = "Xmp.iptc.ExtDescrAccessibility"
KEY_IMAGE_DESCRIPTION = "Exif.Image.ImageDescription"

_MAX_BYTES = 2**31 - 1  # pyexiv2 buffers are limited to 2 GiB


# pyexiv2 collects exiv2's errors in one process-wide buffer and raises them at the end of
# the next call, so two threads using it at once could get each other's errors: every
# use goes through this lock (the app reads alt text on the GUI side while a worker writes).
_EXIV2_LOCK = threading.RLock()
_configured = False


def _pyexiv2() -> ModuleType:
    """Import pyexiv2 on first use so CSV/HTML export works even where it's missing.

    exiv2's warnings go to the C++ ``std::cout`` through pyexiv2's handler, which would
    corrupt the CLI's standard output; only errors (which pyexiv2 raises) are kept.
    """
    global _configured  # noqa: PLW0603 - one-time setup of a process-wide library
    try:
        import pyexiv2  # noqa: PLC0415
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the installation
        raise ExportError(
            "writing alt text into images needs the pyexiv2 package (pip install pyexiv2)"
        ) from exc
    if not _configured:
        pyexiv2.set_log_level(3)
        _configured = True
    return pyexiv2


def supports_embedding(path: Path) -> bool:
    """Whether :func:`write_alt_text` accepts ``path`` by its extension."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def is_plain_ascii(text: str) -> bool:
    """Printable ASCII only: what EXIF ``ImageDescription`` can hold without mojibake."""
    return text.isascii() and text.isprintable()


LanguageTexts = Sequence[tuple[str, str]]
"""(xml:lang, text) per language, in the chosen order: ``[("en", ..), ("zh-Hans", ..)]``."""


def embed_alt_text(
    data: bytes,
    text: str,
    *,
    verify_pixels: bool = True,
    extended: str | None = None,
    languages: LanguageTexts = (),
) -> bytes:
    """The image ``data`` with ``text`` as its alt text and description; pixels untouched.

    ``extended`` (when not empty) goes to ExtDescrAccessibility as well. ``languages``
    adds one lang-alt entry per (xml:lang, text) to both properties (``text``, the first
    language's, stays the ``x-default``); a language with empty text is left out.

    Raises :class:`ExportError` for empty text, unsupported or damaged files, and when the
    verification after writing fails (then nothing should be saved).
    """
    text = text.strip()
    if not text:
        raise ExportError("alt text is empty")
    extended = extended.strip() if extended else None
    entries = {lang: value.strip() for lang, value in languages if value.strip()}
    kind = detect_format(data)
    if kind is None:
        raise ExportError("not a JPEG, PNG, WebP or TIFF file")
    if len(data) > _MAX_BYTES:
        raise ExportError("image larger than 2 GiB")
    with _EXIV2_LOCK:
        result, iim_caption = _embed_locked(data, text, kind, extended, entries)
    if iim_caption is not None and kind == "jpeg":
        result = iim.refresh_digest(data, result)
    _verify(data, result, text, kind, iim_caption=iim_caption, verify_pixels=verify_pixels,
            extended=extended, languages=entries)
    return result


def _embed_locked(
    data: bytes, text: str, kind: str, extended: str | None, languages: dict[str, str]
) -> tuple[bytes, str | None]:
    """The new bytes, and the IIM caption they should carry (None: IIM left alone)."""
    pyexiv2 = _pyexiv2()
    try:
        image = pyexiv2.ImageData(data)
    except Exception as exc:  # exiv2 raises RuntimeError, but be safe with a native lib
        raise ExportError(f"cannot read {kind.upper()} metadata: {exc}") from exc
    try:
        packet = _raw_xmp(image)
        changes: dict[str, Any] = {
            KEY_ALT_TEXT: _lang_alt(lang_alt_values(packet, ALT_TEXT), text, languages),
            KEY_DESCRIPTION: _lang_alt(lang_alt_values(packet, DESCRIPTION), text, languages),
        }
        if extended:
            changes[KEY_EXTENDED_DESCRIPTION] = _lang_alt(
                lang_alt_values(packet, EXTENDED_DESCRIPTION), extended
            )
        image.modify_xmp(changes)
        if is_plain_ascii(text):
            image.modify_exif({KEY_IMAGE_DESCRIPTION: text})
        iim_changes = iim.caption_changes(_raw_iim(image), text)
        if iim_changes:
            image.modify_iptc(iim_changes)  # str values are encoded as UTF-8
        result: bytes = image.get_bytes()
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"cannot write {kind.upper()} metadata: {exc}") from exc
    finally:
        image.close()
    caption = iim_changes.get(iim.CAPTION_KEY)
    return result, caption if isinstance(caption, str) else None


def _lang_alt(
    existing: dict[str, str], text: str, languages: dict[str, str] | None = None
) -> dict[str, str]:
    """pyexiv2's lang-alt form, ``x-default`` first (readers that take one entry take it),
    then ``languages`` in their order, then the other languages the file had."""
    merged = {f'lang="{X_DEFAULT}"': text}
    for lang, value in (languages or {}).items():
        merged[f'lang="{lang}"'] = value
    for lang, value in existing.items():
        if lang != X_DEFAULT and value and lang not in (languages or {}):
            merged[f'lang="{lang}"'] = value
    return merged


def _raw_xmp(image: Any) -> str:
    try:
        return str(image.read_raw_xmp())
    except Exception as exc:  # a broken packet shouldn't stop us replacing it
        log.debug("cannot read existing XMP: %s", exc)
        return ""


def _raw_iim(image: Any) -> dict[str, str | list[str]]:
    """IIM datasets decoded as Latin-1: every byte survives, whatever the real charset."""
    try:
        return dict(image.read_iptc(encoding="latin-1"))
    except Exception as exc:  # unreadable IIM is left as exiv2 parsed it
        log.debug("cannot read existing IPTC-IIM: %s", exc)
        return {}


def _iim_caption(data: bytes) -> str | None:
    with _EXIV2_LOCK:
        try:
            image = _pyexiv2().ImageData(data)
        except Exception as exc:
            log.debug("cannot reopen image metadata: %s", exc)
            return None
        try:
            return iim.read_caption(_raw_iim(image))
        finally:
            image.close()


def _verify(
    before: bytes,
    after: bytes,
    text: str,
    kind: str,
    *,
    iim_caption: str | None,
    verify_pixels: bool,
    extended: str | None = None,
    languages: dict[str, str] | None = None,
) -> None:
    found = read_embedded_alt_text(after)
    if found != text:
        raise ExportError(f"alt text did not read back from the new {kind.upper()} file")
    if languages:
        # exiv2 (like Adobe's XMP Toolkit and exiftool) writes tags in lower case
        # ("zh-hans"); language tags are case-insensitive (RFC 5646 2.1.1).
        back = {lang.lower(): value for lang, value in read_embedded_alt_texts(after).items()}
        wrong = [lang for lang, value in languages.items() if back.get(lang.lower()) != value]
        if wrong:
            raise ExportError(
                f"alt text in {', '.join(wrong)} did not read back from the new "
                f"{kind.upper()} file"
            )
    if extended and read_embedded_extended_description(after) != extended:
        raise ExportError(
            f"extended description did not read back from the new {kind.upper()} file"
        )
    if iim_caption is not None and _iim_caption(after) != iim_caption:
        raise ExportError(f"IPTC caption did not read back from the new {kind.upper()} file")
    if detect_format(after) != kind:
        raise ExportError(f"metadata writer changed the file type of a {kind.upper()} file")
    if not verify_pixels:
        return
    original = _pixel_digest(before)
    if original is None:
        log.warning("Pillow cannot decode this %s; pixel check skipped", kind.upper())
        return
    if _pixel_digest(after) != original:
        raise ExportError(f"pixels changed while writing metadata into a {kind.upper()} file")


def _pixel_digest(data: bytes) -> str | None:
    """SHA-256 over mode, size and decoded pixels of every frame; None if undecodable."""
    from PIL import Image, ImageSequence  # noqa: PLC0415 - only needed when verifying

    digest = hashlib.sha256()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            for frame in ImageSequence.Iterator(opened):
                digest.update(f"{frame.mode}{frame.size}".encode())
                digest.update(frame.tobytes())
    except Exception as exc:  # Pillow raises many types for damaged data
        log.debug("pixel decode failed: %s", exc)
        return None
    return digest.hexdigest()


def read_embedded_alt_text(data: bytes) -> str | None:
    """Alt text inside image bytes: IPTC AltTextAccessibility, else dc:description."""
    packet = _packet(data)
    return None if packet is None else alt_text_in_packet(packet)


def read_embedded_alt_texts(data: bytes) -> dict[str, str]:
    """Every language of the alt text inside image bytes, by ``xml:lang`` (``x-default``
    included): IPTC AltTextAccessibility, else dc:description; ``{}`` without any."""
    packet = _packet(data)
    return {} if not packet else alt_texts_in_packet(packet)


def read_embedded_extended_description(data: bytes) -> str | None:
    """IPTC Extended Description (Accessibility) inside image bytes, or None."""
    packet = _packet(data)
    return None if packet is None else extended_description_in_packet(packet)


def _packet(data: bytes) -> str | None:
    """The raw XMP packet of image bytes ("" without one), None for unreadable data."""
    if detect_format(data) is None:
        return None
    with _EXIV2_LOCK:
        pyexiv2 = _pyexiv2()
        try:
            image = pyexiv2.ImageData(data)
        except Exception as exc:
            log.debug("cannot open image metadata: %s", exc)
            return None
        try:
            return _raw_xmp(image)
        finally:
            image.close()


def read_alt_text(
    path: Path, *, sidecar_extensions: tuple[SidecarExtension, ...] = SIDECAR_EXTENSIONS
) -> str | None:
    """Existing alt text of ``path``: embedded (IPTC alt text, else dc:description), else
    the first sidecar (``.txt``, then ``.caption``), else None.

    Never raises for unreadable or unsupported images: "no alt text found" is the answer.
    This reads the whole file (exiv2 parses it); to only look at what a file already
    says, :func:`~capdesk.export.metadata_block.read_header_alt_text` reads the metadata
    block alone and gives the same answer.
    """
    if supports_embedding(path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
        else:
            found = read_embedded_alt_text(data)
            if found:
                return found
    return read_sidecar(path, sidecar_extensions) if sidecar_extensions else None


def read_alt_texts(path: Path) -> dict[str, str]:
    """Every language of the alt text embedded in ``path`` (see
    :func:`read_embedded_alt_texts`); ``{}`` for none or an unreadable or unsupported file.
    Sidecars are not read here: :func:`read_alt_text` finds the one-language sidecar."""
    if not supports_embedding(path):
        return {}
    try:
        return read_embedded_alt_texts(path.read_bytes())
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}


def has_alt_text(path: Path) -> bool:
    """Whether the image already carries alt text; used to skip already described images.

    Reads only the metadata block (:func:`read_header_alt_text`), not the pixels, because the
    export dialog asks this for every image before it starts.
    """
    return read_header_alt_text(path) is not None


def write_alt_text(
    image: Path,
    text: str,
    *,
    dest: Path | None = None,
    verify_pixels: bool = True,
    extended: str | None = None,
    languages: LanguageTexts = (),
) -> Path:
    """Embed ``text`` into ``image`` in place, or into a copy at ``dest``; return the file written.

    ``extended``: an Extended Description (Accessibility) to store too (see module doc);
    ``languages``: (xml:lang, text) entries for every language (:func:`embed_alt_text`).

    Atomic: the original (and an existing ``dest``) is either fully replaced or left
    byte-identical, with no temporary file left behind. Raises :class:`ExportError` with a
    message for the user (read-only file or folder, unsupported format, damaged file).
    """
    target = image if dest is None else dest
    if not supports_embedding(image):
        raise ExportError(f"cannot embed alt text in {image.suffix or 'this'} files: {image.name}")
    check_writable(target)
    try:
        data = image.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {image}: {exc.strerror or exc}") from exc
    try:
        updated = embed_alt_text(
            data, text, verify_pixels=verify_pixels, extended=extended, languages=languages
        )
    except ExportError as exc:
        raise ExportError(f"{image.name}: {exc}") from exc
    atomic_write_bytes(target, updated, mode_from=image)
    log.info("alt text written to %s", target)
    return target
