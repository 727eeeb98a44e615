"""Plain values shared by every layer; imports nothing but the standard library and numpy."""

from capdesk.domain.records import CaptionRecord
from capdesk.domain.results import Caption, CaptionResult
from capdesk.domain.system import usable_cpu_count

__all__ = ["Caption", "CaptionRecord", "CaptionResult", "usable_cpu_count"]
