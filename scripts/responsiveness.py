"""How responsive is the window while it lists and captions? Prints numbers; it is not a test.

Runs the real window (scanner, worker thread, thumbnails, progress bar and all) with the
real ONNX engine while a 10 ms QTimer measures how late the GUI event loop runs it. The
goal is p99 lag < 50 ms: the worker must never starve the GUI thread. The tests check
only behaviour (every file listed and captioned, memory bounded); the durations and the
lag live here, because they depend on the machine and on what else runs on it.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/responsiveness.py [--model DIR | --tiny]
        [--count 300] [--folder-files 10000] [--provider cpu]

``--count N`` drops N generated 640×480 photos on the window (the default, 300).
``--folder-files N`` instead writes N tiny PNGs in folders of 1,000, times listing them
with ``expand_paths`` (what tests/robustness/test_scale.py used to assert), then opens the
folder in the window as tests/ui/test_scale.py does and prints how long it took to be
listed and captioned, the event-loop lag and the growth of resident memory.

The model is ``--model``, else the shipped ``models/default``. ``--tiny`` uses the test
suite's tiny random-weights model instead (built in a temporary folder with the onnx
helper API by ``tests/support/tiny_model.py``; needs the dev extra and a source checkout):
a real ONNX model through the real ``Captioner``, only small, to see the window's own cost.
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
PER_FOLDER = 1_000


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


def make_folder(root: Path, count: int) -> Path:
    """``count`` identical 8×6 PNGs in sub-folders of 1,000, as the scale tests build them."""
    template = root / "template.png"
    Image.new("RGB", (8, 6), (40, 120, 200)).save(template)
    data = template.read_bytes()
    template.unlink()
    folder = root / "many"
    for i in range(count):
        sub = folder / f"part{i // PER_FOLDER:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"img{i:05d}.png").write_bytes(data)
    return folder


def pick_model(args: argparse.Namespace, scratch: Path) -> tuple[Path, str]:
    if args.tiny:
        from tests.support.tiny_model import build_tiny_model  # noqa: PLC0415

        return build_tiny_model(scratch / "tiny"), "tiny random-weights model"
    if args.model:
        return Path(args.model), str(args.model)
    return REPO / "models" / "default", "models/default"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb() -> float | None:
    """Resident memory in MB (Linux /proc); None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def time_listing(folder: Path) -> None:
    from capdesk.imaging import expand_paths  # noqa: PLC0415

    started = time.perf_counter()
    listed = sum(1 for _ in expand_paths([folder]))
    print(f"expand_paths listed {listed} files in {time.perf_counter() - started:.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", help="model folder (default: models/default)")
    source.add_argument("--tiny", action="store_true", help="the tests' tiny random model")
    parser.add_argument("--count", type=int, default=300, help="generated photos to drop")
    parser.add_argument("--folder-files", type=int, metavar="N",
                        help="open a folder of N tiny files instead of dropping photos")
    parser.add_argument("--provider", default="cpu")
    args = parser.parse_args()

    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    from capdesk.jobs import EngineConfig, default_engine_factory  # noqa: PLC0415
    from capdesk.ui.app import build_window  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="capdesk-resp-") as tmp:
        scratch = Path(tmp)
        if args.folder_files:
            inputs = [make_folder(scratch, args.folder_files)]
            time_listing(inputs[0])
        else:
            inputs = make_photos(scratch, args.count)
        model_dir, model_label = pick_model(args, scratch)
        store = QSettings(str(scratch / "settings.ini"), QSettings.Format.IniFormat)
        # A fresh library: the user's (or a previous run's) would skip known photos.
        store.setValue("library_path", str(scratch / "library.sqlite3"))

        def factory(_config: EngineConfig):  # type: ignore[no-untyped-def]
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
        marks: dict[str, float] = {}
        controller.scan_done.connect(
            lambda _scan: marks.setdefault("listed", time.perf_counter())
        )

        def check_done() -> None:  # a folder is queued chunk by chunk: several runs
            if "listed" in marks and not controller.queue.busy:
                loop.quit()

        watcher = QTimer()
        watcher.setInterval(50)
        watcher.timeout.connect(check_done)
        baseline = rss_mb()
        started = time.perf_counter()
        clock.start()
        timer.start()
        watcher.start()
        QTimer.singleShot(0, lambda: controller.add_paths(inputs))
        loop.exec()  # the real event loop, as in the app
        seconds = time.perf_counter() - started
        timer.stop()
        watcher.stop()
        after = rss_mb()
        window.close()

        items = controller.model.items()
        ok = sum(1 for i in items if i.caption is not None)
        info = ready["info"]
        print(
            f"model: {model_label} ({info.model_name}, {info.provider}); "
            f"loaded in {info.load_seconds:.2f} s"
        )
        print(f"listed {len(items)} images {marks['listed'] - started:.2f} s after the drop")
        print(
            f"images: {len(items)} captioned ok: {ok} in {seconds:.1f} s "
            f"({len(items) / seconds:.1f} img/s)"
        )
        print(
            f"event-loop lag over {len(lags)} ticks of {TICK_MS} ms: "
            f"p50 {statistics.median(lags):.1f} ms, p99 {percentile(lags, 99):.1f} ms, "
            f"max {max(lags):.1f} ms (goal p99 < 50 ms)"
        )
        if baseline is not None and after is not None:
            print(f"resident memory grew {after - baseline:.0f} MB (from {baseline:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
