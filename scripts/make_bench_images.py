"""Make the benchmark folders `capdesk bench` is run on in docs/PERFORMANCE.md.

`small/` holds the sample photos as they are (about 500×375 JPEGs); `large/` holds the same
photos enlarged to 4000×3000 with fine grain added and saved at quality 90, so the files are
as large and as costly to decode as real 12-megapixel camera JPEGs. The photos come from
../shared/data/samples and are written outside the repository.

    python scripts/make_bench_images.py /tmp/capdesk-bench
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "samples" / "images"
log = logging.getLogger("make_bench_images")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--large", type=int, default=24, help="number of 12-MP images")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    photos = sorted(args.samples.glob("*.jpg"))
    if not photos:
        log.error("no sample photos in %s", args.samples)
        return 1
    small, large = args.out / "small", args.out / "large"
    small.mkdir(parents=True, exist_ok=True)
    large.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for photo in photos:
        shutil.copy2(photo, small / photo.name)
    for photo in (photos * 2)[: args.large]:
        target = large / f"{len(list(large.iterdir())):03d}_{photo.name}"
        with Image.open(photo) as image:
            big = np.asarray(image.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC))
        grain = rng.normal(0, 6, big.shape)
        noisy = np.clip(big + grain, 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(target, quality=90)
    sizes = [p.stat().st_size for p in large.iterdir()]
    log.info("%d small, %d large (mean %.1f MB) in %s", len(photos), len(sizes),
             sum(sizes) / len(sizes) / 1e6, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
