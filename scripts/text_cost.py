"""What the text gate (and all three per-photo checks) cost, side by side in one run.

Three engines on the same shipped model and photos, in alternating chunks (the order
rotated each chunk) so they share the machine load: ``all`` (trust + quality + text gate,
what ships), ``no_text`` (no OCR folder: no gate), ``none`` (no trust entry, no gate, and
the loader without the quality checks); with ``--separate-grey`` a fourth, ``separate``:
everything as shipped except that the quality checks and the gate each make their own grey
(as before capdesk.imaging.grey), so ``ratio_all_over_separate`` is the shared grey's gain.
Prints images/second per arm, the throughput ratios, and per-stage milliseconds per image
in ``capdesk bench`` terms for the ``all`` arm. Reading text is off in every arm (opt-in).

    python scripts/text_cost.py --data ../shared/data --skip 500 --limit 200 --chunk 20 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.domain import make_flag, usable_cpu_count
from capdesk.domain.flags import MOSTLY_TEXT
from capdesk.engine import Captioner, default_model_dir
from capdesk.engine.captioner import Checked
from capdesk.imaging import assess_quality

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trust_cost import without_trust

ROOT = Path(__file__).resolve().parents[1]


class Unchecked(Captioner):
    """The engine as before the checks: decode only on the loader threads."""

    def load_checked(self, path: Path) -> Checked:
        loaded = self.load(path)
        return loaded if isinstance(loaded, Exception) else (*loaded, (), None)


class SeparateGrey(Captioner):
    """The shipped checks, each making its own grey copy (the code before the shared one)."""

    def load_checked(self, path: Path) -> Checked:
        loaded = self.load(path)
        if isinstance(loaded, Exception):
            return loaded
        pixels, size = loaded
        found = self._text.examine(path, pixels, self.times.extra)  # the gate's own grey
        started = time.perf_counter()
        flags = assess_quality(pixels, size, self._quality, found.score).flags
        self.times.extra["quality"] = (self.times.extra.get("quality", 0.0)
                                       + time.perf_counter() - started)
        if found.mostly_text:
            flags = (*flags, make_flag(MOSTLY_TEXT))
        return pixels, size, flags, found.visible_text


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--skip", type=int, default=500)
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--chunk", type=int, default=40)
    p.add_argument("--threads", type=int, default=usable_cpu_count())
    p.add_argument("--rounds", type=int, default=1, help="passes over the photos")
    p.add_argument("--separate-grey", action="store_true",
                   help="add the arm whose checks each make their own grey")
    args = p.parse_args()
    names = (args.data / "flickr8k" / "split_val.txt").read_text().split()
    paths = [args.data / "flickr8k" / "images" / n
             for n in names[args.skip:args.skip + args.limit]]
    model = default_model_dir()
    with tempfile.TemporaryDirectory() as tmp:
        no_ocr = Path(tmp) / "no-ocr"
        plain = without_trust(model, Path(tmp) / "plain")
        engines = {
            "all": Captioner(model, threads=args.threads),
            "no_text": Captioner(model, threads=args.threads, ocr_dir=no_ocr),
            "none": Unchecked(plain, threads=args.threads, ocr_dir=no_ocr),
        }
        if args.separate_grey:
            engines["separate"] = SeparateGrey(model, threads=args.threads)
        for engine in engines.values():  # warm-up
            list(engine.caption_paths(paths[:8]))
            engine.times = type(engine.times)()
        wall = dict.fromkeys(engines, 0.0)
        order = list(engines)
        chunks = [paths[s:s + args.chunk] for s in range(0, len(paths), args.chunk)]
        for number, chunk in enumerate(chunks * args.rounds):
            turn = number % len(order)  # rotate who goes first: no arm always runs warm/cold
            for name in order[turn:] + order[:turn]:
                engine = engines[name]
                started = time.perf_counter()
                assert all(r.ok for r in engine.caption_paths(chunk))
                wall[name] += time.perf_counter() - started
        times = engines["all"].times
        for engine in engines.values():
            engine.close()
    n = len(paths) * args.rounds
    stage_ms = {"decode": times.decode, "encoder": times.encoder, "search": times.search,
                **times.extra}
    report = {
        "images": n,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "images_per_second": {k: round(n / v, 3) for k, v in wall.items()},
        "ms_per_image_end_to_end": {k: round(v * 1000 / n, 1) for k, v in wall.items()},
        "ratio_all_over_no_text": round(wall["no_text"] / wall["all"], 4),
        "ratio_all_over_none": round(wall["none"] / wall["all"], 4),
        **({"ratio_all_over_separate": round(wall["separate"] / wall["all"], 4)}
           if "separate" in wall else {}),
        "all_arm_stage_ms_per_image": {k: round(v * 1000 / n, 3) for k, v in stage_ms.items()},
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
