"""How responsive is the window while it captions? Prints numbers; it is not a test.

Captions N generated photos in the real window (worker thread, thumbnails, progress
bar and all) while a 10 ms QTimer measures how late the GUI event loop runs it. The
goal is p99 lag < 50 ms: the worker must never starve the GUI thread.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/responsiveness.py [--model DIR]
        [--count 300] [--fake]

The model is ``--model``, else ``models/default`` if present, else the test suite's tiny
random model (built in a temporary folder); ``--fake`` uses the fake engine instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 10


def make_photos(folder: Path, count: int, size: tuple[int, int] = (640, 480)) -> list[Path]:
    """Smooth random photos (JPEG-compressible like real ones), 640×480 by default."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        base = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
        image = Image.fromarray(base).resize(size, Image.Resampling.BICUBIC)
        path = folder / f"photo{i:04d}.jpg"
        image.save(path, quality=88)
        paths.append(path)
    return paths


def pick_model(args: argparse.Namespace, scratch: Path) -> tuple[Path | None, str]:
    if args.fake:
        return None, "fake engine"
    if args.model:
        return Path(args.model), str(args.model)
    default = REPO / "models" / "default"
    if default.is_dir():
        return default, "models/default"
    from tests.support.tiny_model import build_tiny_model  # noqa: PLC0415

    return build_tiny_model(scratch / "tiny"), "tiny random test model"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: models/default or tiny)")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--fake", action="store_true", help="use the fake engine")
    parser.add_argument("--provider", default="cpu")
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    from capdesk.jobs.fake_engine import FakeCaptioner  # noqa: PLC0415

    from capdesk.jobs import EngineConfig, default_engine_factory  # noqa: PLC0415
    from capdesk.ui.app import build_window  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="capdesk-resp-") as tmp:
        scratch = Path(tmp)
        photos = make_photos(scratch, args.count)
        model_dir, model_label = pick_model(args, scratch)
        store = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)

        def factory(_config: EngineConfig):  # type: ignore[no-untyped-def]
            if model_dir is None:
                return FakeCaptioner(step_seconds=0.002)
            return default_engine_factory(EngineConfig(model_dir, args.provider))

        window, controller = build_window(store, factory)
        window.show()
        ready = {"info": None, "error": None}
        controller.queue.engine_ready.connect(lambda info: ready.__setitem__("info", info))
        controller.queue.engine_failed.connect(lambda msg: ready.__setitem__("error", msg))
        controller.start()
        while ready["info"] is None and ready["error"] is None:
            app.processEvents()
            time.sleep(0.005)
        if ready["error"]:
            print(f"model failed to load: {ready['error']}")
            return 1

        lags: list[float] = []
        clock = QElapsedTimer()
        timer = QTimer()
        timer.setInterval(TICK_MS)

        def tick() -> None:
            elapsed = clock.nsecsElapsed() / 1e6
            lags.append(max(0.0, elapsed - TICK_MS))
            clock.restart()

        timer.timeout.connect(tick)
        loop = QEventLoop()
        controller.queue.finished.connect(lambda _r: loop.quit())
        started = time.perf_counter()
        clock.start()
        timer.start()
        QTimer.singleShot(0, lambda: controller.add_paths(photos))
        loop.exec()  # the real event loop, as in the app
        seconds = time.perf_counter() - started
        timer.stop()
        window.close()

        items = controller.model.items()
        ok = sum(1 for i in items if i.caption is not None)
        info = ready["info"]
        print(
            f"model: {model_label} ({info.model_name}, {info.provider}); "
            f"loaded in {info.load_seconds:.2f} s"
        )
        print(
            f"images: {len(items)} captioned ok: {ok} in {seconds:.1f} s "
            f"({len(items) / seconds:.1f} img/s)"
        )
        print(
            f"event-loop lag over {len(lags)} ticks of {TICK_MS} ms: "
            f"p50 {statistics.median(lags):.1f} ms, p99 {percentile(lags, 99):.1f} ms, "
            f"max {max(lags):.1f} ms (goal p99 < 50 ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
