"""``--self-test`` from the source tree: the same code the bundle runs, without building it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from capdesk.cli import selftest
from tests.conftest import REPO


def test_self_test_captions_the_shipped_photo(tiny_model_dir: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    status = selftest.main(["--self-test", "--model", str(tiny_model_dir), "--output", str(out),
                            "--provider", "cpu", "some/photo.jpg", "-platform", "offscreen"])
    assert status == selftest.EXIT_OK
    report = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(capsys.readouterr().out) == report
    assert report["ok"] and report["caption"] and report["provider"] == "cpu"
    assert report["image"] == str(REPO / "resources" / "selftest.jpg")
    assert report["image_size"] == [640, 480] and report["frozen"] is False
    assert report["alt_text"]  # "ok", or why not: from source pyexiv2 is optional


def test_alt_text_round_trip_names_the_problem(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    assert "not a JPEG" in selftest.alt_text_round_trip(text, "A caption.")


def test_missing_model_exits_2_with_the_reason(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    status = selftest.main(["--model", str(tmp_path / "nothing")])
    assert status == selftest.EXIT_MODEL
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and "Model folder not found" in report["error"]


def test_missing_photo_exits_3(tiny_model_dir: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    status = selftest.main(["--model", str(tiny_model_dir), "--image", str(tmp_path / "x.jpg")])
    assert status == selftest.EXIT_NO_IMAGE
    assert "installation is incomplete" in json.loads(capsys.readouterr().out)["error"]


def test_unreadable_photo_exits_1(tiny_model_dir: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")
    status = selftest.main(["--model", str(tiny_model_dir), "--image", str(broken)])
    assert status == selftest.EXIT_NO_CAPTION
    assert json.loads(capsys.readouterr().out)["error"]


def test_main_py_dispatches_before_any_qt_import(tiny_model_dir: Path) -> None:
    """The self-test must work where Qt cannot start (no display, missing xcb libraries)."""
    probe = (
        "import runpy, sys; sys.argv = ['main.py', '--self-test']\n"
        "try:\n    runpy.run_path('main.py', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "    sys.stderr.write(f'QT_MODULES={qt}\\n'); raise\n"
    )
    env = {**os.environ, "CAPDESK_MODEL_DIR": str(tiny_model_dir), "QT_QPA_PLATFORM": "none"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=False, env=env)
    assert done.returncode == 0, done.stderr
    assert "QT_MODULES=[]" in done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["ok"] is True
