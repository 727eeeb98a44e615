"""A progress line on stderr that never mixes with the data written to stdout."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``[####....] 120/500 images  38.2/s  ETA 0:10`` redrawn in place on a terminal.

    On a pipe or a log file it prints nothing but the final summary, so logs stay readable.
    """

    def __init__(self, total: int | None, stream: TextIO | None = None, width: int = 28) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self._last_draw = 0.0
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def advance(self, ok: bool = True) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.perf_counter()
        if self._interactive and (now - self._last_draw > 0.1 or self.done == self.total):
            self._last_draw = now
            self.stream.write("\r" + self._line(now))
            self.stream.flush()

    def message(self, text: str) -> None:
        """A line that stays (an error), printed above the bar."""
        if self._interactive:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        now = time.perf_counter()
        if self._interactive:
            self.stream.write("\r\x1b[K")
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        self.stream.write(
            f"{self.done - self.failed} captioned, {self.failed} failed "
            f"in {elapsed:.1f} s ({rate:.1f} images/s)\n"
        )
        self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            filled = int(self.width * self.done / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            left = (self.total - self.done) / rate if rate > 0 else 0.0
            eta = f"{int(left // 60)}:{int(left % 60):02d}"
            return f"[{bar}] {self.done}/{self.total} images  {rate:.1f}/s  ETA {eta}"
        return f"{self.done} images  {rate:.1f}/s"


class LogProgress:
    """A progress line with ETA every :attr:`EVERY` seconds when stderr is not a terminal.

    Why: cluster runs live in logs (a batch job, nohup) where the redrawn bar is silent.
    """

    EVERY = 30.0

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = self.last = time.monotonic()
        self.enabled = not sys.stderr.isatty()

    def tick(self, progress: Progress) -> None:
        self.done += 1
        now = time.monotonic()
        if not self.enabled or now - self.last < self.EVERY:
            return
        self.last = now
        rate = self.done / (now - self.started)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        progress.message(f"capdesk: {self.done}/{self.total} images, {rate:.1f}/s, "
                         f"ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:"
                         f"{int(left % 60):02d}")
