"""One lookup for capdesk's own files: the default model and resources/ (issue 17, item 4)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from capdesk.cli import selftest
from capdesk.domain import resources
from capdesk.engine import default_model_dir


def test_source_checkout_and_bundle_use_the_same_root(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.delenv(resources.MODEL_DIR_VARIABLE, raising=False)
    repo = Path(resources.__file__).resolve().parents[2]
    assert default_model_dir() == repo / "models" / "default"
    assert selftest.default_image() == repo / "resources" / "selftest.jpg"

    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert default_model_dir() == tmp_path / "models" / "default"
    assert selftest.default_image() == tmp_path / "resources" / "selftest.jpg"
    assert resources.resource_path("icons") == tmp_path / "resources" / "icons"


def test_model_folder_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(resources.MODEL_DIR_VARIABLE, str(tmp_path / "mine"))
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "bundle"), raising=False)
    assert default_model_dir() == tmp_path / "mine"
