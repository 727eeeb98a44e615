"""Write a file so that readers see either the old bytes or the new ones, never a mix.

Every exporter goes through :func:`atomic_write_bytes`. The new content is written to a
temporary file *in the destination folder* (a rename is only atomic within one file
system), flushed and fsynced, then renamed over the destination with :func:`os.replace`,
and finally the folder itself is fsynced so the rename survives a power cut.

On Linux the temporary file is created with ``O_TMPFILE``: it has no name until the data
is safely on disk, so a process killed half-way (SIGKILL, power loss, a crash inside a
native library) leaves nothing behind in the user's photo folder. Only the last step
gives it a name (``linkat``) and renames that name over the original, a window of a few
microseconds. Where ``O_TMPFILE`` is not available (other systems, some network file
systems) a named hidden temporary file is used instead and removed on any Python-level
error; only a hard kill during that write can then leave a ``.*.capdesk-tmp`` file.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

TEMP_SUFFIX = ".capdesk-tmp"
"""Suffix of named temporary files, so a stray one is recognisable as ours."""

_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000

# Test hooks: the fault-injection tests replace these to fail or block at a precise step.
_replace: Callable[[str | os.PathLike[str], str | os.PathLike[str]], None] = os.replace


def _no_hook(_dest: Path) -> None:
    return None


_before_commit: Callable[[Path], None] = _no_hook


class ExportError(Exception):
    """An export step failed for a reason the user can act on; the message says which."""


def _read_umask() -> int:
    """The process umask, read once: new files get ``0o666 & ~umask`` like ``open()`` gives."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def is_read_only(path: Path) -> bool:
    """True when the user marked ``path`` read-only (no write bit) or we may not write it.

    The mode bits are checked as well as :func:`os.access` because root may write anything:
    a file or folder whose owner removed every write bit is still meant to stay unchanged.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return True
    return not os.access(path, os.W_OK)


def check_writable(dest: Path, *, must_exist: bool = False) -> None:
    """Raise :class:`ExportError` with a plain message if ``dest`` can't be (re)written."""
    folder = dest.parent
    if not folder.is_dir():
        raise ExportError(f"folder does not exist: {folder}")
    if must_exist and not dest.exists():
        raise ExportError(f"file does not exist: {dest}")
    if dest.exists() and is_read_only(dest):
        raise ExportError(f"file is read-only: {dest}")
    if is_read_only(folder):
        raise ExportError(f"folder is read-only: {folder}")


def atomic_write_bytes(dest: Path, data: bytes, *, mode_from: Path | None = None) -> None:
    """Replace ``dest`` with ``data`` atomically; on any error ``dest`` is left as it was.

    ``mode_from`` (usually ``dest`` itself when rewriting in place) gives the permission
    bits of the new file, so rewriting a photo doesn't change who may read it.
    Raises :class:`ExportError` for read-only targets and other OS errors.
    """
    check_writable(dest)
    mode, owner = _target_mode(mode_from if mode_from is not None else dest)
    if mode_from is not None and mode_from != dest:
        owner = None  # a copy belongs to whoever exports it
    try:
        if not _write_with_tmpfile(dest, data, mode, owner):
            _write_with_named_temp(dest, data, mode, owner)
        _fsync_dir(dest.parent)
    except ExportError:
        raise
    except PermissionError as exc:
        raise ExportError(f"permission denied writing {dest}: {exc.strerror}") from exc
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise ExportError(f"read-only file system: {dest}") from exc
        if exc.errno == errno.ENOSPC:
            raise ExportError(f"disk full writing {dest}") from exc
        raise ExportError(f"could not write {dest}: {exc.strerror or exc}") from exc


def atomic_write_text(dest: Path, text: str, *, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` for text; no newline translation, so CRLF stays CRLF."""
    atomic_write_bytes(dest, text.encode(encoding))


def _target_mode(source: Path) -> tuple[int, tuple[int, int] | None]:
    """Permission bits and (uid, gid) to give the new file; owner None means "ours"."""
    try:
        info = source.stat()
    except FileNotFoundError:
        return 0o666 & ~_UMASK, None
    return stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)


def _apply_mode(fd: int, mode: int, owner: tuple[int, int] | None) -> None:
    """Copy the old file's permissions and, where we may (root), its owner."""
    if owner is not None and hasattr(os, "fchown") and owner != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, *owner)
        except PermissionError:
            log.debug("cannot keep owner %s of the original file", owner)
    os.fchmod(fd, mode)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _write_with_tmpfile(dest: Path, data: bytes, mode: int, owner: tuple[int, int] | None) -> bool:
    """Write via an anonymous ``O_TMPFILE``; False means "not supported here, use a name"."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not sys.platform.startswith("linux"):
        return False
    try:
        fd = os.open(dest.parent, flag | os.O_WRONLY, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return False
        raise
    try:
        _write_all(fd, data)
        _apply_mode(fd, mode, owner)
        _before_commit(dest)
        name = _link_anonymous(fd, dest)
        if name is None:
            return False
        try:
            _replace(name, dest)
        except BaseException:
            _unlink_quietly(name)
            raise
    finally:
        os.close(fd)
    return True


def _link_anonymous(fd: int, dest: Path) -> Path | None:
    """Give the ``O_TMPFILE`` inode a hidden name next to ``dest``; None if the OS refuses."""
    for _attempt in range(10):
        name = dest.parent / f".{dest.name}.{os.urandom(4).hex()}{TEMP_SUFFIX}"
        try:
            _linkat_empty_path(fd, name)
            return name
        except FileExistsError:
            continue
        except OSError as exc:
            log.debug("linkat(AT_EMPTY_PATH) refused (%s), trying /proc", exc)
        try:
            os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
            return name
        except FileExistsError:
            continue
        except OSError as exc:
            log.debug("linking an O_TMPFILE through /proc refused (%s)", exc)
            return None
    return None


def _linkat_empty_path(fd: int, name: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(name), _AT_EMPTY_PATH)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(name))


def _write_with_named_temp(
    dest: Path, data: bytes, mode: int, owner: tuple[int, int] | None
) -> None:
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=TEMP_SUFFIX)
    temp = Path(name)
    try:
        try:
            _write_all(fd, data)
            _apply_mode(fd, mode, owner)
        finally:
            os.close(fd)
        _before_commit(dest)
        _replace(temp, dest)
    except BaseException:
        _unlink_quietly(temp)
        raise


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:  # pragma: no cover - nothing better to do than say so
        log.warning("could not remove temporary file %s: %s", path, exc)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable; some file systems refuse to open folders, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
