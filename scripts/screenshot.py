"""Take the README's screenshot: the real window after captioning the sample photos.

Opens the window with a throwaway settings file, captions every photo of a folder with
the shipped model, selects one photo and one word of its caption (so the attention
overlay shows) and saves what the window draws.

    xvfb-run -a .venv/bin/python scripts/screenshot.py --out docs/screenshot.png \
        --photos ../shared/data/samples/images --select 1 --word dog
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--photos", type=Path, default=REPO.parent / "shared/data/samples/images")
    parser.add_argument("--select", type=int, default=1, help="row of the photo to show")
    parser.add_argument("--word", default=None, help="caption word whose attention to show")
    parser.add_argument("--size", default="1400x860", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    QApplication.instance() or QApplication([])
    from capdesk.ui.app import build_window  # noqa: PLC0415

    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    with tempfile.TemporaryDirectory(prefix="capdesk-shot-") as tmp:
        store = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        store.setValue("library_path", str(Path(tmp) / "library.sqlite3"))  # caption afresh
        window, controller = build_window(store)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        loop = QEventLoop()
        controller.queue.finished.connect(lambda _result: loop.quit())
        controller.start()
        QTimer.singleShot(0, lambda: controller.add_paths(photos))
        loop.exec()

        def settle(seconds: float) -> None:
            """Run the event loop a while: thumbnails and the preview arrive from their
            threads, and replaced word buttons are deleted (``processEvents`` would not)."""
            pause = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), pause.quit)
            pause.exec()

        view = window.list_view
        view.setCurrentIndex(view.model().index(args.select, 0))
        settle(1.0)
        item = controller.model.items()[args.select]
        if args.word is not None and item.caption is not None:
            words = [w.lower() for w in item.caption.words]
            window.preview.select_word(words.index(args.word.lower()))
        settle(1.0)
        window.grab().save(str(args.out))
        print(f"wrote {args.out}: {item.path.name}: {item.caption.text if item.caption else ''}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
