"""Images per second with English only and with four languages, side by side in one run.

The encoder is shared, so a further language should cost only its decoder (issue 21,
item 6). Until lang-train's decoders are in ``models/default`` the extra languages are
FAKE: ``tests/support/fake_languages.py`` adds zh, de and ar decoders with random
weights at the size of one member of capdesk's training configuration (hidden 512,
embedding 256, 3000-token vocabulary, an init graph on the first member's 81 feature
rows), each its own graph. Random weights rarely end a caption, so every fake caption is
``--fake-length`` tokens long; the script prints the real English tokens per caption so
the two can be compared. With ``--real`` the model folder's own languages are used.

The two arms alternate chunk by chunk (``--chunk`` photos, default two batches, the order
flipping every chunk) over the same photos, so a background job that comes and goes slows
both alike; each arm's images/s is its photos over its summed time, and every pass over the
photos gives one ratio. ``--main DIR`` compares English-only captioning of another checkout
(the lead's main) with this one the same way: two long-lived child processes, each
importing its own checkout's ``capdesk`` and captioning a chunk when told, one at a time.
Per-chunk runs do not overlap one chunk's decoding with the previous chunk's model run as a
long ``capdesk bench`` does, so absolute images/s are a little below bench's.

    python scripts/language_benchmark.py --images /tmp/capdesk-bench/small --passes 3
    python scripts/language_benchmark.py --images /tmp/capdesk-bench/small --main /work/main
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from capdesk.engine import Captioner, StageTimes  # noqa: E402
from capdesk.imaging import expand_paths  # noqa: E402
from tests.support.fake_languages import build_language_model  # noqa: E402

LANGUAGES = "en,zh,de,ar"


def _chunks(paths: list[Path], size: int, passes: int) -> list[list[Path]]:
    return [paths[i : i + size] for _ in range(passes) for i in range(0, len(paths), size)]


def languages_side_by_side(args: argparse.Namespace, paths: list[Path]) -> dict:
    arms = ("en", LANGUAGES)
    seconds = dict.fromkeys(arms, 0.0)
    per_pass: list[dict[str, float]] = []
    tokens: dict[str, list[int]] = {}
    images = 0
    with tempfile.TemporaryDirectory(prefix="capdesk-lang-bench-") as tmp:
        model = args.model
        if not args.real:
            model = build_language_model(args.model, Path(tmp) / "model", shared_step=(),
                                         max_length=args.fake_length)
        with Captioner(model, provider="cpu", threads=args.threads,
                       languages=LANGUAGES) as captioner:
            for arm in arms:  # warm-up
                list(captioner.caption_paths(paths[: args.batch], batch_size=args.batch,
                                             languages=arm))
            captioner.times = StageTimes()
            chunks = _chunks(paths, args.chunk, args.passes)
            per_chunk_pass = len(chunks) // args.passes
            current = dict.fromkeys(arms, 0.0)
            for index, chunk in enumerate(chunks):
                for arm in arms if index % 2 == 0 else arms[::-1]:
                    started = time.perf_counter()
                    for result in captioner.caption_paths(chunk, batch_size=args.batch,
                                                          languages=arm):
                        if arm == LANGUAGES:
                            for entry in result.captions:
                                tokens.setdefault(entry.lang, []).append(len(entry.words))
                    took = time.perf_counter() - started
                    seconds[arm] += took
                    current[arm] += took
                images += len(chunk)
                if (index + 1) % per_chunk_pass == 0:
                    count = sum(len(c) for c in chunks[index + 1 - per_chunk_pass : index + 1])
                    per_pass.append({arm: count / current[arm] for arm in arms})
                    print(f"pass {len(per_pass)}: en {per_pass[-1]['en']:.2f}/s, {LANGUAGES} "
                          f"{per_pass[-1][LANGUAGES]:.2f}/s", flush=True)
                    current = dict.fromkeys(arms, 0.0)
            extra = captioner.times.extra
    return {
        "fake_languages": not args.real,
        "images_per_arm": images,
        "english_images_per_second": round(images / seconds["en"], 2),
        "four_languages_images_per_second": round(images / seconds[LANGUAGES], 2),
        "ratio_four_to_english": round(seconds["en"] / seconds[LANGUAGES], 3),
        "ratio_per_pass": [round(p[LANGUAGES] / p["en"], 3) for p in per_pass],
        "ms_per_image_per_extra_language": {
            k.split(".", 1)[1]: round(v * 1000 / images, 1)
            for k, v in extra.items() if k.startswith("decoder.")
        },
        "tokens_per_caption": {k: round(statistics.mean(v), 2) for k, v in tokens.items()},
    }


_CHILD = """
import json, sys, time
from pathlib import Path
from capdesk.engine import Captioner
paths = [Path(p) for p in json.loads(sys.argv[1])]
threads = int(sys.argv[4]) or None
with Captioner(Path(sys.argv[2]), provider="cpu", threads=threads) as captioner:
    batch = int(sys.argv[3])
    list(captioner.caption_paths(paths[:batch], batch_size=batch))
    print("ready", flush=True)
    for line in sys.stdin:
        start, stop = map(int, line.split())
        began = time.perf_counter()
        texts = [r.caption.text if r.caption else "" for r in
                 captioner.caption_paths(paths[start:stop], batch_size=batch)]
        print(json.dumps([time.perf_counter() - began, texts]), flush=True)
"""


def _child(checkout: Path, paths: list[Path], args: argparse.Namespace) -> subprocess.Popen:
    """A process importing ``checkout``'s own capdesk (``-c`` puts its folder first)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps([str(p) for p in paths]), str(args.model),
         str(args.batch), str(args.threads or 0)],
        cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def english_against(args: argparse.Namespace, paths: list[Path]) -> dict:
    children = {"main": _child(args.main, paths, args), "branch": _child(REPO, paths, args)}
    seconds = dict.fromkeys(children, 0.0)
    same = True
    images = 0
    try:
        for index in range(args.passes * ((len(paths) + args.chunk - 1) // args.chunk)):
            start = index * args.chunk % len(paths)
            stop = min(start + args.chunk, len(paths))
            texts = {}
            for name in children if index % 2 == 0 else list(children)[::-1]:
                child = children[name]
                assert child.stdin is not None and child.stdout is not None
                child.stdin.write(f"{start} {stop}\n")
                child.stdin.flush()
                took, texts[name] = json.loads(child.stdout.readline())
                seconds[name] += took
            same = same and texts["main"] == texts["branch"]
            images += stop - start
    finally:
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait()
    return {
        "images_per_arm": images,
        "main_images_per_second": round(images / seconds["main"], 2),
        "branch_images_per_second": round(images / seconds["branch"], 2),
        "ratio_branch_to_main": round(seconds["main"] / seconds["branch"], 3),
        "same_captions": same,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, metavar="DIR")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "default")
    parser.add_argument("--passes", type=int, default=3, help="passes over the photos")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=16, help="photos per alternation")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--fake-length", type=int, default=12, metavar="N",
                        help="tokens per fake caption (default 12)")
    parser.add_argument("--real", action="store_true",
                        help="use the model folder's own languages instead of fake ones")
    parser.add_argument("--main", type=Path, default=None, metavar="DIR",
                        help="also compare English-only `capdesk bench` with this checkout")
    args = parser.parse_args()
    paths = list(expand_paths([args.images], recursive=True))
    if not paths:
        parser.error(f"no images in {args.images}")
    report: dict[str, object] = {"load_average_before": os.getloadavg()}
    if args.main is None:
        report["languages"] = languages_side_by_side(args, paths)
    else:
        report["english_vs_main"] = english_against(args, paths)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
