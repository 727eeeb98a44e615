"""Tesseract (Apache-2.0) run as a child process, with numpy/Pillow preprocessing.

Why a child process and not a binding: no extra Python dependency, the Debian/Windows/macOS
binary can be bundled as is, and a crash in Tesseract cannot take the app down.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
from PIL import Image

from capdesk.ocr.imageops import remove_rules, resize, sauvola, to_grey, union_coverage
from capdesk.ocr.types import Line, OcrError, VisibleText

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TesseractSettings:
    """How the photo is prepared and which Tesseract modes read it.

    ``min_long_side``: upscale (bicubic) so the long side is at least this many pixels — small
    receipt text reads far better when a capital is ~30 px tall. ``binarise``: Sauvola before
    Tesseract (its own Otsu is global). ``psm``/``oem``: page segmentation and engine modes.
    ``min_confidence``: words Tesseract rates below this (0-100) are dropped.
    ``remove_rules``: paint long straight rules (underlines, form boxes) white first.
    """

    psm: int = 3
    oem: int = 1
    lang: str = "eng"
    min_long_side: int = 0
    binarise: bool = False
    min_confidence: float = -1.0
    remove_rules: bool = False
    timeout_s: float = 60.0

    def name(self) -> str:
        return (f"tesseract(psm={self.psm},oem={self.oem},lang={self.lang},"
                f"min_long_side={self.min_long_side},binarise={self.binarise},rules={self.remove_rules},"
                f"min_conf={self.min_confidence})")


def find_tesseract(binary: str | None = None) -> str:
    """The Tesseract executable: ``binary``, ``$CAPDESK_TESSERACT`` or ``tesseract`` on PATH."""
    candidate = binary or os.environ.get("CAPDESK_TESSERACT") or "tesseract"
    path = shutil.which(candidate)
    if path is None:
        raise OcrError(
            f"Tesseract was not found ({candidate!r}). Install it (Debian/Ubuntu: "
            "'apt-get install tesseract-ocr') or set CAPDESK_TESSERACT to the executable.")
    return path


def tesseract_version(binary: str | None = None) -> str:
    out = subprocess.run([find_tesseract(binary), "--version"], capture_output=True, text=True,
                         check=False, timeout=30)
    return (out.stdout or out.stderr).splitlines()[0].strip()


class TesseractEngine:
    """Reads an RGB array with Tesseract and returns lines in the array's pixel coordinates."""

    def __init__(self, settings: TesseractSettings | None = None, binary: str | None = None,
                 threads: int = 1) -> None:
        self.settings = settings or TesseractSettings()
        self.binary = find_tesseract(binary)
        self._env = dict(os.environ, OMP_THREAD_LIMIT=str(max(1, threads)))

    def prepare(self, rgb: np.ndarray) -> tuple[np.ndarray, float]:
        """Grey (and optionally upscaled and binarised) image plus its scale from the input."""
        grey = to_grey(rgb)
        s = self.settings
        scale = 1.0
        long_side = max(grey.shape)
        if s.min_long_side and long_side < s.min_long_side:
            scale = s.min_long_side / long_side
            grey = resize(grey, round(grey.shape[1] * scale), round(grey.shape[0] * scale),
                          Image.Resampling.BICUBIC)
        if s.remove_rules:
            grey = remove_rules(grey, min_length=max(40, int(max(grey.shape) * 0.04)))
        if s.binarise:
            grey = sauvola(grey, radius=max(7, int(15 * scale)))
        return grey, scale

    def run_tsv(self, grey: np.ndarray, psm: int | None = None) -> str:
        """Tesseract's TSV output for a grey uint8 image (passed as PGM on stdin)."""
        buf = io.BytesIO()
        Image.fromarray(grey).save(buf, format="PPM")
        s = self.settings
        cmd = [self.binary, "stdin", "stdout", "-l", s.lang, "--oem", str(s.oem),
               "--psm", str(psm if psm is not None else s.psm), "tsv"]
        proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, env=self._env,
                              timeout=s.timeout_s, check=False)
        if proc.returncode != 0:
            raise OcrError(f"Tesseract failed ({proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()[:300]}")
        return proc.stdout.decode("utf-8", "replace")

    def read(self, rgb: np.ndarray) -> VisibleText:
        grey, scale = self.prepare(rgb)
        lines = parse_tsv(self.run_tsv(grey), scale, self.settings.min_confidence)
        h, w = rgb.shape[:2]
        return VisibleText(lines=lines, coverage=union_coverage([ln.box for ln in lines], w, h),
                           engine=self.settings.name())


def parse_tsv(tsv: str, scale: float = 1.0, min_confidence: float = -1.0) -> list[Line]:
    """Group Tesseract's word rows (level 5) into lines, boxes mapped back by ``1/scale``."""
    groups: dict[tuple[str, str, str, str], list[tuple[str, float, int, int, int, int]]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        conf = float(cols[10])
        if not text or conf < min_confidence:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        groups.setdefault((cols[1], cols[2], cols[3], cols[4]), []).append(
            (text, conf, left, top, left + width, top + height))
    lines = []
    for words in groups.values():
        x0 = min(w[2] for w in words)
        y0 = min(w[3] for w in words)
        x1 = max(w[4] for w in words)
        y1 = max(w[5] for w in words)
        box = (int(x0 / scale), int(y0 / scale), int(np.ceil(x1 / scale)), int(np.ceil(y1 / scale)))
        conf = float(np.mean([w[1] for w in words])) / 100.0
        lines.append(Line(" ".join(w[0] for w in words), box, max(0.0, min(1.0, conf))))
    return lines
