"""Work around a reference-count bug in PySide6 6.12 on Python 3.11.

On Python 3.11, PySide6 6.12.0 drops one reference to ``None`` on every call of a
C++ method returning ``void`` and one to ``True`` on every ``Signal.emit``; ``True``
starts with a few hundred references, so after a few hundred signals the interpreter
aborts with "Fatal Python error: bool_dealloc" (at exit, or mid-run in a long session).
Python 3.12+ makes these singletons immortal, which is what the bindings assume.

:func:`protect_singletons` detects the leak at import time and, only when present, gives
``None``, ``True`` and ``False`` a practically infinite reference count, which is what
3.12 does. Remove this module once PySide6 is pinned to a fixed release or the project
moves to Python 3.12+.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_BOOST = 1 << 40
_done = False


def _leaks() -> bool:
    from PySide6.QtCore import QObject, Signal  # noqa: PLC0415

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("probe")
        probe.ping.emit()
    leaked = sys.getrefcount(None) < none_before or sys.getrefcount(True) < true_before
    probe.deleteLater()
    return leaked


def protect_singletons() -> bool:
    """Make None/True/False effectively immortal if the bindings leak them; idempotent."""
    global _done  # noqa: PLW0603  (once per process)
    if _done or sys.version_info >= (3, 12):
        return False
    _done = True
    if not _leaks():
        return False
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BOOST
    log.info(
        "PySide6 leaks references to None/True on Python %d.%d; protected them "
        "(pin PySide6 < 6.12 or use Python 3.12+ to drop this workaround)",
        *sys.version_info[:2],
    )
    return True
