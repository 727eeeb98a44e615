"""What the text check costs on ordinary photos with no text (Flickr8k-like).

Times ``TextReader.text_check`` (the cheap gate) per photo in CPU milliseconds and wall
milliseconds on photos already decoded (the engine hands the gate the 224x224 array it has
loaded for the captioner), and counts how many photos pass the gate and would be read.
Example:

    python scripts/ocr_cost.py /work/shared/data/flickr8k --split split_test.txt --n 300
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.ocr.gate import TextGate


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("folder", type=Path, help="a Flickr8k-like folder with images/ and split files")
    p.add_argument("--split", default="split_val.txt")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--skip", type=int, default=500, help="skip the photos the gate was fitted on")
    p.add_argument("--gate", type=Path, default=Path("models/ocr/gate.json"))
    args = p.parse_args()
    names = (args.folder / args.split).read_text().split()[args.skip:args.skip + args.n]
    photos = [np.asarray(Image.open(args.folder / "images" / n).convert("RGB")) for n in names]
    gate = TextGate.load(args.gate)
    for im in photos[:5]:
        gate.probability(im)                      # warm-up
    c0, w0 = time.process_time(), time.perf_counter()
    passed = sum(gate.passes(im) for im in photos)
    cpu_ms = (time.process_time() - c0) / len(photos) * 1000
    wall_ms = (time.perf_counter() - w0) / len(photos) * 1000
    print(f"{args.folder.name}/{args.split}[{args.skip}:{args.skip + len(photos)}] "
          f"{photos[0].shape[1]}x{photos[0].shape[0]}: gate {cpu_ms:.2f} ms CPU, "
          f"{wall_ms:.2f} ms wall per photo; {passed}/{len(photos)} "
          f"({passed / len(photos):.1%}) pass and would be read")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
