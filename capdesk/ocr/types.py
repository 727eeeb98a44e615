"""Plain result types of text reading, shared by every engine (no numpy or onnxruntime here)."""

from __future__ import annotations

from dataclasses import dataclass, field


class OcrError(RuntimeError):
    """Text reading cannot run (no model folder, no Tesseract binary, broken file); the message
    says what is missing so the user or packager can act on it."""


@dataclass(frozen=True)
class Line:
    """One line of read text; ``box`` is (left, top, right, bottom) in the input's pixels and
    ``confidence`` the engine's 0-1 certainty for the line."""

    text: str
    box: tuple[int, int, int, int]
    confidence: float


@dataclass(frozen=True)
class VisibleText:
    """What was read in one photo.

    ``coverage`` is the fraction of the photo's area covered by detected text boxes (0-1): the
    ``mostly_text`` signal for the trust work (a document or screen covers a large share).
    ``engine`` names what read it, so a result can be traced to its settings.
    """

    lines: list[Line] = field(default_factory=list)
    coverage: float = 0.0
    engine: str = ""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines if line.text)

    @property
    def has_text(self) -> bool:
        return any(line.text.strip() for line in self.lines)
