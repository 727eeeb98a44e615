"""``python -m capdesk`` runs the command line."""

import sys

from capdesk.cli.main import main

sys.exit(main())
