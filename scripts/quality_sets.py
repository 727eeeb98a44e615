"""Generate degraded copies of val and test photos for choosing and checking quality thresholds.

The photo-quality checks (capdesk/imaging/quality.py) must flag photos a blind photographer
should retake (blurred, far too dark, washed out) and leave ordinary photos alone. Flickr8k
and COCO hold few such photos, so this script makes them, at the 224×224 size the datasets
ship in (the same pixels the engine sees after its squash), and writes a manifest saying
exactly what was done to each copy.

Definitions (all at 224×224 px; one copy of each kind per source photo, parameters drawn
uniformly from the ranges with a fixed seed per photo):

- ``gauss_strong``   Gaussian blur, sigma in [3, 6] px
- ``motion_strong``  linear motion blur, length in [12, 30] px, any angle
- ``dark_strong``    exposure error -4 .. -2.5 EV from a *metered* exposure, plus
                     sensor-like noise (sigma 0..2 grey levels after darkening)
- ``bright_strong``  exposure error +2 .. +3 EV from a metered exposure (clipped at white)
- ``gauss_mild``     Gaussian blur, sigma in [0.5, 1.0] px      (must NOT be flagged)
- ``motion_mild``    motion blur, length in [2, 4] px           (must NOT be flagged)
- ``dark_mild``      exposure -1 .. -0.5 EV                      (must NOT be flagged)
- ``bright_mild``    exposure +0.3 .. +0.7 EV                    (must NOT be flagged)
- ``dark_shift``     -4 .. -2.5 EV from the photo as taken      (reported, no target)
- ``bright_shift``   +2 .. +3 EV from the photo as taken        (reported, no target)

Exposure is changed in linear light (sRGB curve undone, × 2^EV, redone). "Metered" means
what a camera's averaging meter does: the photo is first scaled so its mean linear
luminance is 18 % grey, then the error is applied. This is what "a photo 3 stops too
dark" means to a photographer; a shift from the photo as taken is not the same thing: a
night shot brightened by +2 EV is a normally exposed photo, and a snow scene darkened by
-2.5 EV is merely dim, so those shifts are reported but carry no target.

Copies are JPEG quality 90 like the sources. Sets: ``flickr_val`` (split_val.txt),
``coco_val`` (coco_extra split_val.txt) for choosing thresholds; ``flickr_test``
(split_test.txt) for the single final check.

    PYTHONPATH=. python scripts/quality_sets.py --data ../shared/data --out /tmp/capdesk-quality
"""

from __future__ import annotations

import argparse
import json
import logging
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

log = logging.getLogger("quality_sets")

Transform = Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, dict[str, float]]]


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    v = values / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    v = np.clip(values, 0.0, 1.0)
    out = np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)
    return out * 255.0


def exposure(
    rgb: np.ndarray, ev: float, noise: float = 0.0, seed: int = 0, metered: bool = False
) -> np.ndarray:
    """Change exposure by ``ev`` stops in linear light (from a metered exposure if asked);
    optional Gaussian noise in grey levels."""
    linear = srgb_to_linear(rgb.astype(np.float64))
    gain = 2.0**ev
    if metered:
        luminance = float((linear @ np.array([0.2126, 0.7152, 0.0722])).mean())
        gain *= 0.18 / max(luminance, 1e-4)
    out = linear_to_srgb(linear * gain)
    if noise > 0:
        out = out + np.random.default_rng(seed).normal(0.0, noise, out.shape)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def gaussian(rgb: np.ndarray, sigma: float) -> np.ndarray:
    # Pillow's GaussianBlur radius is the standard deviation of the kernel.
    return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(sigma)))


def motion(rgb: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Average of the image shifted along a line: a camera moving straight during exposure."""
    steps = max(2, round(length) + 1)
    half = length / 2.0
    pad = int(np.ceil(half)) + 1
    padded = np.pad(rgb.astype(np.float64), ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    h, w = rgb.shape[:2]
    acc = np.zeros((h, w, 3), dtype=np.float64)
    for t in np.linspace(-half, half, steps):
        dy = round(float(t) * np.sin(angle))
        dx = round(float(t) * np.cos(angle))
        acc += padded[pad + dy : pad + dy + h, pad + dx : pad + dx + w]
    return np.clip(np.round(acc / steps), 0, 255).astype(np.uint8)


def _gauss(lo: float, hi: float) -> Transform:
    def run(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
        sigma = float(rng.uniform(lo, hi))
        return gaussian(rgb, sigma), {"sigma": round(sigma, 3)}

    return run


def _motion(lo: float, hi: float) -> Transform:
    def run(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
        length = float(rng.uniform(lo, hi))
        angle = float(rng.uniform(0.0, np.pi))
        return motion(rgb, length, angle), {"length": round(length, 2), "angle": round(angle, 3)}

    return run


def _exposure(lo: float, hi: float, noise: float = 0.0, metered: bool = False) -> Transform:
    def run(rgb: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
        ev = float(rng.uniform(lo, hi))
        sigma = float(rng.uniform(0.0, noise)) if noise else 0.0
        seed = int(rng.integers(0, 2**31))
        params = {"ev": round(ev, 3), "noise": round(sigma, 3)}
        return exposure(rgb, ev, sigma, seed, metered), params

    return run


TRANSFORMS: dict[str, Transform] = {
    "gauss_strong": _gauss(3.0, 6.0),
    "motion_strong": _motion(12.0, 30.0),
    "dark_strong": _exposure(-4.0, -2.5, noise=2.0, metered=True),
    "bright_strong": _exposure(2.0, 3.0, metered=True),
    "gauss_mild": _gauss(0.5, 1.0),
    "motion_mild": _motion(2.0, 4.0),
    "dark_mild": _exposure(-1.0, -0.5),
    "bright_mild": _exposure(0.3, 0.7),
    "dark_shift": _exposure(-4.0, -2.5, noise=2.0),
    "bright_shift": _exposure(2.0, 3.0),
}


def sources(data: Path) -> dict[str, tuple[Path, list[str]]]:
    flickr = data / "flickr8k"
    coco = data / "coco_extra"

    def names(split: Path) -> list[str]:
        return [line.strip() for line in split.read_text().splitlines() if line.strip()]

    return {
        "flickr_val": (flickr / "images", names(flickr / "split_val.txt")),
        "coco_val": (coco / "images", names(coco / "split_val.txt")),
        "flickr_test": (flickr / "images", names(flickr / "split_test.txt")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside the repo)")
    parser.add_argument("--limit", type=int, default=0, help="photos per set (0 = all)")
    parser.add_argument("--only", nargs="*", help="rewrite only these kinds (others if missing)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for set_name, (folder, all_names) in sources(args.data).items():
        names = all_names[: args.limit] if args.limit else all_names
        out_dir = args.out / set_name
        out_dir.mkdir(parents=True, exist_ok=True)
        rows = []
        done = set(args.only or TRANSFORMS)
        manifest = args.out / f"{set_name}.jsonl"
        old = {}
        if args.only and manifest.exists():
            old = {r["image"]: r for r in map(json.loads, manifest.read_text().splitlines())}
        for name in names:
            rgb = np.asarray(Image.open(folder / name).convert("RGB"))
            stem = Path(name).stem
            rows.append({"image": str(folder / name), "kind": "original", "source": name})
            for kind, transform in TRANSFORMS.items():
                target = out_dir / f"{stem}__{kind}.jpg"
                if kind not in done and str(target) in old and target.exists():
                    rows.append(old[str(target)])  # kept as generated before
                    continue
                rng = np.random.default_rng(zlib.crc32(f"{set_name}/{name}/{kind}".encode()))
                degraded, params = transform(rgb, rng)
                Image.fromarray(degraded).save(target, quality=90)
                rows.append({"image": str(target), "kind": kind, "source": name, **params})
        manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
        log.info("%s: %d photos, %d rows -> %s", set_name, len(names), len(rows), manifest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
