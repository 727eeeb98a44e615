"""TextReader behaviour with the real Tesseract binary and the committed ONNX models.

Skips (with the reason) when Tesseract, the DejaVu font or models/ocr is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from capdesk.ocr import OcrError, TextReader
from capdesk.ocr.metrics import counted_words

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
MODELS = Path(__file__).resolve().parents[2] / "models" / "ocr"
WORDS = ["RECEIPT", "Coffee", "Sandwich", "Total", "Thank", "you", "visit", "again"]

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="tesseract binary not installed (apt-get install tesseract-ocr)")
needs_font = pytest.mark.skipif(not FONT.is_file(), reason=f"{FONT} missing (fonts-dejavu-core)")
needs_models = pytest.mark.skipif(not (MODELS / "manifest.json").is_file(),
                                  reason="models/ocr not present")


def rendered_document() -> np.ndarray:
    font = ImageFont.truetype(str(FONT), 28)
    im = Image.new("RGB", (640, 360), "white")
    d = ImageDraw.Draw(im)
    d.text((30, 30), "RECEIPT", font=font, fill="black")
    d.text((30, 90), "Coffee 3.50   Sandwich 6.20", font=font, fill="black")
    d.text((30, 150), "Total 9.70", font=font, fill="black")
    d.text((30, 230), "Thank you, visit again", font=font, fill="black")
    return np.asarray(im)


def found(text: str) -> float:
    read = counted_words(text)
    truth = counted_words(" ".join(WORDS))
    return sum(min(n, read[w]) for w, n in truth.items()) / sum(truth.values())


@needs_tesseract
@needs_font
def test_tesseract_reads_rendered_words_back() -> None:
    result = TextReader(None, engine="tesseract").read(rendered_document())
    assert found(result.text) >= 0.85
    assert result.has_text
    assert 0.0 < result.coverage < 1.0
    assert all(0.0 <= line.confidence <= 1.0 for line in result.lines)


@needs_models
@needs_font
def test_onnx_pair_reads_rendered_words_back() -> None:
    result = TextReader(MODELS, engine="onnx", threads=1, canvas=640).read(rendered_document())
    assert found(result.text) >= 0.85
    assert result.coverage > 0.02


@needs_tesseract
@needs_models
def test_blank_photo_gives_no_text() -> None:
    blank = np.full((300, 400, 3), 128, np.uint8)
    for engine in ("tesseract", "onnx", "auto"):
        result = TextReader(MODELS, engine=engine, threads=1, canvas=640).read(blank)
        assert result.text == "" and not result.has_text and result.coverage == 0.0


@needs_models
@needs_font
def test_gate_rates_a_document_above_a_blank_photo() -> None:
    reader = TextReader(MODELS, engine="onnx", threads=1)
    assert reader.text_check(rendered_document()) > reader.text_check(
        np.full((300, 400, 3), 128, np.uint8))


def test_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OcrError, match="model folder not found"):
        TextReader(tmp_path / "nope", engine="onnx")


def test_empty_model_folder_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OcrError, match=r"craft\.onnx"):
        TextReader(tmp_path, engine="onnx")


def test_missing_tesseract_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OcrError, match="Tesseract was not found"):
        TextReader(None, engine="tesseract", tesseract=str(tmp_path / "no-tesseract"))


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(OcrError, match="unknown OCR engine"):
        TextReader(None, engine="magic")
