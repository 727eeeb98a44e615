"""``capdesk bench``: end-to-end throughput and latency, per stage, as one JSON object.

Throughput runs the same ``caption_paths`` the app uses (decode in a thread pool overlapping
the model); stage times are summed per stage, so decode time can exceed wall time / images
when decoding overlaps inference. Latency is one image alone, the app's first-result wait.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from capdesk.cli.caption import add_model_options
from capdesk.domain import usable_cpu_count
from capdesk.engine import Captioner, StageTimes
from capdesk.imaging import expand_paths


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure images/second and latency",
        description="Caption every image in DIR (recursively) and print one JSON object with "
        "images/second end to end, milliseconds per stage and single-image latency.",
    )
    parser.add_argument("--images", type=Path, required=True, metavar="DIR")
    parser.add_argument("--batch", type=int, default=8, metavar="N")
    parser.add_argument("--limit", type=int, default=None, metavar="N")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="pass over the images N times (more stable figures)")
    parser.add_argument("--latency-runs", type=int, default=10, metavar="N")
    add_model_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    paths = list(expand_paths([args.images], recursive=True))[: args.limit]
    if not paths:
        sys.stderr.write(f"capdesk: no images in {args.images}\n")
        return 1
    with Captioner(args.model, provider=args.provider, threads=args.threads) as captioner:
        beam = args.beam or captioner.spec.beam_size
        # Warm-up: first runs allocate memory and pick kernels.
        list(captioner.caption_paths(paths[: args.batch], beam_size=beam, batch_size=args.batch))
        captioner.times = StageTimes()
        started = time.perf_counter()
        ok = 0
        for _ in range(max(1, args.repeat)):
            for result in captioner.caption_paths(paths, beam_size=beam, batch_size=args.batch):
                ok += result.ok
        wall = time.perf_counter() - started
        stages = captioner.times
        captioner.times = StageTimes()
        latencies = []
        for path in (paths * args.latency_runs)[: args.latency_runs]:
            t0 = time.perf_counter()
            list(captioner.caption_paths([path], beam_size=beam, batch_size=1))
            latencies.append((time.perf_counter() - t0) * 1000.0)
        report: dict[str, Any] = {
            "images": stages.images,
            "captioned": ok,
            "batch": args.batch,
            "beam": beam,
            "provider": captioner.provider,
            "threads": args.threads,  # None: the engine's default for the usable cores
            "usable_cpus": usable_cpu_count(),
            "model": captioner.model_name,
            "images_per_second": round(stages.images / wall, 2),
            "ms_per_image": {
                "end_to_end": round(wall * 1000.0 / stages.images, 2),
                "decode": round(stages.decode * 1000.0 / stages.images, 2),
                "encoder": round(stages.encoder * 1000.0 / stages.images, 2),
                "search": round(stages.search * 1000.0 / stages.images, 2),
                # per-image extras the engine timed, e.g. "trust" (the trust estimate)
                **{k: round(v * 1000.0 / stages.images, 3) for k, v in stages.extra.items()},
            },
            "single_image_latency_ms": {
                "median": round(statistics.median(latencies), 2),
                "min": round(min(latencies), 2),
                "max": round(max(latencies), 2),
            },
            "wall_seconds": round(wall, 2),
        }
    sys.stdout.write(json.dumps(report) + "\n")
    return 0
