"""Issue 23's checks at its own scale: 2,000 photos through ``--cluster local``, with a kill.

Why a script and not a test: at 2,000 photos the runs take minutes, too long for CI,
which runs the same checks on 200 photos (tests/cluster). This prints one line per run
and exits 1 when a check fails:

1. the plain in-process run (the reference captions);
2. ``--cluster local --jsonl``: as many rows as photos, each path once, the same captions;
3. the same with one Dask worker process SIGKILLed after ``--kill-after`` rows;
4. ``--workers 2 --csv``, the whole run SIGKILLed after ``--kill-after`` rows, then the
   same command plus ``--resume``: every photo once, the same captions.

Run from the repository (dask.distributed installed, the capdesk[cluster] extra)::

    PYTHONPATH=. python scripts/cluster_scale_check.py --count 2000

``--model`` defaults to a tiny random-weights model built in the work folder (the
captions are nonsense, but equal captions still prove each photo was captioned by the
same model the same way); give ``--model models/default`` for the real one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.cluster.runs import (
    captions,
    rows,
    run,
    run_killed,
    run_killing_a_worker,
)
from tests.conftest import write_photo
from tests.support.tiny_model import build_tiny_model


def _check(name: str, table: Path, reference: dict[str, object] | None, count: int,
           seconds: float, note: str = "") -> bool:
    found = rows(table)
    paths = {str(r["path"]) for r in found}
    same = reference is None or (len(paths) == len(found) and captions(table) == reference)
    ok = len(found) == count and len(paths) == count and same
    print(f"{name:44s} {len(found):5d} rows {len(paths):5d} paths  same captions: "
          f"{'yes' if same else 'NO'}  {seconds:6.1f} s  {'ok' if ok else 'FAILED'} {note}",
          flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--kill-after", type=int, default=500, metavar="ROWS")
    parser.add_argument("--model", type=Path, default=None,
                        help="model folder (default: a tiny random-weights model)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for photos and tables (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="capdesk-scale-"))
    photos = work / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        target = photos / f"photo{i:05d}.jpg"
        if not target.exists():
            write_photo(target, size=(64, 48), seed=i)
    model = args.model or build_tiny_model(work / "tiny-model")
    model = model.resolve()
    print(f"{args.count} photos in {photos}, model {model}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    ok = True

    def timed(name: str, table: Path, action: object, *extra: str | Path) -> float:
        table.unlink(missing_ok=True)
        started = time.monotonic()
        if action == "run":
            option = "--csv" if table.suffix == ".csv" else "--jsonl"
            done = run(model, photos, "--model", model, *extra, option, table)
            if done.returncode != 0:
                raise SystemExit(f"{name}: exit {done.returncode}\n{done.stderr}")
        else:
            run_killing_a_worker(model, table, args.kill_after, photos, "--model", model,
                                 *extra)
        return time.monotonic() - started

    reference_table = work / "in_process.jsonl"
    seconds = timed("in process", reference_table, "run")
    ok &= _check("in process (reference)", reference_table, None, args.count, seconds)
    reference = captions(reference_table)

    table = work / "cluster.jsonl"
    seconds = timed("cluster", table, "run", "--cluster", "local")
    ok &= _check("--cluster local", table, reference, args.count, seconds)

    table = work / "cluster_killed.jsonl"
    seconds = timed("cluster, worker killed", table, "kill", "--cluster", "local")
    ok &= _check(f"--cluster local, a worker killed at {args.kill_after}", table,
                 reference, args.count, seconds)

    table = work / "resumed.csv"
    table.unlink(missing_ok=True)
    full = (photos, "--model", model, "--workers", "2", "--csv", table)
    started = time.monotonic()
    partial = run_killed(model, table, args.kill_after, *full)
    resumed = run(model, *full, "--resume")
    if resumed.returncode != 0:
        raise SystemExit(f"resume: exit {resumed.returncode}\n{resumed.stderr}")
    ok &= _check("--workers 2 --csv, run killed, --resume", table, reference, args.count,
                 time.monotonic() - started, f"({partial} rows before the kill)")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{'all checks passed' if ok else 'A CHECK FAILED'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.TimeoutExpired as exc:
        sys.exit(f"timed out: {exc}")
