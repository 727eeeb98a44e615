"""Turning any image file a user drops into RGB pixels the model and the preview can use.

Photos arrive rotated by EXIF, in palette, alpha, 16-bit, CMYK or greyscale modes, and at
12 megapixels; the model wants a small RGB array. JPEG draft mode lets libjpeg decode at
1/2, 1/4 or 1/8 scale, which makes a 4000×3000 photo nearly as cheap as a web image.
Pillow's decompression-bomb guard stays on: a file that claims absurd dimensions fails
with a clear message instead of eating the machine's memory.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

_RESAMPLE = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "nearest": Image.Resampling.NEAREST,
}


class ImageLoadError(Exception):
    """A file could not be turned into pixels; the message is meant for the user."""


DAMAGED = "the image data is damaged"
"""How every undecodable image's message starts (tests tell it from OS errors by it)."""


def too_large_message(pixels: int | None, size: tuple[int, int] | None = None) -> str:
    """Pillow's DecompressionBombError in words: how big, the limit, what to do.

    Pillow refuses images over twice ``MAX_IMAGE_PIXELS`` (about 179 megapixels); its own
    text ("Image size (400000000 pixels) exceeds limit of 178956970 pixels, could be
    decompression bomb DOS attack") means nothing to most people.
    """
    limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
    if size is not None:
        pixels = size[0] * size[1]
    if size is not None:
        amount = f"{size[0]:,} × {size[1]:,} pixels ({_megapixels(pixels)})"
    else:
        amount = _megapixels(pixels) if pixels else "too many pixels"
    return (
        f"too big to open: {amount}; capdesk opens up to {_megapixels(limit)} so that a "
        'huge or booby-trapped file (a "decompression bomb") cannot fill the memory. '
        "Save a smaller copy to caption it."
    )


def _megapixels(pixels: int | None) -> str:
    return f"{(pixels or 0) / 1e6:,.0f} megapixels"


def _bomb(exc: Exception, size: tuple[int, int] | None = None) -> ImageLoadError:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    return ImageLoadError(too_large_message(int(found.group(1)) if found else None, size))


def load_for_model(
    path: Path, size: tuple[int, int], resample: str = "bilinear"
) -> tuple[np.ndarray, tuple[int, int]]:
    """Return the image squashed to ``size`` (width, height) as uint8 RGB, and its
    upright original size (width, height).

    Squashing (no crop, no padding) matches how the training images were prepared.
    """
    with _open(path) as image:
        stored_size = image.size  # before draft() shrinks it
        image.draft("RGB", size)
        upright, turned = _upright(image)
        original = (stored_size[1], stored_size[0]) if turned else stored_size
        rgb = _to_rgb(upright)
        if rgb.size != size:
            rgb = rgb.resize(size, _RESAMPLE[resample])
        return np.asarray(rgb, dtype=np.uint8), original


def load_rgb(path: Path, max_side: int | None = None) -> np.ndarray:
    """Return the upright image as uint8 RGB (H, W, 3), shrunk to ``max_side`` if given.

    Used for previews and thumbnails, where aspect ratio is kept.
    """
    with _open(path) as image:
        if max_side is not None:
            image.draft("RGB", (max_side, max_side))
        rgb = _to_rgb(_upright(image)[0])
        if max_side is not None and max(rgb.size) > max_side:
            rgb.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
        return np.asarray(rgb, dtype=np.uint8)


def _open(path: Path) -> Image.Image:
    try:
        empty = path.stat().st_size == 0
    except FileNotFoundError as exc:
        raise ImageLoadError("file not found") from exc
    except PermissionError as exc:
        raise ImageLoadError("permission denied: cannot read this file") from exc
    except (OSError, ValueError) as exc:  # symlink loops, over-long names, bad bytes
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ImageLoadError(f"cannot open the file: {reason}") from exc
    if empty:
        raise ImageLoadError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            # A huge-but-legal image is fine; only the hard limit below is an error.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path)
    except ImageLoadError:
        raise
    except FileNotFoundError as exc:
        raise ImageLoadError("file not found") from exc
    except IsADirectoryError as exc:
        raise ImageLoadError("is a folder, not an image file") from exc
    except PermissionError as exc:
        raise ImageLoadError("permission denied: cannot read this file") from exc
    except Image.DecompressionBombError as exc:
        raise _bomb(exc) from exc
    except UnidentifiedImageError as exc:  # "cannot identify image file '/x.png'"
        raise ImageLoadError(
            "not an image capdesk can read: the file is damaged, or in a format capdesk "
            "does not read (is the file extension right?)"
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _decode_error(exc) from exc


def _decode_error(exc: BaseException) -> ImageLoadError:
    """Pillow's decoder messages ("broken data stream when reading image file", "image
    file is truncated (5 bytes not processed)") in words; the raw text goes to the log."""
    message = str(exc) or type(exc).__name__
    log.info("image decoder: %s", message)
    if isinstance(exc, OSError) and exc.errno is not None:  # the disk, not the data
        return ImageLoadError(f"cannot read the file: {exc.strerror or message}")
    if "truncated" in message.lower() or isinstance(exc, EOFError):
        return ImageLoadError(
            "the file is incomplete (truncated), perhaps an interrupted download or copy"
        )
    return ImageLoadError(f"{DAMAGED} and cannot be decoded; the file may be corrupted")


def _upright(image: Image.Image) -> tuple[Image.Image, bool]:
    """Decode (errors become ImageLoadError), then apply EXIF orientation.

    Pixels are loaded before EXIF is read: for PNG, reading EXIF decodes the image, and a
    decode error swallowed there would leave a blank image that loads "successfully".
    Returns the upright image and whether width and height were swapped.
    """
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, image.size) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _decode_error(exc) from exc
    try:
        orientation = image.getexif().get(0x0112, 1)
        upright = ImageOps.exif_transpose(image)
    except Exception:  # a broken EXIF block means "don't rotate", not "can't read"
        log.debug("ignoring unreadable EXIF orientation", exc_info=True)
        return image, False
    if upright is None:
        return image, False
    return upright, orientation in (5, 6, 7, 8)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Every Pillow mode to 8-bit RGB, transparent areas on white."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _wide_grey_to_rgb(image)
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _wide_grey_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit and float greyscale: scale to the full 8-bit range instead of clipping."""
    values = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        scaled = values / 257.0
    else:
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
    grey = np.clip(np.nan_to_num(scaled), 0, 255).astype(np.uint8)
    return Image.fromarray(grey, "L").convert("RGB")
