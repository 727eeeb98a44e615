"""Window fixtures: a throwaway settings file and the fast fake engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from tests.support.fake_engine import FakeCaptioner


@pytest.fixture(autouse=True)
def library_file(tmp_path, monkeypatch):
    """Every window keeps its captions in tmp_path, never in the user's library."""
    path = tmp_path / "library" / "library.sqlite3"
    monkeypatch.setenv("CAPDESK_LIBRARY", str(path))
    return path


@pytest.fixture
def settings_store(tmp_path):
    """A QSettings in tmp_path, so tests never read or write the user's settings."""
    return QSettings(str(tmp_path / "capdesk.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def images(tmp_path):
    """Factory: write ``count`` small random JPEGs into ``tmp_path/name``."""

    def make(count: int, name: str = "photos") -> list[Path]:
        folder = tmp_path / name
        folder.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(len(name) + count)
        paths = []
        for i in range(count):
            path = folder / f"img{i:03d}.jpg"
            pixels = rng.integers(0, 255, (48 + i % 5, 64, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(path)
            paths.append(path)
        return paths

    return make


@pytest.fixture
def make_window(qtbot, settings_store):
    """Factory: a shown window whose worker runs ``engine`` (a FakeCaptioner by default)."""
    from capdesk.ui.app import build_window

    built = []

    def make(engine=None, store=None, wait_engine: bool = True):
        engine = engine or FakeCaptioner()
        window, controller = build_window(store or settings_store, lambda _config: engine)
        controller.keeping.confirm_stop = lambda: True  # "stop and quit?": yes, no modal box
        controller.files.confirm_export_stop = lambda: True  # the same for an export
        qtbot.addWidget(window)
        window.show()
        if wait_engine:
            with qtbot.waitSignal(controller.queue.engine_ready, timeout=60_000):
                controller.start()
        else:
            controller.start()
        built.append(window)
        return window, controller

    yield make
    for window in built:
        window.close()
