"""Plain values shared by every layer; imports nothing but the standard library and numpy."""

from capdesk.domain.alt_text import ComposedAltText, compose_alt_text
from capdesk.domain.flags import FLAG_CODES, FLAG_MESSAGES, Flag, make_flag
from capdesk.domain.records import CaptionRecord
from capdesk.domain.results import Caption, CaptionResult
from capdesk.domain.system import usable_cpu_count

__all__ = [
    "FLAG_CODES",
    "FLAG_MESSAGES",
    "Caption",
    "CaptionRecord",
    "CaptionResult",
    "ComposedAltText",
    "Flag",
    "compose_alt_text",
    "make_flag",
    "usable_cpu_count",
]
