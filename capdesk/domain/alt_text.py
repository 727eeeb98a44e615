"""The alt text written into a photo: the model's caption, then the text read in the photo.

Accessibility guidance asks that a photo of text says the text, and that alt text stays
short (screen readers read it in one go; ~250 characters is the usual upper bound). So the
short alt text is the caption + ``" Text: "`` + as much of the read text as fits, cut at a
word with "…"; when it had to be cut, the full text goes into IPTC "Extended Description
(Accessibility)". The caption's words are never changed: the text is appended, not mixed in.
Pure functions, so the command line, the exporters and the app compose the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

ALT_TEXT_LIMIT = 250
TEXT_LABEL = " Text: "
#: What introduces the read text, per caption language (the text itself is not translated).
TEXT_LABELS = {"en": TEXT_LABEL, "de": TEXT_LABEL, "zh": "文字：", "ar": " النص: "}
ELLIPSIS = "…"


@dataclass(frozen=True)
class ComposedAltText:
    """``alt_text`` for AltTextAccessibility / dc:description; ``extended`` (the full read
    text, its lines kept) for ExtDescrAccessibility, None when everything fit."""

    alt_text: str
    extended: str | None = None


def flatten_text(text: str | None) -> str:
    """The read lines as one sentence-friendly run: lines joined by ", ", spaces collapsed."""
    if not text:
        return ""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return ", ".join(line for line in lines if line)


def compose_alt_text(
    caption: str, visible_text: str | None, limit: int = ALT_TEXT_LIMIT, language: str = "en"
) -> ComposedAltText:
    """Caption + " Text: " + the read text, at most ``limit`` characters (see module doc);
    ``language`` (the caption's code) picks the label, English's for unknown codes."""
    caption = caption.strip()
    text = flatten_text(visible_text)
    if not text:
        return ComposedAltText(caption)
    label = TEXT_LABELS.get(language, TEXT_LABEL)
    full = f"{caption}{label}{text}" if caption else f"{label.strip()} {text}"
    if len(full) <= limit:
        return ComposedAltText(full)
    head = full[: limit - len(ELLIPSIS)]
    cut = head.rfind(" ")
    prefix_end = len(full) - len(text)
    if cut > prefix_end:  # break at a word, never inside the caption or the label
        head = head[:cut]
    head = head.rstrip(" ,;:")
    assert visible_text is not None  # text is non-empty
    return ComposedAltText(head + ELLIPSIS, visible_text.strip())
