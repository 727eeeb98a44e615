"""The model card's attention figure: one row per photo, the photo then one tile per word."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

from capdesk.engine import Captioner
from tests.conftest import REPO, write_photo


def test_the_figure_has_a_photo_tile_and_one_tile_per_word(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    photos = [write_photo(tmp_path / f"p{i}.jpg", (80, 60), seed=i) for i in range(2)]
    out = tmp_path / "figure.png"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "attention_figure.py"), "--model",
         str(tiny_model_dir), "--out", str(out), "--size", "40", "--max-words", "3",
         *map(str, photos)],
        check=True, cwd=REPO, capture_output=True,
    )
    with Captioner(tiny_model_dir) as captioner:
        words = [len(r.caption.words) for r in captioner.caption_paths(photos) if r.caption]
    assert len(words) == 2
    tiles = 1 + min(max(words), 3)  # the widest row: its photo and up to 3 words
    with Image.open(out) as figure:
        assert figure.width == tiles * (40 + 4)
        assert figure.height == 2 * (40 + 18 + 4)
