"""Plain values shared by every layer; imports nothing but the standard library and numpy."""

from capdesk.domain.alt_text import ComposedAltText, compose_alt_text
from capdesk.domain.flags import FLAG_CODES, FLAG_MESSAGES, Flag, make_flag
from capdesk.domain.languages import (
    KNOWN_LANGUAGES,
    Language,
    LanguageError,
    parse_language_list,
)
from capdesk.domain.records import CaptionRecord, LanguageText
from capdesk.domain.results import Caption, CaptionResult, LanguageCaption
from capdesk.domain.system import usable_cpu_count

__all__ = [
    "FLAG_CODES",
    "FLAG_MESSAGES",
    "KNOWN_LANGUAGES",
    "Caption",
    "CaptionRecord",
    "CaptionResult",
    "ComposedAltText",
    "Flag",
    "Language",
    "LanguageCaption",
    "LanguageError",
    "LanguageText",
    "compose_alt_text",
    "make_flag",
    "parse_language_list",
    "usable_cpu_count",
]
