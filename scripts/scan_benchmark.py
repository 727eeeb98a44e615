"""How long does a big folder take to appear, be listed, and have its alt text read?
Prints numbers; it is not a test.

Builds a folder of COUNT photos (copies of the sample JPEGs given with ``--samples``;
every tenth one carries alt text, written by ``capdesk.export.write_alt_text``) inside a
temporary folder under WORKDIR, then scans it with

* **old**: the scanner as it was before issue 17, reproduced here: it read every listed
  file whole (``read_alt_text``, exiv2) on the listing thread before emitting the batch;
* **new**: ``capdesk.jobs.PathScanner``: listing emits at once, a second thread reads the
  metadata block only (``read_header_alt_text``).

For each it prints the seconds from ``scan()`` to the first ``found`` batch (the folder
appears), to ``done`` (everything listed) and to the last alt text read, and checks both
found the same alt texts. Rounds alternate old/new. By default each file's pages are
dropped from the page cache before every round (``posix_fadvise(DONTNEED)``, this
folder's files only), so both read from disk as on a first visit; ``--warm`` keeps them.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/scan_benchmark.py /tmp \\
        --samples ../shared/data/samples/images [--count 10000] [--rounds 2] [--links]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (  # noqa: E402
    QCoreApplication,
    QEventLoop,
    QObject,
    QRunnable,
    QThreadPool,
    QTimer,
    Signal,
)

from capdesk.domain import usable_cpu_count  # noqa: E402
from capdesk.export import read_alt_text, write_alt_text  # noqa: E402
from capdesk.imaging import expand_paths  # noqa: E402
from capdesk.jobs import PathScanner  # noqa: E402
from capdesk.jobs.scanner import BATCH_SECONDS, FIRST_BATCH  # noqa: E402

DESCRIBED_EVERY = 10


class _OldRelay(QObject):
    found = Signal(int, list, object)
    done = Signal(int, int)


class _OldScanTask(QRunnable):
    """The pre-issue-17 ``capdesk.jobs.scanner._ScanTask``, unchanged in what it does."""

    def __init__(self, relay: _OldRelay, paths: list[Path]) -> None:
        super().__init__()
        self._relay = relay
        self._paths = paths

    def _emit(self, batch: list[Path]) -> None:
        existing: dict[Path, str] = {}
        for path in batch:
            try:
                text = read_alt_text(path)
            except Exception:
                text = None
            if text:
                existing[path] = text
        self._relay.found.emit(1, batch, existing)

    def run(self) -> None:
        batch: list[Path] = []
        count = 0
        last = time.monotonic()
        for path in expand_paths(self._paths, recursive=True):
            batch.append(path)
            count += 1
            limit = FIRST_BATCH if count <= FIRST_BATCH else 10_000
            if len(batch) >= limit or time.monotonic() - last > BATCH_SECONDS:
                self._emit(batch)
                batch, last = [], time.monotonic()
        if batch:
            self._emit(batch)
        self._relay.done.emit(1, count)


def build_folder(root: Path, samples: list[Path], count: int, links: bool) -> Path:
    variants = root / "variants"
    variants.mkdir()
    plain, described = [], []
    for sample in samples:
        copy = variants / sample.name
        shutil.copyfile(sample, copy)
        plain.append(copy)
        marked = variants / f"described-{sample.name}"
        shutil.copyfile(sample, marked)
        write_alt_text(marked, f"An earlier description of {sample.stem}")
        described.append(marked)
    photos = root / "photos"
    photos.mkdir()
    for index in range(count):
        pool = described if index % DESCRIBED_EVERY == 0 else plain
        source = pool[index % len(pool)]
        target = photos / f"photo{index:05d}{source.suffix}"
        if links:
            os.link(source, target)
        else:
            shutil.copyfile(source, target)
    os.sync()  # written pages become clean, so they can be dropped from the cache
    return photos


def drop_from_cache(folder: Path) -> None:
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def run_loop(until: Signal, timeout_s: float = 3600.0) -> None:
    loop = QEventLoop()
    until.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()


def measure_old(folder: Path) -> tuple[dict[str, float], dict[Path, str]]:
    relay = _OldRelay()
    times: dict[str, float] = {}
    existing: dict[Path, str] = {}

    def on_found(_sid: int, _paths: list[Path], texts: dict[Path, str]) -> None:
        times.setdefault("appears", time.perf_counter() - start)
        existing.update(texts)

    relay.found.connect(on_found)
    relay.done.connect(lambda *_: times.setdefault("listed", time.perf_counter() - start))
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    start = time.perf_counter()
    pool.start(_OldScanTask(relay, [folder]))
    run_loop(relay.done)
    pool.waitForDone()
    times["alt_text_read"] = times["listed"]  # the old scanner read while listing
    return times, existing


def measure_new(folder: Path) -> tuple[dict[str, float], dict[Path, str]]:
    scanner = PathScanner()
    times: dict[str, float] = {}
    existing: dict[Path, str] = {}
    scanner.found.connect(lambda *_: times.setdefault("appears", time.perf_counter() - start))
    scanner.done.connect(lambda *_: times.setdefault("listed", time.perf_counter() - start))
    scanner.alt_text_read.connect(lambda _sid, _paths, texts: existing.update(texts))
    start = time.perf_counter()
    scanner.scan([folder])
    run_loop(scanner.metadata_done)
    times["alt_text_read"] = time.perf_counter() - start
    scanner.shutdown()
    return times, existing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", type=Path, help="a temporary folder is made in here")
    parser.add_argument("--samples", type=Path, required=True, help="folder of sample JPEGs")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--links", action="store_true", help="hard links instead of copies")
    parser.add_argument("--warm", action="store_true", help="keep files in the page cache")
    parser.add_argument("--keep", action="store_true", help="leave the folder behind")
    args = parser.parse_args()
    samples = sorted(p for p in args.samples.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not samples:
        parser.error(f"no JPEG samples in {args.samples}")
    app = QCoreApplication.instance() or QCoreApplication([])
    root = Path(tempfile.mkdtemp(prefix="capdesk-scan-", dir=args.workdir))
    try:
        started = time.perf_counter()
        photos = build_folder(root, samples, args.count, args.links)
        size = sum(p.stat().st_size for p in photos.iterdir()) / 1e6
        print(f"{args.count} photos ({'hard links' if args.links else 'copies'} of "
              f"{len(samples)} samples, {size:.0f} MB, every {DESCRIBED_EVERY}th with alt "
              f"text) built in {time.perf_counter() - started:.1f} s in {photos}")
        print(f"page cache: {'warm' if args.warm else 'dropped before each round'}; "
              f"usable CPUs: {usable_cpu_count()}")
        results: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
        found: dict[str, dict[Path, str]] = {}
        for round_no in range(1, args.rounds + 1):
            for name, measure in (("old", measure_old), ("new", measure_new)):
                if not args.warm:
                    drop_from_cache(photos)
                times, existing = measure(photos)
                results[name].append(times)
                found[name] = existing
                print(f"round {round_no} {name}: appears {times['appears']:.3f} s, "
                      f"listed {times['listed']:.3f} s, alt text read "
                      f"{times['alt_text_read']:.3f} s ({len(existing)} with alt text)")
        same = found["old"] == found["new"]
        print(f"old and new found the same alt texts: {same}")
        for key in ("appears", "listed", "alt_text_read"):
            old = statistics.median(r[key] for r in results["old"])
            new = statistics.median(r[key] for r in results["new"])
            print(f"median {key:>13}: old {old:8.3f} s   new {new:8.3f} s   "
                  f"old/new {old / new:7.1f}x")
        del app
        return 0 if same else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
