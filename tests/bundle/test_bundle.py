"""Build the PyInstaller bundle once and run it like a user would: self-test, then the window.

This is the only check that the frozen app has its shared libraries, its resources and its
model; everything else runs from the source tree. One build (about 30 s on two cores) is
shared by every test in the module; they skip with the reason when PyInstaller is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.bundle, pytest.mark.slow]

BUILD_TIMEOUT = 900
# Alt text export needs pyexiv2 in the build environment; without it the bundle can't have it.
HAS_PYEXIV2 = importlib.util.find_spec("pyexiv2") is not None


def _exe(dist: Path) -> Path:
    if sys.platform == "darwin":
        return dist / "capdesk.app" / "Contents" / "MacOS" / "capdesk"
    return dist / "capdesk" / ("capdesk.exe" if os.name == "nt" else "capdesk")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CAPDESK_MODEL_DIR"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8", **extra)
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built bundle's executable (built into a temporary folder, not dist/)."""
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed (dev extra)")
    if shutil.which("bash") is None:
        pytest.skip("scripts/build_bundle.sh needs bash")
    root = tmp_path_factory.mktemp("bundle")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "build_bundle.sh"), "--dist", str(root / "dist"),
         "--work", str(root / "work"), "--no-test"],
        cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, f"build failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    exe = _exe(root / "dist")
    assert exe.is_file(), f"no executable at {exe}"
    return exe


def test_self_test_captions_the_bundled_photo(bundle: Path, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    args = [str(bundle), "--self-test", "--output", str(report_file)]
    if not HAS_PYEXIV2:
        args.append("--skip-alt-text")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          env=_env())
    assert done.returncode == 0, done.stderr
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert json.loads(done.stdout.strip().splitlines()[-1]) == report
    assert report["ok"] is True and report["frozen"] is True
    assert report["caption"].strip() and report["provider"] in ("cpu", "cuda")
    internal = bundle.parent
    assert Path(report["model_dir"]).is_relative_to(internal), "used a model outside the bundle"
    assert Path(report["image"]).is_relative_to(internal)
    assert "self-test passed" in done.stderr
    if HAS_PYEXIV2:
        assert report["alt_text"] == "ok"


def test_self_test_fails_clearly_without_a_model(bundle: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    done = subprocess.run([str(bundle), "--self-test"], capture_output=True, text=True,
                          timeout=120, check=False, env=_env(CAPDESK_MODEL_DIR=str(missing)))
    assert done.returncode == 2
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["ok"] is False and "Model folder not found" in report["error"]
    assert "Traceback" not in done.stderr


def test_window_is_shown_offscreen(bundle: Path) -> None:
    """The frozen app gets as far as painting its window (``--measure-startup`` prints when).

    The figure is not checked here (it depends on the machine); docs/PERFORMANCE.md has it.
    """
    done = subprocess.run([str(bundle), "--measure-startup"], capture_output=True, text=True,
                          timeout=120, check=False, env=_env())
    assert done.returncode == 0, done.stderr
    assert re.search(r"^startup_seconds=[0-9.]+$", done.stdout, re.MULTILINE), (
        done.stdout + done.stderr)


def test_bundle_leaves_out_training_and_unused_qt(bundle: Path) -> None:
    internal = bundle.parent / "_internal" if (bundle.parent / "_internal").is_dir() \
        else bundle.parent
    names = {p.name.lower() for p in internal.rglob("*")}
    for unwanted in ("torch", "torchvision", "triton", "onnx"):
        assert unwanted not in names, f"{unwanted} was bundled"
    joined = "\n".join(sorted(names))
    for unwanted in ("qtwebengine", "qt3d", "qt6quick", "qt6qml", "qtmultimedia", "qt6pdf"):
        assert unwanted not in joined, f"{unwanted} was bundled"
    assert (internal / "resources" / "selftest.jpg").is_file()
    assert (internal / "models" / "default" / "manifest.json").is_file()
    assert not [p for p in internal.rglob("*") if p.is_symlink() and not p.exists()], \
        "dangling symlinks in the bundle"


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None,
                    reason="library resolution is checked with ldd on Linux")
def test_every_qt_library_resolves(bundle: Path) -> None:
    """Dropping QML/Pdf/Network from the spec must not leave a Qt library unresolved."""
    unresolved = []
    for lib in (bundle.parent / "_internal" / "PySide6").rglob("*.so*"):
        out = subprocess.run(["ldd", str(lib)], capture_output=True, text=True, check=False,
                             timeout=30).stdout
        unresolved += [f"{lib.name}: {line.strip()}" for line in out.splitlines()
                       if "not found" in line and "libQt6" in line]
    assert not unresolved, "\n".join(unresolved)
