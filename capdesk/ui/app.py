"""The ``capdesk-app`` entry point: show the window first, load the model afterwards.

Only Qt, numpy and the window modules are imported before the first paint; Pillow and
ONNX Runtime load lazily (the model inside the worker thread), which is what keeps
launch under the 1.5 s budget. Set ``CAPDESK_EXIT_AFTER_SHOWN=1`` (or pass
``--measure-startup``) to log the time from the entry point's first line of Python to
the window being shown, and quit.

That clock starts at the top of ``main.py`` (source checkout and bundle), or when this
module is first imported (the ``capdesk-app`` script): the earliest point Python code can
see without reading ``/proc``, which only Linux has. What it leaves out — the
interpreter's own start-up, and in the bundle the bootloader — is measured from outside
in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from capdesk.domain.resources import resource_path

_IMPORTED_AT = time.perf_counter()  # the clock's start without main.py: see the docstring

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

    from capdesk.domain import Caption
    from capdesk.jobs import EngineFactory
    from capdesk.ui.controller import WindowController
    from capdesk.ui.main_window import MainWindow

log = logging.getLogger("capdesk.ui")


def _set_icon(app: object) -> None:
    """Use the PNG icons from resources/ (source checkout or PyInstaller bundle) if present."""
    from PySide6.QtGui import QIcon  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    pngs = sorted(resource_path("icons").glob("capdesk-*.png"))
    if pngs:
        icon = QIcon()
        for png in pngs:
            icon.addFile(str(png))
        if isinstance(app, QApplication):
            app.setWindowIcon(icon)


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: object) -> None:
    """A bug in one slot must not take the window (and unsaved edits) down: log it."""
    log.error("unexpected error", exc_info=(kind, value, tb))  # type: ignore[arg-type]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="capdesk-app",
        description="Write captions and alt text for photos, privately on this computer.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="photos or folders to open")
    parser.add_argument(
        "--measure-startup",
        action="store_true",
        help="print the time until the window is shown, then quit",
    )
    parser.add_argument("--model", type=Path, help="model folder (overrides the setting)")
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PNG",
        help="caption PATHS, save a picture of the window, then quit (docs)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args, _qt_args = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None, *, started: float | None = None) -> int:
    """Run the app; ``started`` is the entry point's ``time.perf_counter()`` at its first
    line (``main.py`` passes it), else the time this module was imported."""
    clock_start = _IMPORTED_AT if started is None else started
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    measure = args.measure_startup or os.environ.get("CAPDESK_EXIT_AFTER_SHOWN") == "1"
    sys.excepthook = _log_uncaught

    from PySide6.QtCore import QCoreApplication, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    QCoreApplication.setOrganizationName("capdesk")
    QCoreApplication.setApplicationName("capdesk")
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    _set_icon(app)
    window, controller = build_window(model_dir=args.model)
    window.show()

    painted: list[bool] = []

    def after_first_paint() -> None:
        if painted:
            return
        painted.append(True)
        shown = time.perf_counter() - clock_start
        if measure:
            log.info("window shown %.3f s after the entry point started", shown)
            print(f"startup_seconds={shown:.3f}")  # noqa: T201  (read by scripts)
            window.close()
            return
        controller.start()
        if args.screenshot is not None:
            controller.queue.finished.connect(
                lambda _finished: QTimer.singleShot(
                    300, lambda: _screenshot(window, controller, args.screenshot)
                )
            )
        if args.paths:
            controller.add_paths(args.paths)

    window.first_painted.connect(lambda: QTimer.singleShot(0, after_first_paint))
    QTimer.singleShot(1000, after_first_paint)  # in case no paint arrives (minimised)
    return int(app.exec())


def _most_focused_word(caption: Caption) -> int:
    """The content word whose attention is most concentrated: the clearest demo."""
    small = {"a", "an", "the", "is", "are", "in", "on", "of", "with", "and", "its", "his"}
    peaks = caption.attention.reshape(len(caption.words), -1).max(axis=1)
    ranked = sorted(range(len(caption.words)), key=lambda i: -float(peaks[i]))
    return next((i for i in ranked if caption.words[i].lower() not in small), ranked[0])


def _screenshot(window: MainWindow, controller: WindowController, target: Path) -> None:
    """Select the first captioned photo, show one word's attention, save the window."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    done = [i for i in controller.model.items() if i.caption is not None]
    if done:
        controller.select(done[min(1, len(done) - 1)].path)

    def grab() -> None:
        item = controller.current_item
        if item is not None and item.caption is not None and item.caption.words:
            window.preview.select_word(_most_focused_word(item.caption))
        target.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(target))
        log.info("saved screenshot %s", target)
        window.close()

    QTimer.singleShot(800, grab)  # let the preview decode and paint


def build_window(
    store: QSettings | None = None,
    engine_factory: EngineFactory | None = None,
    model_dir: Path | None = None,
) -> tuple[MainWindow, WindowController]:
    """Create the window and its controllers (used by ``main`` and by the tests).

    ``store`` lets tests use a throwaway settings file; ``engine_factory`` a fake engine;
    ``model_dir`` overrides the model folder for this run only (not saved).
    """
    from dataclasses import replace  # noqa: PLC0415

    from capdesk.jobs import default_engine_factory  # noqa: PLC0415

    if model_dir is not None and engine_factory is None:
        engine_factory = lambda config: default_engine_factory(  # noqa: E731
            replace(config, model_dir=model_dir)
        )
    from capdesk.ui.controller import WindowController  # noqa: PLC0415
    from capdesk.ui.main_window import MainWindow  # noqa: PLC0415
    from capdesk.ui.settings import load_settings  # noqa: PLC0415

    settings = load_settings(store)
    window = MainWindow(
        settings.thumbnail_size, settings.overlay_opacity, settings.show_overlay, settings.beam_size
    )
    controller = WindowController(window, settings, store=store, engine_factory=engine_factory)
    window.restore_layout(settings.window_geometry, settings.splitter_state)
    return window, controller


if __name__ == "__main__":
    sys.exit(main())
