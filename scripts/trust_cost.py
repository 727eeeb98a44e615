"""What the trust estimate costs: the same photos captioned with and without it, alternating.

Builds a second model folder beside ``--tmp`` that links to the same graphs but has no
``trust`` entry in its manifest (what a folder from before the estimate looks like), then
runs ``caption_paths`` on both in alternating rounds in one process, so both see the same
machine load. Prints images/second for each and the ratio. The per-token entropies are
computed by the beam search in both runs; their cost is measured separately.

    python scripts/trust_cost.py --images ../shared/data/flickr8k/images --limit 48 --rounds 4
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.domain import usable_cpu_count
from capdesk.engine import Captioner, default_model_dir
from capdesk.engine.beam import _entropy
from capdesk.imaging import expand_paths


def without_trust(model: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("encoder.onnx", "decoder_step.onnx", "vocab.json"):
        (target / name).symlink_to((model / name).resolve())
    manifest = json.loads((model / "manifest.json").read_text())
    manifest.pop("trust", None)
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=usable_cpu_count())
    args = parser.parse_args()
    model = args.model or default_model_dir()
    paths = sorted(expand_paths([args.images], recursive=True))[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        plain = without_trust(model, Path(tmp) / "plain")
        engines = {"with_trust": Captioner(model, threads=args.threads),
                   "without_trust": Captioner(plain, threads=args.threads)}
        wall = dict.fromkeys(engines, 0.0)
        for engine in engines.values():  # warm-up
            list(engine.caption_paths(paths[:8]))
        for _ in range(args.rounds):
            for name, engine in engines.items():
                started = time.perf_counter()
                results = list(engine.caption_paths(paths))
                wall[name] += time.perf_counter() - started
                assert all(r.ok for r in results)
        trust_stage = engines["with_trust"].times.extra.get("trust", 0.0)
        for engine in engines.values():
            engine.close()
    n = len(paths) * args.rounds
    logits = np.random.default_rng(0).normal(size=(24, 3147)).astype(np.float32)
    started = time.perf_counter()
    for _ in range(500):
        _entropy(logits - np.log(np.exp(logits).sum(1, keepdims=True)))
    entropy_step_ms = (time.perf_counter() - started) * 2.0
    report = {
        "images": n,
        "images_per_second": {k: round(n / v, 3) for k, v in wall.items()},
        "ms_per_image": {k: round(v * 1000 / n, 2) for k, v in wall.items()},
        "throughput_ratio_with_over_without": round(wall["without_trust"] / wall["with_trust"], 4),
        "trust_stage_ms_per_image": round(trust_stage * 1000 / (n + 8), 3),
        "entropy_ms_per_decoder_step_24x3147_incl_normalise": round(entropy_step_ms, 3),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
