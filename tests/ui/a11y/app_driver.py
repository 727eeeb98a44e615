"""Run the real capdesk window (fake engine) for the AT-SPI test, driven over stdin.

Started by ``test_atspi.py`` with the project's Python and ``QT_QPA_PLATFORM=xcb`` on
Xvfb. It prints ``ready`` once the window is shown and the engine loaded; on the line
``caption`` it captions every photo in FOLDER, selects the first one, waits for its word
buttons and prints ``finished``; on ``read`` it runs Read caption and prints
``read STATUS|CAPTION``; on ``dialogs`` it opens Settings and Export and prints
``dialogs``; on ``video PATH`` it describes the video (the default model folder, or
``$CAPDESK_MODEL_DIR``), selects its third cue and prints ``video``; on ``quit`` (or end
of input) it closes the window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from tests.support.fake_engine import FakeCaptioner


def main(folder: Path) -> int:
    QCoreApplication.setApplicationName("capdesk")
    app = QApplication([sys.argv[0]])
    from capdesk.ui.app import build_window

    settings_dir = tempfile.mkdtemp(prefix="capdesk-a11y-")
    os.environ["CAPDESK_LIBRARY"] = str(Path(settings_dir) / "library.sqlite3")  # never the user's
    store = QSettings(str(Path(settings_dir) / "capdesk.ini"), QSettings.Format.IniFormat)
    engine = FakeCaptioner()
    window, controller = build_window(store, lambda _config: engine)
    window.show()

    def say(word: str) -> None:
        sys.stdout.write(word + "\n")
        sys.stdout.flush()

    def when_shown_word_buttons() -> None:
        if window.preview.words.buttons:
            say("finished")
        else:
            QTimer.singleShot(100, when_shown_word_buttons)

    def on_finished(_finished: object) -> None:
        controller.select(controller.model.paths()[0])
        window.list_view.setFocus()
        when_shown_word_buttons()

    controller.queue.engine_ready.connect(lambda _info: say("ready"))
    controller.queue.finished.connect(on_finished)

    dialogs: list[object] = []

    def when_described() -> None:
        docs = controller.video.documents
        if docs and docs[-1].state in ("done", "cancelled", "failed"):
            controller.video.panel.select_row(2)
            controller.video.panel.strip.setFocus()
            QTimer.singleShot(500, lambda: say("video"))
        else:
            QTimer.singleShot(100, when_described)

    def on_input() -> None:
        line = sys.stdin.readline().strip()
        if line == "caption":
            controller.add_paths([folder])
        elif line == "read":  # Read caption, as Ctrl+R does
            window.actions_by_name["read_caption"].trigger()
            item = controller.current_item
            say(f"read {window.statusBar().currentMessage()}|{item.text if item else ''}")
        elif line == "dialogs":  # both stay open for the reader, then close on "quit"
            dialogs.extend([controller.files.edit_settings(), controller.files.export()])
            QTimer.singleShot(500, lambda: say("dialogs"))
        elif line.startswith("video "):
            controller.video.confirm_discard = lambda _unsaved, _running: True
            controller.add_paths([Path(line[len("video "):])])
            when_described()
        elif line in ("quit", ""):
            window.close()
            app.quit()

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_input)
    controller.start()
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
