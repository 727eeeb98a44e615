"""Draw a photo's caption word by word with where the model looked, for docs/MODEL.md.

One row per photo: the photo with its caption, then one tile per word with the word's
attention map over the photo, drawn by the same numpy code the app uses for its overlay
(``capdesk.imaging.heatmap``), so the figure shows what a user sees when hovering a word.

    python scripts/attention_figure.py --out docs/attention.jpg \
        ../shared/data/samples/images/1472882567_33dc14c8b6.jpg ...
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from capdesk.domain import CaptionResult
from capdesk.engine import Captioner
from capdesk.imaging.heatmap import attention_heatmap, blend_overlay
from capdesk.imaging.loading import load_rgb

LABEL_HEIGHT = 18


def _tile(rgb: np.ndarray, label: str, size: int) -> Image.Image:
    """A square picture with a label strip under it."""
    tile = Image.new("RGB", (size, size + LABEL_HEIGHT), "white")
    tile.paste(Image.fromarray(rgb).resize((size, size), Image.Resampling.BILINEAR))
    ImageDraw.Draw(tile).text((4, size + 3), label, fill="black")
    return tile


def _row(result: CaptionResult, size: int, max_words: int) -> Image.Image:
    caption = result.caption
    if caption is None:
        raise SystemExit(f"{result.path}: {result.error}")
    photo = load_rgb(result.path, max_side=4 * size)
    tiles = [_tile(photo, result.path.name[:24], size)]
    height, width = photo.shape[:2]
    for word, alpha in list(zip(caption.words, caption.attention, strict=True))[:max_words]:
        heat = attention_heatmap(alpha, (width, height))
        tiles.append(_tile(blend_overlay(photo, heat, opacity=0.6), word, size))
    row = Image.new("RGB", (len(tiles) * (size + 4), size + LABEL_HEIGHT + 4), "white")
    for i, tile in enumerate(tiles):
        row.paste(tile, (i * (size + 4), 2))
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, nargs="+")
    parser.add_argument("--model", type=Path, default=None, help="default: models/default")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", type=int, default=150, help="tile side in pixels")
    parser.add_argument("--max-words", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with Captioner(args.model) as captioner:
        results = list(captioner.caption_paths(args.photos))
    rows = [_row(result, args.size, args.max_words) for result in results]
    figure = Image.new("RGB", (max(r.width for r in rows), sum(r.height for r in rows)), "white")
    top = 0
    for row, result in zip(rows, results, strict=True):
        figure.paste(row, (0, top))
        top += row.height
        assert result.caption is not None  # _row exits otherwise
        logging.info("%s: %s", result.path.name, result.caption.text)
    figure.save(args.out, optimize=True, quality=85)  # quality: JPEG only
    logging.info("wrote %s (%d x %d)", args.out, figure.width, figure.height)
    return 0


if __name__ == "__main__":
    sys.exit(main())
