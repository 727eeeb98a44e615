"""Every persistent setting, declared once with its default (normcap style).

The dataclass fields *are* the table: their names are the QSettings keys and their
defaults are the defaults, so a setting can't be read with one default here and another
there. Values are validated on load so a hand-edited or stale settings file can't crash
the app.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from capdesk.domain.decoding import (
    DEFAULT_BEAM_SIZE,
    DEFAULT_PROVIDER,
    PROVIDER_CHOICES,
    clamp_beam_size,
)
from capdesk.export.options import ExportFormat

log = logging.getLogger(__name__)

MAX_RECENT = 8
READ_MODES = ("screen_reader", "voice", "off")
HEATMAP_COLOURS = ("cividis", "viridis", "classic")
LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
EXPORT_FORMATS = tuple(f.value for f in ExportFormat)


@dataclass(frozen=True)
class AppSettings:
    """User preferences that survive restarts."""

    model_dir: str = ""  # empty: the engine's default model folder
    provider: str = DEFAULT_PROVIDER
    beam_size: int = DEFAULT_BEAM_SIZE
    recursive: bool = True
    skip_existing_alt_text: bool = True  # don't caption images that already carry alt text
    thumbnail_size: int = 96
    grid_view: bool = False  # thumbnails in a grid instead of one row per image
    recent_folders: tuple[str, ...] = field(default_factory=tuple)
    overlay_opacity: int = 50  # percent
    show_overlay: bool = True
    window_geometry: str = ""  # QMainWindow.saveGeometry() as hex, empty: default size
    splitter_state: str = ""  # list/preview split as hex
    read_mode: str = "screen_reader"  # "Read caption": screen_reader, voice or off
    voice: str = ""  # built-in voice name, empty: the system's default voice
    speech_rate: int = 0  # percent, -100 (slowest) .. 100 (fastest)
    heatmap_colours: str = "viridis"  # colour map: viridis or cividis (colour-vision safe), classic
    library_path: str = ""  # caption library file; empty: $CAPDESK_LIBRARY or AppDataLocation
    # Languages to write, in order; the first is x-default in exports. Only the ones the
    # loaded model ships are used (language_desk.py); the choice is kept for other models.
    caption_languages: tuple[str, ...] = ("en",)
    # The Export dialog's last choices (remembered when it exports):
    export_formats: tuple[str, ...] = ("csv",)  # ExportFormat values
    export_destination: str = ""  # empty: the last opened folder (its "captioned" subfolder)
    export_in_place: bool = False  # write into the originals instead of copies
    export_skip_existing: bool = True  # leave images that already have alt text alone

    @property
    def model_path(self) -> Path | None:
        return Path(self.model_dir) if self.model_dir else None

    def with_recent(self, folder: Path) -> AppSettings:
        """Return a copy with ``folder`` first in the recent list (no duplicates)."""
        text = str(folder)
        recent = (text, *(f for f in self.recent_folders if f != text))
        return replace(self, recent_folders=recent[:MAX_RECENT])

    def validated(self) -> AppSettings:
        """Clamp values into their allowed ranges, falling back to defaults."""
        defaults = AppSettings()
        return replace(
            self,
            provider=self.provider if self.provider in PROVIDER_CHOICES else defaults.provider,
            beam_size=clamp_beam_size(self.beam_size),
            thumbnail_size=min(max(self.thumbnail_size, 32), 256),
            overlay_opacity=min(max(self.overlay_opacity, 0), 100),
            read_mode=self.read_mode if self.read_mode in READ_MODES else defaults.read_mode,
            speech_rate=min(max(self.speech_rate, -100), 100),
            heatmap_colours=(
                self.heatmap_colours
                if self.heatmap_colours in HEATMAP_COLOURS
                else defaults.heatmap_colours
            ),
            caption_languages=valid_languages(self.caption_languages),
            export_formats=tuple(f for f in self.export_formats if f in EXPORT_FORMATS)
            or defaults.export_formats,
        )


def valid_languages(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Language codes as the settings file may hold them: lower-case, each once, in
    order, English when none is left (a model may ship a code capdesk does not know)."""
    seen = tuple(dict.fromkeys(c.strip().lower() for c in codes if LANGUAGE_CODE.match(c.strip())))
    return seen or ("en",)


def _convert(value: Any, default: Any) -> Any:  # noqa: PLR0911
    """QSettings (INI especially) hands back strings; convert by the default's type."""
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, tuple):
        if value in (None, ""):
            return ()
        if isinstance(value, str):
            return (value,)
        return tuple(str(v) for v in value)
    return str(value)


def load_settings(store: QSettings | None = None) -> AppSettings:
    """Read every declared setting, keeping the default for anything missing or invalid."""
    store = store or QSettings()
    defaults = AppSettings()
    values: dict[str, Any] = {}
    for spec in fields(AppSettings):
        default = getattr(defaults, spec.name)
        if not store.contains(spec.name):
            continue
        try:
            values[spec.name] = _convert(store.value(spec.name), default)
        except (TypeError, ValueError):
            log.warning("ignoring invalid setting %s=%r", spec.name, store.value(spec.name))
    return replace(defaults, **values).validated()


def save_settings(settings: AppSettings, store: QSettings | None = None) -> None:
    """Write every declared setting."""
    store = store or QSettings()
    for key, value in asdict(settings).items():
        store.setValue(key, list(value) if isinstance(value, tuple) else value)
    store.sync()
