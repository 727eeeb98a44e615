"""Run the capdesk desktop app from a source checkout: ``python main.py [photos...]``."""

import time

STARTED = time.perf_counter()  # first line of Python: the start-up figure counts from here

import sys  # noqa: E402

from capdesk.ui.app import main  # noqa: E402

if __name__ == "__main__":
    if "--self-test" in sys.argv[1:]:  # headless engine check, no Qt: see docs/SHIPPING.md
        from capdesk.cli.selftest import main as self_test

        sys.exit(self_test(sys.argv[1:]))
    sys.exit(main(started=STARTED))
