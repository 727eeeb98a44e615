"""Caption the trust estimate's data with the shipped model and cache what it needs.

For every photo of a set: the caption, the decoder features of ``capdesk.engine.trust``
and the pooled encoder outputs (``features`` and ``projection``), saved as one npz per set
under ``--out``. Train photos are only encoded (their pooled features become the reference
set). The generated negatives (blurred, darkened, over-exposed val photos; rendered
documents and screens) are written under ``--out/generated`` first. docs/TRUST.md says
which photos go where.

    python scripts/trust_data.py --data ../shared/data --out /tmp/trust-cache
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.domain import usable_cpu_count
from capdesk.engine import Captioner
from capdesk.engine.trust import FEATURE_NAMES, caption_features, pool_cells
from capdesk.imaging import load_for_model

DECODER_FEATURES = tuple(n for n in FEATURE_NAMES if n != "distance")
OOD_KINDS = ("vizwiz", "scenetext", "icdar2015", "sroie", "funsd")


def read_split(path: Path) -> list[str]:
    return sorted(x.strip() for x in path.read_text().splitlines() if x.strip())


def ood_halves(folder: Path) -> dict[str, list[Path]]:
    """The fixed rule: sort the file names; even positions fit, odd positions check."""
    names = sorted(p.name for p in (folder / "images").iterdir() if p.is_file())
    return {
        "fit": [folder / "images" / n for n in names[0::2]],
        "check": [folder / "images" / n for n in names[1::2]],
    }


class Recorder:
    """Wraps the encoder session to keep each batch's outputs (a script's probe only)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.batches: list[list[np.ndarray]] = []

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        out = self.session.run(names, feeds)
        self.batches.append(out)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def caption_set(captioner: Captioner, paths: list[Path], out: Path) -> None:
    recorder = Recorder(captioner._encoder)
    captioner._encoder = recorder
    rows, texts, started = [], [], time.perf_counter()
    try:
        for result in captioner.caption_paths(paths, batch_size=8):
            cap = result.caption
            if cap is None:
                raise SystemExit(f"{result.path}: {result.error}")
            feats = caption_features(cap.token_log_probs, cap.entropies, cap.attention)
            rows.append([feats[n] for n in DECODER_FEATURES])
            texts.append(cap.text)
    finally:
        captioner._encoder = recorder.session
    pooled = {
        key: np.concatenate([pool_cells(b[i]) for b in recorder.batches])
        for i, key in enumerate(("features", "projection"))
    }
    np.savez(
        out,
        ids=np.array([str(p) for p in paths]),
        captions=np.array(texts),
        decoder=np.array(rows, dtype=np.float64),
        decoder_names=np.array(DECODER_FEATURES),
        pooled_features=pooled["features"].astype(np.float32),
        pooled_projection=pooled["projection"].astype(np.float32),
    )
    print(f"{out.name}: {len(paths)} photos in {time.perf_counter() - started:.0f} s", flush=True)


def encode_set(captioner: Captioner, paths: list[Path], out: Path) -> None:
    pooled: dict[str, list[np.ndarray]] = {"features": [], "projection": []}
    for start in range(0, len(paths), 16):
        pixels = np.stack(
            [load_for_model(p, captioner.spec.input_size, captioner.spec.resample)[0]
             for p in paths[start : start + 16]]
        )
        feats, proj = captioner._encoder.run(
            ["features", "projection"], {"images": captioner.preprocess(pixels)}
        )
        pooled["features"].append(pool_cells(feats))
        pooled["projection"].append(pool_cells(proj))
    np.savez(
        out,
        ids=np.array([str(p) for p in paths]),
        pooled_features=np.concatenate(pooled["features"]),
        pooled_projection=np.concatenate(pooled["projection"]),
    )
    print(f"{out.name}: {len(paths)} photos encoded", flush=True)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf", "LiberationSans-Regular.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


_TEXT = (
    "invoice total date amount paid order number customer account balance please sign "
    "here page of subject dear sir thank you for your letter meeting agenda settings wifi "
    "battery update install cancel ok download file edit view help tablets dose take "
    "twice daily with food keep out of reach children expiry "
)
WORDS = _TEXT.split()


def render_document(rng: random.Random, screen: bool) -> Image.Image:
    """A page of text (black on white) or a screen (a title bar, light text on dark)."""
    w, h = rng.choice([(600, 800), (800, 600), (500, 500)])
    bg = (rng.randint(20, 60),) * 3 if screen else (rng.randint(225, 255),) * 3
    ink = (230, 230, 230) if screen else (rng.randint(0, 40),) * 3
    image = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(image)
    y = 20
    if screen:
        bar = tuple(rng.randint(40, 200) for _ in range(3))
        draw.rectangle([0, 0, w, 50], fill=bar)
        y = 70
    size = rng.randint(14, 28)
    font = _font(size)
    while y < h - size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 9)))
        draw.text((20, y), line.capitalize(), fill=ink, font=font)
        y += int(size * rng.uniform(1.3, 2.0))
    return image


def make_generated(data: Path, out: Path) -> dict[str, list[Path]]:
    """Every fifth Flickr8k val photo (sorted), degraded one way each; plus 80 renders."""
    out.mkdir(parents=True, exist_ok=True)
    val = read_split(data / "flickr8k" / "split_val.txt")[0::5]
    made: dict[str, list[Path]] = {"blurred": [], "dark": [], "bright": [], "document": []}
    for i, name in enumerate(val):
        kind = ("blurred", "dark", "bright")[i % 3]
        image = Image.open(data / "flickr8k" / "images" / name).convert("RGB")
        if kind == "blurred":
            image = image.filter(ImageFilter.GaussianBlur(8))
        elif kind == "dark":
            image = Image.fromarray((np.asarray(image) * 0.12).astype(np.uint8))
        else:
            image = Image.fromarray(np.clip(np.asarray(image) * 2.5 + 120, 0, 255).astype(np.uint8))
        path = out / f"{kind}__{name}"
        image.save(path, quality=90)
        made[kind].append(path)
    rng = random.Random(18)
    for i in range(80):
        path = out / f"document__{i:03d}.png"
        render_document(rng, screen=i % 2 == 1).save(path)
        made["document"].append(path)
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=usable_cpu_count())
    parser.add_argument("--train-every", type=int, default=2, help="keep every Nth train photo")
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = args.data
    sets: dict[str, list[Path]] = {}
    for corpus in ("flickr8k", "coco_extra"):
        for split in ("val", "test"):
            split_file = data / corpus / f"split_{split}.txt"
            if split_file.exists():
                names = read_split(split_file)
                sets[f"{corpus}_{split}"] = [data / corpus / "images" / n for n in names]
    for kind in OOD_KINDS:
        for half, paths in ood_halves(data / "ood" / kind).items():
            sets[f"ood_{kind}_{half}"] = paths
    for kind, paths in make_generated(data, args.out / "generated").items():
        sets[f"gen_{kind}"] = paths
    train = []
    for corpus in ("flickr8k", "coco_extra"):
        names = read_split(data / corpus / "split_train.txt")[:: args.train_every]
        train += [data / corpus / "images" / n for n in names]
    listing = {k: [str(p) for p in v] for k, v in sets.items()}
    (args.out / "sets.json").write_text(json.dumps(listing))
    with Captioner(threads=args.threads) as captioner:
        # Test last: it is scored once at the end, so its captions are the last made.
        for name in sorted(sets, key=lambda n: n.endswith("_test")):
            paths = sets[name]
            if args.only is None or name in args.only:
                caption_set(captioner, paths, args.out / f"{name}.npz")
        if args.only is None or "train" in args.only:
            encode_set(captioner, train, args.out / "train.npz")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
