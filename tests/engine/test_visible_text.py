"""The text step in the engine: the gate on every photo, reading only when asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from capdesk.domain import FLAG_MESSAGES
from capdesk.domain.flags import MOSTLY_TEXT, TOO_BRIGHT
from capdesk.engine import Captioner, ModelError
from capdesk.engine.visible_text import TextRule, TextStage, default_ocr_dir
from capdesk.ocr import Line, VisibleText
from tests.support.documents import render_receipt
from tests.support.scenes import synthetic_scene


def test_gate_flags_a_document_and_reads_nothing_by_default(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    if not (default_ocr_dir() / "gate.json").is_file():
        pytest.skip(f"no text gate in {default_ocr_dir()}")
    receipt = render_receipt(tmp_path / "receipt.jpg")
    scene = tmp_path / "scene.jpg"
    Image.fromarray(synthetic_scene(size=(320, 320))).save(scene, quality=95)
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        results = {r.path.name: r for r in engine.caption_paths([receipt, scene])}
        assert engine.times.extra["text_check"] > 0
        assert "read_text" not in engine.times.extra
    assert MOSTLY_TEXT in results["receipt.jpg"].flag_codes
    assert MOSTLY_TEXT not in results["scene.jpg"].flag_codes
    flag = next(f for f in results["receipt.jpg"].flags if f.code == MOSTLY_TEXT)
    assert flag.message == FLAG_MESSAGES[MOSTLY_TEXT]
    assert all(r.visible_text is None for r in results.values())


def test_a_white_page_is_mostly_text_not_over_exposed(tiny_model_dir: Path,
                                                      tmp_path: Path) -> None:
    if not (default_ocr_dir() / "gate.json").is_file():
        pytest.skip(f"no text gate in {default_ocr_dir()}")
    page = render_receipt(tmp_path / "page.jpg", paper=(255, 255, 255))
    white = tmp_path / "white.jpg"
    Image.new("RGB", (600, 800), (255, 255, 255)).save(white, quality=95)
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        results = {r.path.name: r for r in engine.caption_paths([page, white])}
    assert MOSTLY_TEXT in results["page.jpg"].flag_codes
    assert TOO_BRIGHT not in results["page.jpg"].flag_codes
    assert TOO_BRIGHT in results["white.jpg"].flag_codes  # nothing on it: washed out


def test_without_an_ocr_folder_reading_is_refused_or_skipped(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "no-ocr"
    with pytest.raises(ModelError, match="OCR model folder"):
        Captioner(tiny_model_dir, provider="cpu", threads=1, read_text=True, ocr_dir=missing)
    with Captioner(tiny_model_dir, provider="cpu", threads=1, read_text="auto",
                   ocr_dir=missing) as engine:
        (result,) = engine.caption_paths([render_receipt(tmp_path / "r.jpg")])
    assert result.ok and result.visible_text is None and MOSTLY_TEXT not in result.flag_codes
    with pytest.raises(ValueError, match="read_text"):
        TextStage(missing, read_text="yes")  # type: ignore[arg-type]


def test_the_rule_thresholds_come_from_the_ocr_manifest(tmp_path: Path) -> None:
    if not (default_ocr_dir() / "gate.json").is_file():
        pytest.skip(f"no text gate in {default_ocr_dir()}")
    folder = tmp_path / "ocr"
    folder.mkdir()
    shutil.copy(default_ocr_dir() / "gate.json", folder / "gate.json")
    (folder / "manifest.json").write_text(json.dumps({"mostly_text": {"gate": 0.5,
                                                                       "coverage": 0.2}}))
    stage = TextStage(folder)
    assert stage.rule == TextRule(0.5, 0.2) and not stage.reads
    (folder / "manifest.json").write_text(json.dumps({"mostly_text": {"gate": "high"}}))
    with pytest.raises(ModelError, match="mostly_text"):
        TextStage(folder)


def test_coverage_of_read_text_also_makes_a_photo_mostly_text() -> None:
    rule = TextRule(gate=0.8, coverage=0.1)
    page = VisibleText([Line("TOTAL 3.20", (0, 0, 10, 10), 0.9)], coverage=0.3)
    sparse = VisibleText([Line("EXIT", (0, 0, 10, 10), 0.9)], coverage=0.02)
    assert rule.mostly_text(0.9, None)
    assert rule.mostly_text(0.7, page)
    assert not rule.mostly_text(0.7, sparse)
    assert not rule.mostly_text(0.7, VisibleText([], coverage=0.5))  # boxes without text


def test_a_failing_reader_loses_the_text_not_the_caption(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    if not (default_ocr_dir() / "gate.json").is_file():
        pytest.skip(f"no text gate in {default_ocr_dir()}")

    class TimingOut:
        """Stands in for TextReader: Tesseract hit its time limit."""

        def read(self, rgb: object) -> VisibleText:
            raise subprocess.TimeoutExpired("tesseract", 60)

    receipt = render_receipt(tmp_path / "receipt.jpg")
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        monkeypatch.setattr(engine._text, "reader", TimingOut())
        (result,) = engine.caption_paths([receipt])
        assert "read_text" in engine.times.extra
    assert result.ok and result.visible_text is None
    assert MOSTLY_TEXT in result.flag_codes
