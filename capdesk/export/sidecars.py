"""Plain-text caption files next to each image (``photo.jpg`` -> ``photo.txt``).

This is the layout training tools and many gallery scripts read: the image's stem with a
``.txt`` or ``.caption`` extension, UTF-8 without BOM, the caption and one newline. With
captions in several languages the first language keeps that name and every other one
gets its code before the extension (``photo.zh.txt``, ``photo.ar.txt``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from capdesk.export.atomic import ExportError, atomic_write_text

log = logging.getLogger(__name__)

SidecarExtension = Literal["txt", "caption"]
SIDECAR_EXTENSIONS: tuple[SidecarExtension, ...] = ("txt", "caption")


def sidecar_path(
    image: Path,
    extension: SidecarExtension = "txt",
    *,
    folder: Path | None = None,
    lang: str | None = None,
) -> Path:
    """Where the sidecar of ``image`` goes: same stem, ``.txt``/``.caption``, same folder.

    ``folder`` puts it elsewhere (the output folder when exporting copies); ``lang`` (a
    language code) names the sidecar of a further language: ``photo.zh.txt``.
    """
    if extension not in SIDECAR_EXTENSIONS:
        raise ValueError(
            f"sidecar extension must be one of {SIDECAR_EXTENSIONS}, not {extension!r}"
        )
    suffix = f".{lang}.{extension}" if lang else f".{extension}"
    target = image.with_suffix(suffix)
    return target if folder is None else folder / target.name


def write_sidecar(
    image: Path,
    caption: str,
    extension: SidecarExtension = "txt",
    *,
    folder: Path | None = None,
    lang: str | None = None,
) -> Path:
    """Write the caption atomically and return the sidecar's path (``lang``: see
    :func:`sidecar_path`).

    A sidecar whose name would be the image itself (an image called ``notes.txt``) is
    refused rather than overwriting the image.
    """
    target = sidecar_path(image, extension, folder=folder, lang=lang)
    if target.resolve() == image.resolve():
        raise ExportError(f"sidecar would overwrite the image itself: {image}")
    atomic_write_text(target, _normalise(caption) + "\n")
    log.debug("wrote sidecar %s", target)
    return target


def read_sidecar(
    image: Path,
    extensions: tuple[SidecarExtension, ...] = SIDECAR_EXTENSIONS,
    *,
    lang: str | None = None,
) -> str | None:
    """The caption in the first existing sidecar of ``image``, or None if none or empty
    (``lang``: that language's sidecar, ``photo.zh.txt``).

    A BOM (Windows editors add one) and surrounding whitespace are dropped; undecodable
    files are read with replacement characters rather than failing the whole lookup.
    """
    for extension in extensions:
        candidate = sidecar_path(image, extension, lang=lang)
        if candidate == image or not candidate.is_file():
            continue
        try:
            raw = candidate.read_bytes()
        except OSError as exc:
            log.warning("cannot read sidecar %s: %s", candidate, exc)
            continue
        text = raw.decode("utf-8-sig", errors="replace").strip()
        if text:
            return text
    return None


def _normalise(caption: str) -> str:
    """One line: sidecar readers take the first line, so newlines inside become spaces."""
    return " ".join(line.strip() for line in caption.strip().splitlines() if line.strip())
