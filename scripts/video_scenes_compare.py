"""Cut detection: capdesk's HSV histogram difference against PySceneDetect's ContentDetector.

Both see the same decoded frames of generated slideshows with known cuts (1280×720 H.264,
shots 1.5–20 s, a pan and noise in every shot): capdesk's detector a 64×36 point-sampled
frame, ContentDetector the 256×144 frame its own downscaling would give for 720p. Printed
per detector and video: cuts found within 0.5 s (recall), false cuts (precision) and the
milliseconds per frame of the frame conversion plus the detector. PySceneDetect's own
``detect()`` with its PyAV backend is timed too, for the cost of letting it decode.

    python scripts/video_scenes_compare.py --images DIR [--seconds 120]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.video.scenes import CutDetector
from tests.support.videos import write_slideshow


def score(found: list[float], cuts: list[float]) -> tuple[int, int]:
    hits = sum(1 for c in cuts if any(abs(f - c) <= 0.5 for f in found))
    false = sum(1 for f in found if all(abs(f - c) > 0.5 for c in cuts))
    return hits, false


def run_both(video: Path) -> dict[str, tuple[list[float], float, int]]:
    from scenedetect import ContentDetector, FrameTimecode  # noqa: PLC0415

    container = av.open(str(video))
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    fps = float(stream.average_rate)
    tiny, mid = av.video.reformatter.VideoReformatter(), av.video.reformatter.VideoReformatter()
    ours, theirs = CutDetector(threshold=0.35, min_shot=1.0), ContentDetector(min_scene_len=25)
    found: dict[str, list[float]] = {"histogram": [], "content": []}
    spent = {"histogram": 0.0, "content": 0.0}
    frames = 0
    for frame in container.decode(stream):
        t0 = time.perf_counter()
        small = tiny.reformat(frame, width=64, height=36, format="rgb24", interpolation="POINT")
        if ours.feed(float(frame.time), small.to_ndarray()):
            found["histogram"].append(float(frame.time))
        t1 = time.perf_counter()
        bgr = mid.reformat(frame, width=256, height=144, format="bgr24").to_ndarray()
        for cut in theirs.process_frame(FrameTimecode(frames, fps), bgr):
            found["content"].append(cut.seconds if hasattr(cut, "seconds") else cut / fps)
        t2 = time.perf_counter()
        spent["histogram"] += t1 - t0
        spent["content"] += t2 - t1
        frames += 1
    container.close()
    return {k: (found[k], spent[k], frames) for k in found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    av.logging.set_level(av.logging.ERROR)
    photos = sorted(p for p in args.images.iterdir() if p.suffix.lower() == ".jpg")
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as scratch:
        for noise in (6, 24):
            shots: list[float] = []
            while sum(shots) < args.seconds:
                shots.append(float(rng.uniform(1.5, 20.0)))
            pictures = [Image.open(photos[i % len(photos)]) for i in range(len(shots))]
            video = Path(scratch) / f"noise{noise}.mp4"
            cuts = write_slideshow(video, pictures, shots, size=(1280, 720), noise=noise)
            print(f"video noise ±{noise}: {sum(shots):.0f} s, {len(cuts)} cuts")
            for name, (found, spent, frames) in run_both(video).items():
                hits, false = score(found, cuts)
                print(f"  {name:9s} found {hits}/{len(cuts)}, false {false}, "
                      f"{1000 * spent / frames:.2f} ms/frame (conversion + detector)")
            from scenedetect import ContentDetector, detect  # noqa: PLC0415

            started = time.perf_counter()
            scenes = detect(str(video), ContentDetector(min_scene_len=25), backend="pyav")
            elapsed = time.perf_counter() - started
            hits, false = score([s[0].seconds for s in scenes[1:]], cuts)
            print(f"  scenedetect.detect(backend=pyav): found {hits}/{len(cuts)}, false {false}, "
                  f"{elapsed:.1f} s including its own decoding")
    return 0


if __name__ == "__main__":
    sys.exit(main())
