"""Where capdesk's own files are: ``models/default`` and ``resources/`` (icons, test photo).

In a source checkout they sit beside the ``capdesk`` package; in a PyInstaller bundle
under ``sys._MEIPASS``. One function decides, so the engine's default model, the window's
icons and the self-test photo are always looked up in the same place.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODEL_DIR_VARIABLE = "CAPDESK_MODEL_DIR"


def install_root() -> Path:
    """The bundle's own folder when frozen, else the folder holding the ``capdesk`` package."""
    bundle = getattr(sys, "_MEIPASS", None)
    return Path(bundle) if bundle else Path(__file__).resolve().parents[2]


def resource_path(*parts: str) -> Path:
    """A file or folder under ``resources/``, e.g. ``resource_path("selftest.jpg")``."""
    return install_root().joinpath("resources", *parts)


def default_model_dir() -> Path:
    """``$CAPDESK_MODEL_DIR``, else ``models/default`` beside the package or in the bundle."""
    override = os.environ.get(MODEL_DIR_VARIABLE)
    return Path(override) if override else install_root() / "models" / "default"
