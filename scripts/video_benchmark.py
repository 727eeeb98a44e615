"""Describe a generated 10-minute 1280×720 H.264 slideshow end to end and print where time goes.

The video is a slideshow of the photos in IMAGES (cuts every 5–20 s, a slow pan and a
little noise in every shot), written with libx264 (``--preset``, default ultrafast so the
generation itself stays short; pass e.g. ``--preset veryfast`` for CABAC + B-frames, which
cost more to decode). Generation is not timed. The figure is ``describe_video`` with the
shipped model (loading the model is printed separately), plus the share of decoding,
scene detection, key-frame selection and captioning, and the load average, since other
work on the machine changes the figure.

    python scripts/video_benchmark.py --images DIR [--minutes 10] [--keep FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine import Captioner
from capdesk.video import DescribeOptions, describe_video
from tests.support.videos import write_slideshow


def durations(total: float, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    shots: list[float] = []
    while sum(shots) < total:
        shots.append(float(rng.uniform(5.0, 20.0)))
    shots[-1] -= sum(shots) - total
    if shots[-1] < 2.0:
        shots[-2] += shots.pop()
    return shots


def decode_only(video: Path) -> float:
    """Seconds FFmpeg takes just to decode every frame (threads as describe uses them)."""
    import av  # noqa: PLC0415

    started = time.perf_counter()
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _frame in container.decode(stream):
            pass
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="folder of photos")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default shipped)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--preset", default="ultrafast", help="libx264 preset")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the video here and reuse it when it exists")
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--beam", type=int, default=None)
    args = parser.parse_args()

    photos = sorted(p for p in args.images.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    shots = durations(args.minutes * 60.0, seed=1)
    with tempfile.TemporaryDirectory() as scratch:
        video = args.keep or Path(scratch) / "bench.mp4"
        cuts_file = video.with_suffix(".cuts.txt")
        if video.exists() and cuts_file.exists():
            cuts = [float(x) for x in cuts_file.read_text().split()]
            print(f"reusing {video}")
        else:
            pictures = [Image.open(photos[i % len(photos)]) for i in range(len(shots))]
            started = time.perf_counter()
            cuts = write_slideshow(
                video, pictures, shots, size=(1280, 720), fps=args.fps, crf=23,
                options={"preset": args.preset},
            )
            cuts_file.write_text(" ".join(f"{c:.3f}" for c in cuts))
            print(f"generated {video} ({video.stat().st_size / 1e6:.1f} MB, {len(shots)} shots) "
                  f"in {time.perf_counter() - started:.1f} s (not counted)")

        load_before = os.getloadavg()
        started = time.perf_counter()
        captioner = Captioner(args.model)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = describe_video(video, captioner, DescribeOptions(every=args.every,
                                                                  beam_size=args.beam))
        total = time.perf_counter() - started
        captioner.close()
        load_after = os.getloadavg()
        floor = decode_only(video)

    duration = result.info.duration
    starts = [c.start for c in result.cues]
    found = sum(1 for cut in cuts if min(abs(s - cut) for s in starts) <= 0.5)
    print(f"video: {duration:.1f} s, {result.info.width}x{result.info.height} "
          f"{result.info.codec} {args.fps} fps, libx264 preset {args.preset}")
    print(f"model loaded in {loaded:.2f} s ({captioner.model_name}, {captioner.provider})")
    print(f"described in {total:.1f} s: {duration / total:.1f}x real time "
          f"({len(result.cues)} cues, {len(result.shots)} shots; {found}/{len(cuts)} cuts "
          "within 0.5 s of a cue start)")
    for stage, seconds in result.seconds.items():
        print(f"  {stage:8s} {seconds:6.1f} s  {100 * seconds / total:5.1f} %")
    print(f"decoding alone (no conversion, no detection), measured right after: {floor:.1f} s")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1 min), {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
