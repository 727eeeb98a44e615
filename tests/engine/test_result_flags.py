"""Photo-quality flags reach every caption result, with messages, beside the trust flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from capdesk.domain import FLAG_MESSAGES
from capdesk.domain.flags import BLURRED, TOO_DARK, TOO_SMALL
from capdesk.engine import Captioner, ModelError
from tests.support.scenes import synthetic_scene


def _sharp(path: Path, size: int = 320) -> Path:
    """A sharp, well-exposed synthetic scene, large enough to describe."""
    Image.fromarray(synthetic_scene(size=(size, size))).save(path, quality=95)
    return path


def test_quality_flags_come_with_messages(tiny_model_dir: Path, tmp_path: Path) -> None:
    sharp = _sharp(tmp_path / "sharp.jpg")
    dark = tmp_path / "dark.jpg"
    Image.new("RGB", (320, 320), (3, 3, 3)).save(dark)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (40, 30), (120, 80, 40)).save(tiny)
    blurred = tmp_path / "blurred.png"
    Image.open(sharp).filter(ImageFilter.GaussianBlur(8)).save(blurred)
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        results = {r.path.name: r for r in engine.caption_paths([sharp, dark, tiny, blurred])}
        assert engine.times.extra["quality"] > 0
    assert all(r.ok for r in results.values())
    assert results["sharp.jpg"].flag_codes == ()
    assert TOO_DARK in results["dark.jpg"].flag_codes
    assert TOO_SMALL in results["tiny.png"].flag_codes
    assert BLURRED in results["blurred.png"].flag_codes
    for result in results.values():
        for flag in result.flags:
            assert flag.message == FLAG_MESSAGES[flag.code]


def test_a_model_folder_can_set_the_quality_thresholds(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["quality"] = {"min_side": 10}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    tiny = tmp_path / "tiny.png"
    _sharp(tmp_path / "s.jpg", size=64)
    Image.open(tmp_path / "s.jpg").save(tiny)
    with Captioner(folder, provider="cpu", threads=1) as engine:
        (result,) = engine.caption_paths([tiny])
    assert TOO_SMALL not in result.flag_codes

    manifest["quality"] = {"no_such_threshold": 1}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="quality"):
        Captioner(folder, provider="cpu", threads=1)
