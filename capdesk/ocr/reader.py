"""``TextReader``: the one entry point the engine uses to read the text in a photo.

Engines (chosen by measurement, docs/OCR.md):

* ``tesseract`` — Tesseract 5 (child process) on an upscaled grey image: best and fastest on
  documents (receipts, forms, letters, screens);
* ``onnx`` — CRAFT + EasyOCR english_g2 by onnxruntime: reads scene text Tesseract misses,
  but costs seconds per photo on a laptop CPU;
* ``auto`` — the cheap gate first: a photo that looks like a document goes to Tesseract; if
  Tesseract finds little there, or the photo does not look like a document, the ONNX pair reads
  it (when its model files are present).

``text_check`` is the cheap part alone (~1 ms): callers use it to skip reading photos with no
text at all, which keeps the cost on ordinary photos negligible.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from capdesk.ocr.gate import TextGate
from capdesk.ocr.onnx_engine import OnnxEngine, OnnxSettings
from capdesk.ocr.tesseract import TesseractEngine, TesseractSettings
from capdesk.ocr.types import OcrError, VisibleText

log = logging.getLogger(__name__)

ENGINES = ("tesseract", "onnx", "auto")
# Chosen on the fit halves (docs/OCR.md); the model folder's manifest may override them.
DEFAULT_TESSERACT = TesseractSettings(psm=3, oem=1, lang="eng", min_long_side=2560,
                                      remove_rules=True)
MIN_DOCUMENT_WORDS = 5


class TextReader:
    """Reads the text in an RGB uint8 (H, W, 3) array; see the module docstring for engines."""

    def __init__(self, model_dir: Path | str | None = None, engine: str = "auto",
                 tesseract: str | None = None, threads: int = 2, canvas: int | None = None,
                 tesseract_settings: TesseractSettings | None = None,
                 onnx_overrides: dict[str, float] | None = None) -> None:
        if engine not in ENGINES:
            raise OcrError(f"unknown OCR engine {engine!r}; use one of {', '.join(ENGINES)}")
        self.engine = engine
        self.model_dir = Path(model_dir) if model_dir is not None else None
        manifest: dict = {}
        if self.model_dir is not None:
            if not self.model_dir.is_dir():
                raise OcrError(f"OCR model folder not found: {self.model_dir}")
            mpath = self.model_dir / "manifest.json"
            manifest = json.loads(mpath.read_text()) if mpath.is_file() else {}
        elif engine == "onnx":
            raise OcrError("the onnx OCR engine needs a model folder (models/ocr)")
        self.manifest = manifest
        self.gate = self._load_gate()
        self.tesseract: TesseractEngine | None = None
        if engine in ("tesseract", "auto"):
            tset = tesseract_settings or (TesseractSettings(**manifest["tesseract"])
                                          if manifest.get("tesseract") else DEFAULT_TESSERACT)
            try:
                self.tesseract = TesseractEngine(tset, tesseract, threads)
            except OcrError:
                if engine == "tesseract" or self.model_dir is None:
                    raise
                log.warning("Tesseract not found; reading text with the ONNX models only")
        self.onnx: OnnxEngine | None = None
        if engine == "onnx" or (engine == "auto" and self._has_onnx()):
            fields = {**manifest.get("onnx", {}), **(onnx_overrides or {})}
            if canvas:
                fields["canvas"] = canvas
            oset = OnnxSettings(**fields)
            assert self.model_dir is not None
            self.onnx = OnnxEngine(self.model_dir, oset, threads)

    def _has_onnx(self) -> bool:
        if self.model_dir is None:
            return False
        files = self.manifest.get("files", {})
        return all((self.model_dir / files.get(k, d)).is_file()
                   for k, d in (("detector", "craft.onnx"), ("recogniser", "recogniser.onnx")))

    def _load_gate(self) -> TextGate | None:
        if self.model_dir is None or not (self.model_dir / "gate.json").is_file():
            return None
        return TextGate.load(self.model_dir / "gate.json")

    def describe(self) -> str:
        parts = [self.engine]
        if self.tesseract:
            parts.append(self.tesseract.settings.name())
        if self.onnx:
            parts.append(self.onnx.settings.name())
        return " ".join(parts)

    def text_check(self, rgb: np.ndarray) -> float:
        """Probability (0-1) from the cheap gate that the photo is mostly text; 1.0 without a
        gate file, so that nothing is skipped by mistake."""
        return self.gate.probability(rgb) if self.gate else 1.0

    def read(self, rgb: np.ndarray) -> VisibleText:
        if rgb.ndim != 3 or rgb.shape[2] < 3:
            raise OcrError(f"expected an RGB array (H, W, 3), got shape {rgb.shape}")
        rgb = np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)
        if self.engine == "tesseract" or self.onnx is None:
            assert self.tesseract is not None
            return self.tesseract.read(rgb)
        if self.engine == "onnx" or self.tesseract is None:
            return self.onnx.read(rgb)
        assert self.onnx is not None
        if self.gate is None or self.gate.passes(rgb):
            doc = self.tesseract.read(rgb)
            if len(doc.text.split()) >= MIN_DOCUMENT_WORDS:
                return doc
        return self.onnx.read(rgb)
