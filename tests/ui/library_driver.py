"""Run the real capdesk window (fake engine) on FOLDER and hold the run midway: for the
test that kills the app with SIGKILL in the middle of a run (``test_library_kill.py``).

The library file comes from ``$CAPDESK_LIBRARY`` as in the app; the fake engine holds
after :data:`HOLD_AFTER` results until killed, so the kill always lands mid-run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from tests.support.fake_engine import FakeCaptioner

HOLD_AFTER = 16


def main(folder: Path) -> int:
    QCoreApplication.setApplicationName("capdesk")
    app = QApplication([sys.argv[0]])
    from capdesk.ui.app import build_window  # after the QApplication

    store = QSettings(str(Path(tempfile.mkdtemp(prefix="capdesk-kill-")) / "capdesk.ini"),
                      QSettings.Format.IniFormat)
    engine = FakeCaptioner(pause_after=HOLD_AFTER)
    window, controller = build_window(store, lambda _config: engine)
    window.show()
    controller.start()
    controller.add_paths([folder])
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
