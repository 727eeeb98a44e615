"""Telling the screen reader what happened: one small Announcer for the whole window.

Qt 6.8+ has :class:`QAccessibleAnnouncementEvent`, which the AT-SPI bridge sends as
``object:announcement`` (UIA notification on Windows, NSAccessibility announcement on
macOS) and Orca speaks without moving focus. Older screen readers ignore it, so the same
text also becomes the accessible name of a live status label (``object:property-change:
accessible-name``): the fallback that works everywhere. Errors are assertive (they
interrupt); everything else is polite.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QLabel

log = logging.getLogger(__name__)

try:  # Qt 6.8+
    from PySide6.QtGui import QAccessibleAnnouncementEvent
except ImportError:  # pragma: no cover - older Qt: the live label alone
    QAccessibleAnnouncementEvent = None  # type: ignore[assignment,misc]


class Announcer:
    """Sends announcements from ``label`` (a live status label kept in the window).

    ``history`` keeps (text, assertive) pairs so tests and the status bar can read what
    was said.
    """

    def __init__(self, label: QLabel) -> None:
        self._label = label
        self.history: list[tuple[str, bool]] = []

    def announce(self, text: str, *, assertive: bool = False) -> None:
        text = text.strip()
        if not text:
            return
        self.history.append((text, assertive))
        del self.history[:-50]
        log.debug("announce%s: %s", " (assertive)" if assertive else "", text)
        self._label.setText(text)
        self._label.setAccessibleName(text)  # the fallback: a name change on the bus
        if QAccessibleAnnouncementEvent is not None and QAccessible.isActive():
            event = QAccessibleAnnouncementEvent(self._label, text)
            if assertive:
                event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
            QAccessible.updateAccessibility(event)

    def error(self, text: str) -> None:
        self.announce(text, assertive=True)


PROGRESS_STEP = 0.10
"""Say the progress every 10 % of a run (at least every 5 images) …"""
PROGRESS_MIN_IMAGES = 5
PROGRESS_SECONDS = 30.0
"""… or every 30 s, whichever comes first; never once per image …"""
PROGRESS_MIN_GAP = 10.0
"""… and never twice within 10 s: a fast run would otherwise talk over the person."""


@dataclass
class ProgressPacer:
    """Decides when a progress update is worth saying (see the two constants above)."""

    clock: Callable[[], float] = time.monotonic
    _last_done: int = 0
    _last_time: float | None = None

    def reset(self) -> None:
        self._last_done = 0
        self._last_time = None

    def due(self, done: int, total: int) -> bool:
        now = self.clock()
        if self._last_time is None:  # the start of a run: remember, say nothing yet
            self._last_time, self._last_done = now, done
            return False
        if total <= 0 or done >= total or done <= self._last_done:
            return False
        step = max(PROGRESS_MIN_IMAGES, round(total * PROGRESS_STEP))
        waited = now - self._last_time
        if (done - self._last_done >= step and waited >= PROGRESS_MIN_GAP) or (
            waited >= PROGRESS_SECONDS
        ):
            self._last_time, self._last_done = now, done
            return True
        return False
