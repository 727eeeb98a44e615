"""The text in a photo, for the engine: a cheap gate on every photo, reading when asked.

Why this split (docs/OCR.md, "Cost of the text check"): the gate costs ~1-2 ms on the
224-px array the loader already made, so it runs on every photo beside the quality checks
and gives the ``mostly_text`` flag. Reading costs ~1.5 CPU-s per document, far over the
captioner's budget, so it runs only when the caller asks (``read_text``) and only on photos
the gate passes. The reader needs document resolution (text is unreadable at 224 px), so
the reading step decodes the file again with its long side up to :data:`DOCUMENT_SIDE`.

``mostly_text`` rule (thresholds in models/ocr/manifest.json ``"mostly_text"``, chosen on
Flickr8k val, docs/TRUST.md "The mostly_text flag"): gate probability ≥ ``gate``; when the
photo was read, also text boxes covering ≥ ``coverage`` of it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from capdesk.domain.resources import install_root
from capdesk.engine.model import ModelError
from capdesk.imaging import ImageLoadError, load_rgb
from capdesk.ocr import OcrError, TextReader, VisibleText
from capdesk.ocr.gate import TextGate

log = logging.getLogger(__name__)

ReadText = bool | Literal["auto"]
"""False: gate only; True: read gated photos (an error when no reader can run); "auto":
read gated photos when a reader can run, else gate only (with a warning)."""

DOCUMENT_SIDE = 2560
"""Long side the reading step decodes to (never enlarged here): docs/OCR.md chose Tesseract
with an upscale to 2560, so a larger decode would only be shrunk again."""


@dataclass(frozen=True)
class TextRule:
    """When a photo is ``mostly_text``: the gate's probability, or the read text's coverage."""

    gate: float
    coverage: float

    def mostly_text(self, score: float, read: VisibleText | None) -> bool:
        if score >= self.gate:
            return True
        return read is not None and read.has_text and read.coverage >= self.coverage


@dataclass(frozen=True)
class TextFinding:
    """What the text step found for one photo on the loader thread."""

    mostly_text: bool
    visible_text: str | None = None
    #: The gate's probability that the photo is mostly text (None: no gate); the quality
    #: checks use it not to call a white page over-exposed.
    score: float | None = None


def default_ocr_dir() -> Path:
    """``models/ocr`` beside the package or in the bundle (next to ``models/default``)."""
    return install_root() / "models" / "ocr"


class TextStage:
    """The gate (always, when models/ocr has one) and the reader (when asked)."""

    def __init__(self, ocr_dir: Path | None = None, read_text: ReadText = False) -> None:
        if read_text not in (False, True, "auto"):
            raise ValueError(f"read_text must be False, True or 'auto', not {read_text!r}")
        self.directory = Path(ocr_dir) if ocr_dir is not None else default_ocr_dir()
        self.gate: TextGate | None = None
        self.rule: TextRule | None = None
        self.reader: TextReader | None = None
        if not (self.directory / "gate.json").is_file():
            if read_text is True:
                raise ModelError(f"cannot read text: no OCR model folder at {self.directory}")
            log.info("no text gate in %s: mostly_text is off", self.directory)
            return
        try:
            self.reader = TextReader(self.directory, engine="auto") if read_text else None
        except OcrError as exc:
            if read_text is True:
                raise ModelError(f"cannot read text: {exc}") from exc
            log.warning("text will not be read: %s", exc)
        self.gate = self.reader.gate if self.reader is not None else TextGate.load(
            self.directory / "gate.json")
        self.rule = self._rule()

    def _rule(self) -> TextRule:
        manifest = self.directory / "manifest.json"
        try:
            block = (json.loads(manifest.read_text()).get("mostly_text") or {}
                     if manifest.is_file() else {})
            # without thresholds the flag never fires (1.0 cannot be reached by either)
            return TextRule(float(block.get("gate", 1.01)), float(block.get("coverage", 1.01)))
        except (TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f'{manifest} has a broken "mostly_text" block ({exc})') from exc

    @property
    def reads(self) -> bool:
        return self.reader is not None

    def examine(self, path: Path, pixels: np.ndarray, times: dict[str, float],
                thumb: np.ndarray | None = None) -> TextFinding:
        """Gate the loader's array (or its ready grey ``thumb``, capdesk.imaging.grey); read
        the file at document resolution when it passes.

        Seconds spent are added to ``times`` under ``text_check`` and ``read_text``."""
        if self.gate is None or self.rule is None:
            return TextFinding(False)
        started = time.perf_counter()
        score = self.gate.probability(pixels, thumb)
        _add(times, "text_check", time.perf_counter() - started)
        read: VisibleText | None = None
        if self.reader is not None and score >= self.gate.threshold:
            started = time.perf_counter()
            read = self._read(path)
            _add(times, "read_text", time.perf_counter() - started)
        text = None if read is None else read.text
        return TextFinding(self.rule.mostly_text(score, read), text, score)

    def _read(self, path: Path) -> VisibleText | None:
        assert self.reader is not None
        try:
            return self.reader.read(load_rgb(path, max_side=DOCUMENT_SIDE))
        except (OcrError, ImageLoadError, OSError, subprocess.SubprocessError) as exc:
            # e.g. Tesseract's own time limit on a loaded machine: the caption still counts
            log.warning("could not read the text in %s: %s", path, exc)
        except Exception:  # reading is an extra: a surprise in it must not lose the caption
            log.exception("unexpected error while reading the text in %s", path)
        return None


def _add(times: dict[str, float], stage: str, seconds: float) -> None:
    times[stage] = times.get(stage, 0.0) + seconds
