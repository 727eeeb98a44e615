"""Which files count as images, and how folders expand to them.

The list is decided by extension so a folder of 10,000 files is listed without opening any
of them; a file whose content doesn't match its extension fails later, in the loader, with
a message of its own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_BASE_EXTENSIONS = {
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".bmp", ".dib", ".gif", ".tif", ".tiff",
}
_PLUGIN_EXTENSIONS = {".heic", ".heif", ".avif"}


def _register_optional_plugins() -> set[str]:
    """HEIC/AVIF work only when pillow-heif (or Pillow's own AVIF) is installed."""
    extra: set[str] = set()
    try:
        import pillow_heif  # noqa: PLC0415

        pillow_heif.register_heif_opener()
        extra |= {".heic", ".heif"}
        if hasattr(pillow_heif, "register_avif_opener"):
            pillow_heif.register_avif_opener()
            extra.add(".avif")
    except ImportError:
        pass
    try:
        from PIL import features  # noqa: PLC0415

        if features.check("avif"):
            extra.add(".avif")
    except (ImportError, ValueError):
        pass
    return extra & _PLUGIN_EXTENSIONS


IMAGE_EXTENSIONS: frozenset[str] = frozenset(_BASE_EXTENSIONS | _register_optional_plugins())


def is_image_path(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS


VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".3gp"}
)
"""Files the app sends to the video view (``capdesk.video`` decodes them) instead of the
photo list; kept here, beside the image extensions, so telling the two apart imports no
decoder."""


def is_video_path(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


def expand_paths(paths: Iterable[Path], *, recursive: bool = True) -> Iterator[Path]:
    """Yield image files: files as given, folders expanded in name order, each file once.

    Explicitly named files are yielded whatever their extension, so the user hears why a
    file they chose could not be read; files found inside folders are filtered by extension.
    Symlinked folders are not followed, which rules out loops. Duplicates are detected by
    resolved path so ``a/../a/x.jpg`` and ``a/x.jpg`` count once.
    """
    seen: set[str] = set()

    def first_time(path: Path) -> bool:
        try:
            key = os.path.realpath(path)
        except (OSError, ValueError):
            key = str(path)
        if key in seen:
            return False
        seen.add(key)
        return True

    for given in paths:
        path = Path(given)
        if _is_folder(path):
            for found, real in _walk(path, recursive, _real(path)):
                if real not in seen:
                    seen.add(real)
                    yield found
        elif first_time(path):
            yield path


def _suffix(name: str) -> str:
    """``Path(name).suffix.lower()`` without building a Path (a third of a big listing)."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # as pathlib does


def _child(real_folder: str, name: str) -> str:
    return real_folder + name if real_folder.endswith(os.sep) else real_folder + os.sep + name


def _real(path: Path | str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return str(path)


def _is_folder(path: Path) -> bool:
    """is_dir() that treats "cannot tell" (over-long name, no permission) as "not a folder",
    so the loader reports that path's problem and the listing goes on."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _walk(folder: Path, recursive: bool, real_folder: str) -> Iterator[tuple[Path, str]]:
    """(path, resolved path) of the images in ``folder``, whose resolved path is given.

    An entry that is not a symlink resolves to ``real_folder/name``: that saves a
    ``realpath`` (one lstat per path component) per file, most of a big folder's listing.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        log.warning("cannot list %s: %s", folder, exc.strerror or exc)
        return
    subfolders = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry)
            elif entry.is_file() and _suffix(entry.name) in IMAGE_EXTENSIONS:
                link = entry.is_symlink()
                real = _real(entry.path) if link else _child(real_folder, entry.name)
                yield Path(entry.path), real
        except OSError:
            continue
    if recursive:
        for entry in subfolders:
            yield from _walk(Path(entry.path), recursive, _child(real_folder, entry.name))
