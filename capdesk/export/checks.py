"""Checks a person sees before alt text leaves the app, and a word-keeping trim.

Pure functions on strings, so the Export dialog can run them on every keystroke.
The limits follow the IPTC guidance for "Alt Text (Accessibility)": aim for at most 125
characters (what many screen readers read without pausing), never more than 250.
Screen readers already announce "image", so "image of ..." only repeats it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

RECOMMENDED_LENGTH = 125
MAX_LENGTH = 250

_REDUNDANT_PREFIX = re.compile(
    r"^\s*(?:(?:a|an|the)\s+)?(?:image|picture|photo|photograph)\s+of\b\s*", re.IGNORECASE
)


class AltTextIssue(StrEnum):
    """Machine-readable kind of warning, for icons or filtering in the UI."""

    EMPTY = "empty"
    TOO_LONG = "too-long"
    OVER_LIMIT = "over-limit"
    REDUNDANT_PREFIX = "redundant-prefix"


@dataclass(frozen=True)
class AltTextWarning:
    """One problem with an alt text; ``message`` is a sentence ready to show."""

    issue: AltTextIssue
    message: str


def check_alt_text(
    text: str, *, recommended: int = RECOMMENDED_LENGTH, limit: int = MAX_LENGTH
) -> list[AltTextWarning]:
    """Warnings for ``text``, most serious first; an empty list means it looks fine."""
    stripped = " ".join(text.split())
    if not stripped:
        return [AltTextWarning(AltTextIssue.EMPTY, "Alt text is empty.")]
    warnings: list[AltTextWarning] = []
    length = len(stripped)
    if length > limit:
        warnings.append(
            AltTextWarning(
                AltTextIssue.OVER_LIMIT,
                f"Alt text has {length} characters; keep it under {limit}.",
            )
        )
    elif length > recommended:
        warnings.append(
            AltTextWarning(
                AltTextIssue.TOO_LONG,
                f"Alt text has {length} characters; {recommended} or fewer is recommended.",
            )
        )
    match = _REDUNDANT_PREFIX.match(stripped)
    if match:
        warnings.append(
            AltTextWarning(
                AltTextIssue.REDUNDANT_PREFIX,
                f'Alt text starts with "{match.group(0).strip()}"; screen readers already '
                "say it is an image.",
            )
        )
    return warnings


def strip_redundant_prefix(text: str) -> str:
    """``"A photo of a dog on a beach"`` -> ``"A dog on a beach"`` (first letter kept upper)."""
    match = _REDUNDANT_PREFIX.match(text)
    if not match:
        return text.strip()
    rest = text[match.end() :].strip()
    if not rest:
        return text.strip()
    if text.lstrip()[:1].isupper():
        rest = rest[:1].upper() + rest[1:]
    return rest


def trim_alt_text(text: str, limit: int = RECOMMENDED_LENGTH, *, ellipsis: str = "") -> str:
    """At most ``limit`` characters, cut at a word boundary; whitespace runs become one space.

    Trailing punctuation left dangling by the cut (``,;:-``) is dropped. ``ellipsis`` is
    appended when something was cut, within the limit. A single word longer than the
    limit is the only case where a word is cut.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    words = text.split()
    joined = " ".join(words)
    if len(joined) <= limit:
        return joined
    budget = limit - len(ellipsis)
    if budget <= 0:
        return ellipsis[:limit]
    kept: list[str] = []
    length = 0
    for word in words:
        extra = len(word) + (1 if kept else 0)
        if length + extra > budget:
            break
        kept.append(word)
        length += extra
    if not kept:
        return words[0][:budget] + ellipsis
    result = " ".join(kept).rstrip(",;:-–— ")
    return (result or kept[0]) + ellipsis
