"""Watchdogs for the robustness tests: a hang must fail the test, not stall CI for 90 minutes."""

from __future__ import annotations

import faulthandler
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

CLI_TIMEOUT = 120
HANG_SECONDS = 300
"""How long ``within`` waits before calling it a hang: far above a normal run even on a
loaded machine, since it guards against hangs and measures nothing."""


def within(seconds: float, work: Callable[[], T], what: str) -> T:
    """Run ``work`` in a daemon thread; fail with every thread's stack if it takes too long.

    A hung decoder would otherwise block the test forever; a daemon thread left behind
    dies with the test process.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the test thread below
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"watchdog:{what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        pytest.fail(f"{what} did not finish within {seconds:.0f} s (hang?); stacks on stderr")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def rss_mb() -> float:
    """Resident memory of this process in MB, from /proc (Linux)."""
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeakRss:
    """Samples RSS every few milliseconds in the background and keeps the highest value."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.baseline = rss_mb()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


def run_cli(*args: str | Path, model: Path, extra_env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[bytes]:
    """``python -m capdesk ...`` as a user runs it, bytes out (file names may not be UTF-8)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    env["CAPDESK_MODEL_DIR"] = str(model)
    env.update(extra_env or {})
    started = time.perf_counter()
    try:
        return subprocess.run(
            [sys.executable, "-m", "capdesk", *(os.fsencode(a) for a in args)],
            capture_output=True, env=env, timeout=CLI_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"capdesk {args[0]} hung for {time.perf_counter() - started:.0f} s")
