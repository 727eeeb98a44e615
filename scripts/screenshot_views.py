"""Take the docs' screenshots of the Library view and the Export dialog, in the real app.

Copies the photos into two folders of a throwaway directory (so the library knows more
than one folder), captions both with the shipped model, edits and reviews a few captions,
exports one folder's CSV, then opens the Library view and, after it, the Export dialog and
grabs the whole screen each time (the dialog over its window, as a person sees it). Run
it under a virtual X server so the screen holds only capdesk:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshot_views.py \
        --photos ../shared/data/samples/images --out docs/screenshots
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--photos", type=Path, required=True, help="folder of sample photos")
    parser.add_argument("--size", default="1240x760", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()

    from PIL import Image  # noqa: PLC0415
    from PySide6.QtCore import QBuffer, QEventLoop, QIODevice, QSettings, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    from capdesk.export import ExportFormat, ExportOptions  # noqa: PLC0415
    from capdesk.ui.app import build_window  # noqa: PLC0415

    def settle(seconds: float) -> None:
        """Run the event loop a while: thumbnails, the preview and the library's answers
        arrive from their threads."""
        pause = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), pause.quit)
        pause.exec()

    def shoot(name: str) -> None:
        """The whole screen, as a 256-colour PNG: a few hundred kB instead of ~400."""
        settle(1.0)
        path = args.out / name
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        app.primaryScreen().grabWindow(0).save(buffer, "PNG")  # type: ignore[union-attr,call-overload]
        with Image.open(io.BytesIO(bytes(buffer.data().data()))) as shot:
            shot.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path, optimize=True)
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")

    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="capdesk-views-") as tmp:
        root = Path(tmp)
        folders = [root / "Holiday 2026", root / "Garden"]
        for index, photo in enumerate(photos):
            folder = folders[0] if index < len(photos) * 3 // 5 else folders[1]
            folder.mkdir(exist_ok=True)
            shutil.copy2(photo, folder / photo.name)
        store = QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat)
        store.setValue("library_path", str(root / "library.sqlite3"))
        store.setValue("grid_view", True)
        window, controller = build_window(store)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.move(20, 20)
        window.show()
        controller.start()
        for folder in reversed(folders):  # Holiday last: it stays on screen
            loop = QEventLoop()
            controller.queue.finished.connect(loop.quit)
            QTimer.singleShot(0, lambda f=folder: controller.files.open_folder_path(f))
            loop.exec()
            controller.queue.finished.disconnect(loop.quit)
        items = controller.model.items()
        for item in items[:2]:
            controller.edit_caption(item.path, item.text.rstrip(" .") + " at the seaside")
        for item in items[2:6]:
            controller.select(item.path)
            controller.accept_current()
        controller.select(items[1].path)
        done = QEventLoop()
        controller.files.export_job.signals.finished.connect(lambda _report: done.quit())
        holiday = [i.path for i in items if i.path.parent == folders[0]]
        controller.files.start_export(
            ExportOptions(formats=frozenset({ExportFormat.CSV}), destination=root / "export")
        )
        done.exec()
        print(f"captioned {len(items)} photos, {len(holiday)} in {folders[0].name}")

        controller.keeping.show_library()
        settle(2.0)
        shoot("library-view.png")
        dialog = controller.keeping.library_dialog
        if dialog is not None:
            dialog.close()
        controller.files.export()
        shoot("export-dialog.png")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
