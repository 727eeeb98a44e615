"""Plain values exchanged between the GUI thread and the caption worker.

They are frozen dataclasses (no Qt types) so they cross threads through queued signals
without anyone mutating them half-way, and so tests can build them by hand.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from capdesk.domain.languages import DEFAULT_LANGUAGE, Language


@dataclass(frozen=True)
class EngineConfig:
    """What the worker needs to build its captioner: changing it reloads the model."""

    model_dir: Path | None = None
    provider: str = "auto"
    threads: int | None = None
    #: Read the text of photos the text gate passes (documents, screens, signs) so the app
    #: can show it and put it into the alt text (nothing is read when no reader is installed).
    read_text: bool = True


@dataclass(frozen=True)
class CaptionRequest:
    """Caption ``paths`` in order; ``cancel`` is set from the GUI thread to stop early.

    The cancel flag is a ``threading.Event`` rather than a queued slot because queued
    slots only run once the worker is idle again, which is too late to stop a run.
    """

    job_id: int
    paths: tuple[Path, ...]
    beam_size: int | None = None
    #: Language codes to write, in order (the first is the result's ``caption`` and the
    #: exports' x-default); None: the model's default (its first language, English).
    languages: tuple[str, ...] | None = None
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class RequestDone:
    """Sent once per request, after its last result (or after it was cancelled)."""

    job_id: int
    captioned: int
    cancelled: bool


@dataclass(frozen=True)
class EngineInfo:
    """Which model and provider actually run, for the status bar."""

    provider: str
    model_name: str
    load_seconds: float
    #: The languages the loaded model can write, its default first (Settings offers these).
    languages: tuple[Language, ...] = (DEFAULT_LANGUAGE,)


@dataclass(frozen=True)
class Progress:
    """Run progress as shown by the progress bar: counts, speed and time left."""

    done: int
    total: int
    images_per_second: float
    seconds_left: float | None

    @property
    def text(self) -> str:
        """One line, e.g. ``Captioning 1,234 / 48,000 · 12.3/s · 1 h 05 min left``:
        thousands separated and hours spelt out, so a big run stays short and readable."""
        parts = [f"Captioning {self.done:,} / {self.total:,}"]
        if self.images_per_second > 0:
            parts.append(f"{self.images_per_second:.1f}/s")
        if self.seconds_left is not None:
            parts.append(f"{format_duration(self.seconds_left)} left")
        return " · ".join(parts)


def format_duration(seconds: float) -> str:
    """Format a duration for people: ``42 s``, ``3 min 05 s``, ``1 h 05 min``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes + (rest >= 30), 60)
    return f"{hours:,} h {minutes:02d} min"
