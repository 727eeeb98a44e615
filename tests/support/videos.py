"""Generated slideshow videos with known cut times, for the video tests and benchmark.

Each shot shows one picture, slowly panning (a crop window that drifts a few pixels per
frame) with a little sensor noise, so consecutive frames of a shot differ and the cut
detector can't rely on frames being identical; the cut to the next picture is hard.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image


def pick_codec() -> str:
    """libx264 when the av wheel has it (it does on PyPI), else FFmpeg's own mpeg4."""
    import av

    try:
        av.Codec("libx264", "w")
    except Exception:
        return "mpeg4"
    return "libx264"


def slide(picture: Image.Image, size: tuple[int, int], margin: float = 0.1) -> np.ndarray:
    """The picture resized to ``size`` grown by ``margin`` (room to pan), as uint8 RGB."""
    width, height = size
    grown = (round(width * (1 + margin)), round(height * (1 + margin)))
    return np.asarray(picture.convert("RGB").resize(grown, Image.Resampling.BILINEAR))


def write_slideshow(
    path: Path,
    pictures: Sequence[Image.Image],
    durations: Sequence[float],
    *,
    size: tuple[int, int] = (320, 180),
    fps: int = 25,
    codec: str | None = None,
    seed: int = 0,
    noise: int = 6,
    crf: int = 28,
    audio: bool = False,
    options: dict[str, str] | None = None,
) -> list[float]:
    """Write the slideshow and return the cut times (start of every shot after the first)."""
    import av

    rng = np.random.default_rng(seed)
    width, height = size
    container = av.open(str(path), "w")
    stream = container.add_stream(codec or pick_codec(), rate=fps)
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    if stream.codec_context.name == "libx264":
        stream.options = {"preset": "ultrafast", "crf": str(crf), **(options or {})}
    else:
        stream.bit_rate = 2_000_000
    audio_stream = container.add_stream("aac", rate=48000) if audio else None
    cuts: list[float] = []
    index = 0
    for shot, (picture, seconds) in enumerate(zip(pictures, durations, strict=True)):
        if shot:
            cuts.append(index / fps)
        big = slide(picture, size)
        # A few noisy copies used in turn: per-frame noise without per-frame random numbers.
        noisy = [_noisy(big, rng, noise) for _ in range(3)]
        room_x, room_y = big.shape[1] - width, big.shape[0] - height
        frames = max(1, round(seconds * fps))
        for i in range(frames):
            x = round(room_x * i / max(frames - 1, 1))
            y = round(room_y * (0.5 + 0.5 * np.sin(i / 40.0)) / 2)
            crop = np.ascontiguousarray(noisy[i % 3][y : y + height, x : x + width])
            frame = av.VideoFrame.from_ndarray(crop, "rgb24")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
            index += 1
    container.mux(stream.encode())
    if audio_stream is not None:
        _silence(container, audio_stream, index / fps)
    container.close()
    return cuts


def _noisy(picture: np.ndarray, rng: np.random.Generator, noise: int) -> np.ndarray:
    if noise <= 0:
        return picture
    shaken = picture.astype(np.int16) + rng.integers(-noise, noise + 1, picture.shape, np.int16)
    return np.clip(shaken, 0, 255).astype(np.uint8)


def _silence(container: object, stream: object, seconds: float) -> None:
    import av

    samples = 1024
    for n in range(int(seconds * 48000 / samples)):
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, samples * 2), dtype=np.float32), format="flt", layout="stereo"
        )
        frame.sample_rate = 48000
        frame.pts = n * samples
        container.mux(stream.encode(frame))  # type: ignore[attr-defined]
    container.mux(stream.encode())  # type: ignore[attr-defined]


def write_audio_only(path: Path, seconds: float = 1.0) -> Path:
    import av

    container = av.open(str(path), "w")
    stream = container.add_stream("aac", rate=48000)
    _silence(container, stream, seconds)
    container.close()
    return path


def sample_pictures(
    count: int, size: tuple[int, int] = (160, 120), seed: int = 0
) -> list[Image.Image]:
    """Distinct smooth random pictures, each with its own dominant colour."""
    rng = np.random.default_rng(seed)
    pictures = []
    for i in range(count):
        base = rng.integers(0, 255, (6, 8, 3)).astype(np.float32)
        hue = np.asarray([(i * 97) % 256, (i * 57 + 80) % 256, (i * 151 + 160) % 256], np.float32)
        mixed = np.clip(0.4 * base + 0.6 * hue, 0, 255).astype(np.uint8)
        pictures.append(Image.fromarray(mixed).resize(size, Image.Resampling.BILINEAR))
    return pictures
