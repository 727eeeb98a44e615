"""Why a caption may not deserve trust, said in words a person can act on.

Every warning capdesk attaches to a caption is a ``Flag``: a stable ``code`` that the
command line, CSV, the library and the app can filter on, and a ``message`` that a screen
reader speaks beside the caption. The messages are written for a blind photographer: each
says what is wrong and, where the photographer can fix it, what to do next time.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    """One reason to check a caption: a machine-readable code and a sentence for people."""

    code: str
    message: str

    def __post_init__(self) -> None:
        if not self.code or not self.message:
            raise ValueError("a flag needs both a code and a message")

    def to_dict(self) -> dict[str, str]:
        """The ``{"code", "message"}`` shape used by command-line rows and the CSV column."""
        return {"code": self.code, "message": self.message}


UNFAMILIAR = "unfamiliar"
BLURRED = "blurred"
TOO_DARK = "too_dark"
TOO_BRIGHT = "too_bright"
TOO_SMALL = "too_small"
MOSTLY_TEXT = "mostly_text"
LOW_CONFIDENCE = "low_confidence"

FLAG_MESSAGES: dict[str, str] = {
    UNFAMILIAR: "This does not look like the photos the model learned from, "
    "so the caption may be wrong",
    BLURRED: "The photo looks blurred — try again holding the camera still",
    TOO_DARK: "The photo is very dark — turn on a light or the flash and try again",
    TOO_BRIGHT: "The photo is washed out by too much light — move away from the light "
    "or turn off the flash and try again",
    TOO_SMALL: "The photo is too small to describe well — use a larger copy of it",
    MOSTLY_TEXT: "This looks like a document, screen or sign; the caption describes the "
    "scene, not the text",
    LOW_CONFIDENCE: "The model is unsure of this caption — please check it",
}

FLAG_CODES: tuple[str, ...] = tuple(FLAG_MESSAGES)


def make_flag(code: str) -> Flag:
    """The flag for a known ``code``, with its standard message; unknown codes are a bug."""
    try:
        return Flag(code, FLAG_MESSAGES[code])
    except KeyError:
        raise ValueError(f"unknown flag code {code!r}; known: {', '.join(FLAG_CODES)}") from None
