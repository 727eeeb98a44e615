"""Describe generated 10-minute 1280×720 H.264 slideshows end to end and print where time goes.

The video is a slideshow of the photos in IMAGES (cuts every 5–20 s, a slow pan and a
little noise in every shot), written with libx264 once per ``--presets`` entry, same
pictures and cuts: ``ultrafast`` (no CABAC, no B-frames: cheap to decode) and, by default,
``veryfast`` (CABAC + 3 B-frames, High profile, as a camera or phone encodes; ``medium``
also works). Generation is not timed. Each video is then described with one loaded model
(``describe_video``; loading is printed separately), one after the other in the same
run, with the share of decoding, scene detection, key-frame selection and captioning,
FFmpeg's decoding alone for that file, and the load average, since other work on the
machine changes the figures.

    python scripts/video_benchmark.py --images DIR [--minutes 10] [--presets ultrafast veryfast]
        [--keep DIR]
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
from capdesk.video import DescribeOptions, VideoDescription, describe_video
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


def encoding(video: Path) -> str:
    """What the encoder did: profile, B-frames, entropy coder (read back from the file)."""
    import av  # noqa: PLC0415

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        b_frames = "B-frames" if context.has_b_frames else "no B-frames"
        return f"{context.name} {context.profile or '?'} profile, {b_frames}"


def generate(
    video: Path, photos: list[Path], shots: list[float], fps: int, preset: str
) -> list[float]:
    cuts_file = video.with_suffix(".cuts.txt")
    if video.exists() and cuts_file.exists():
        print(f"reusing {video}")
        return [float(x) for x in cuts_file.read_text().split()]
    pictures = [Image.open(photos[i % len(photos)]) for i in range(len(shots))]
    started = time.perf_counter()
    cuts = write_slideshow(
        video, pictures, shots, size=(1280, 720), fps=fps, crf=23, options={"preset": preset},
    )
    cuts_file.write_text(" ".join(f"{c:.3f}" for c in cuts))
    print(f"generated {video} ({video.stat().st_size / 1e6:.1f} MB, {len(shots)} shots, "
          f"preset {preset}) in {time.perf_counter() - started:.1f} s (not counted)")
    return cuts


def report(
    preset: str, video: Path, cuts: list[float], result: VideoDescription, total: float,
    floor: float, loads: tuple[float, float],
) -> None:
    duration = result.info.duration
    starts = [c.start for c in result.cues]
    found = sum(1 for cut in cuts if min(abs(s - cut) for s in starts) <= 0.5)
    print(f"\n== libx264 preset {preset}: {video.stat().st_size / 1e6:.1f} MB, "
          f"{encoding(video)}")
    print(f"video: {duration:.1f} s, {result.info.width}x{result.info.height} "
          f"{result.info.codec} {result.info.fps:.0f} fps")
    print(f"described in {total:.1f} s: {duration / total:.1f}x real time "
          f"({len(result.cues)} cues, {len(result.shots)} shots; {found}/{len(cuts)} cuts "
          "within 0.5 s of a cue start)")
    for stage, seconds in result.seconds.items():
        print(f"  {stage:8s} {seconds:6.1f} s  {100 * seconds / total:5.1f} %")
    print(f"decoding alone (no conversion, no detection), measured right after: {floor:.1f} s")
    print(f"load average before {loads[0]:.2f}, after {loads[1]:.2f} (1 min), "
          f"{os.cpu_count()} CPUs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="folder of photos")
    parser.add_argument("--model", type=Path, default=None, help="model folder (default shipped)")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--presets", nargs="+", default=["ultrafast", "veryfast"],
                        help="libx264 presets, one video each (default ultrafast veryfast)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder to write the videos to and reuse them from")
    parser.add_argument("--generate-only", action="store_true",
                        help="write the videos (into --keep) and stop")
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--beam", type=int, default=None)
    args = parser.parse_args()

    photos = sorted(p for p in args.images.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    shots = durations(args.minutes * 60.0, seed=1)
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        videos = {
            preset: folder / f"bench-{args.minutes:g}min-{preset}.mp4" for preset in args.presets
        }
        cuts = {p: generate(v, photos, shots, args.fps, p) for p, v in videos.items()}
        if args.generate_only:
            return 0
        started = time.perf_counter()
        captioner = Captioner(args.model)
        print(f"model loaded in {time.perf_counter() - started:.2f} s "
              f"({captioner.model_name}, {captioner.provider})")
        options = DescribeOptions(every=args.every, beam_size=args.beam)
        for preset, video in videos.items():
            before = os.getloadavg()[0]
            started = time.perf_counter()
            result = describe_video(video, captioner, options)
            total = time.perf_counter() - started
            after = os.getloadavg()[0]
            floor = decode_only(video)
            report(preset, video, cuts[preset], result, total, floor, (before, after))
        captioner.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
