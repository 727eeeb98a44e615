"""Run the capdesk desktop app from a source checkout: ``python main.py [photos...]``."""

import sys

from capdesk.ui.app import main

if __name__ == "__main__":
    if "--self-test" in sys.argv[1:]:  # headless engine check, no Qt: see docs/SHIPPING.md
        from capdesk.cli.selftest import main as self_test

        sys.exit(self_test(sys.argv[1:]))
    sys.exit(main())
