"""Plain-text caption files next to each image (``photo.jpg`` -> ``photo.txt``).

This is the layout training tools and many gallery scripts read: the image's stem with a
``.txt`` or ``.caption`` extension, UTF-8 without BOM, the caption and one newline.
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
    image: Path, extension: SidecarExtension = "txt", *, folder: Path | None = None
) -> Path:
    """Where the sidecar of ``image`` goes: same stem, ``.txt``/``.caption``, same folder.

    ``folder`` puts it elsewhere (the output folder when exporting copies).
    """
    if extension not in SIDECAR_EXTENSIONS:
        raise ValueError(
            f"sidecar extension must be one of {SIDECAR_EXTENSIONS}, not {extension!r}"
        )
    target = image.with_suffix(f".{extension}")
    return target if folder is None else folder / target.name


def write_sidecar(
    image: Path, caption: str, extension: SidecarExtension = "txt", *, folder: Path | None = None
) -> Path:
    """Write the caption atomically and return the sidecar's path.

    A sidecar whose name would be the image itself (an image called ``notes.txt``) is
    refused rather than overwriting the image.
    """
    target = sidecar_path(image, extension, folder=folder)
    if target.resolve() == image.resolve():
        raise ExportError(f"sidecar would overwrite the image itself: {image}")
    atomic_write_text(target, _normalise(caption) + "\n")
    log.debug("wrote sidecar %s", target)
    return target


def read_sidecar(
    image: Path, extensions: tuple[SidecarExtension, ...] = SIDECAR_EXTENSIONS
) -> str | None:
    """The caption in the first existing sidecar of ``image``, or None if none or empty.

    A BOM (Windows editors add one) and surrounding whitespace are dropped; undecodable
    files are read with replacement characters rather than failing the whole lookup.
    """
    for extension in extensions:
        candidate = sidecar_path(image, extension)
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
