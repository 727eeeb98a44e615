"""Images/s in process vs ``--workers N`` vs ``--cluster local``, and Dask's cost per task.

Why one script: the three modes are measured side by side in one run on the same photos,
so a busy machine slows them alike (the load average is printed with the numbers). Also
measured: 200 no-op tasks through a LocalCluster client (the scheduler's cost per task)
and the same photos in tasks of 1 image vs tasks of many (its cost per image).
Numbers go to docs/SCALING.md with the command that made them.

    PYTHONPATH=/path/to/dask python scripts/cluster_benchmark.py \
        --images DIR --count 480 --model models/default
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from capdesk.cluster.dask_backend import run_dask
from capdesk.cluster.runner import batches_of, distributed_rows
from capdesk.cluster.work import WorkSettings
from capdesk.engine import Captioner, load_spec
from capdesk.imaging import expand_paths


def _photos(source: Path, count: int, folder: Path) -> list[Path]:
    originals = list(expand_paths([source]))
    paths = []
    for i in range(count):
        original = originals[i % len(originals)]
        path = folder / f"{i:06d}{original.suffix}"
        shutil.copyfile(original, path)
        paths.append(path)
    return paths


def _rate(label: str, count: int, seconds: float) -> float:
    print(f"{label:<34} {count:6d} images {seconds:7.1f} s {count / seconds:7.2f} images/s")
    return count / seconds


def _distributed(paths: list[Path], settings: WorkSettings, workers: int,
                 cluster: str | None, task_size: int) -> float:
    started = time.perf_counter()
    rows = sum(len(r) for r in distributed_rows(paths, settings, workers=workers,
                                                cluster=cluster, task_size=task_size))
    assert rows == len(paths)
    return time.perf_counter() - started


def _task_sizes(small: list[Path], settings: WorkSettings, workers: int) -> None:
    """The same photos in 1-image tasks vs one task per worker, on one warm cluster."""
    import distributed  # noqa: PLC0415 - optional

    started = time.perf_counter()
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        print(f"LocalCluster({workers}) + client started in "
              f"{time.perf_counter() - started:.1f} s")
        share = max(1, len(small) // workers)
        timings = {}
        for size in (share, 1, share):  # big tasks first and last: drift shows
            batches = batches_of(small, size)
            started = time.perf_counter()
            rows = sum(len(r) for _, r in run_dask(batches, settings, "", None, client=client))
            assert rows == len(small)
            seconds = time.perf_counter() - started
            timings.setdefault(size, []).append(seconds)
            _rate(f"  warm cluster, {size} a task", len(small), seconds)
        big = min(timings[share])
        extra = (timings[1][0] - big) / len(small) * 1000
        print(f"extra wall time per 1-image task: {extra:.1f} ms ({workers} workers)")


def _noop(index: int) -> int:
    return index


def _scheduler_cost(tasks: int, workers: int) -> None:
    import distributed  # noqa: PLC0415 - optional

    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        client.gather(client.map(_noop, range(10), pure=False))  # warm up
        started = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        seconds = time.perf_counter() - started
        print(f"{tasks} no-op tasks on {workers} workers: {seconds:.3f} s = "
              f"{seconds / tasks * 1000:.2f} ms per task")
        started = time.perf_counter()
        for future in distributed.as_completed(
                [client.submit(_noop, i, pure=False) for i in range(tasks)]):
            future.result()
        seconds = time.perf_counter() - started
        print(f"{tasks} no-op tasks via as_completed: {seconds / tasks * 1000:.2f} ms per task")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--count", type=int, default=480)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--task-size", type=int, default=64)
    parser.add_argument("--small-count", type=int, default=96,
                        help="photos for the 1-image vs many-image task comparison")
    parser.add_argument("--order", default="process,workers,cluster",
                        help="the modes to time, in this order (repeat one to see drift)")
    args = parser.parse_args()
    print("load average before:", " ".join(f"{v:.2f}" for v in os.getloadavg()))
    spec = load_spec(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        paths = _photos(args.images, args.count, Path(tmp))
        threads = max(1, (os.cpu_count() or 2) // args.workers)
        settings = WorkSettings(str(spec.directory.resolve()), "cpu", threads, None, 8)
        for mode in args.order.split(","):
            if mode == "process":
                started = time.perf_counter()
                with Captioner(spec.directory, provider="cpu") as captioner:
                    done = sum(1 for _ in captioner.caption_paths(paths, batch_size=8))
                _rate("in process (all cores)", done, time.perf_counter() - started)
            elif mode == "workers":
                _rate(f"--workers {args.workers}", len(paths),
                      _distributed(paths, settings, args.workers, None, args.task_size))
            elif mode == "cluster":
                _rate(f"--cluster local ({args.workers} workers)", len(paths),
                      _distributed(paths, settings, args.workers, "local", args.task_size))
            print("  load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()))
        _task_sizes(paths[: args.small_count], settings, args.workers)
    _scheduler_cost(200, args.workers)
    print("load average after:", " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
