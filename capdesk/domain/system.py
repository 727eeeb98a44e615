"""How many CPU cores this process may use: the one place thread counts start from.

``os.cpu_count()`` counts the machine's cores, not the ones the process is allowed to run
on: in a container, under ``taskset`` or a CI runner's CPU set, it overstates them, and a
pool sized from it oversubscribes the cores that are really there (every thread then
waits its turn and latency grows). ``os.sched_getaffinity(0)`` is the set the scheduler
will actually use; it exists on Linux and some BSDs, so the machine's count is the
fallback elsewhere (macOS, Windows). ``CAPDESK_THREADS`` overrides both, for a person
who wants to leave cores free for other work.

This lives in ``capdesk.domain`` because it is standard library only and the lowest
layer: the engine (loader pool, ONNX Runtime threads), jobs, the UI, the command line and
training may all import it without bending the layer contracts.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

THREADS_ENV = "CAPDESK_THREADS"


def usable_cpu_count() -> int:
    """Cores this process may run on (at least 1); ``$CAPDESK_THREADS`` wins when valid."""
    override = os.environ.get(THREADS_ENV, "").strip()
    if override:
        try:
            value = int(override)
        except ValueError:
            value = 0
        if value > 0:
            return value
        log.warning("ignoring %s=%r: not a positive whole number", THREADS_ENV, override)
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is not None:
        try:
            return max(1, len(getaffinity(0)))
        except OSError:  # pragma: no cover - some sandboxes refuse the call
            log.debug("sched_getaffinity failed; using os.cpu_count()", exc_info=True)
    return max(1, os.cpu_count() or 1)
