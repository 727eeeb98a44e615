"""Run the capdesk desktop app from a source checkout: ``python main.py [photos...]``."""

import sys

from capdesk.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
