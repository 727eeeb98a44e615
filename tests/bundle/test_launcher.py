"""The launcher files: icon set, desktop entry and the script that installs them (Linux)."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import REPO

ICONS = REPO / "resources" / "icons"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


@pytest.mark.parametrize("size", SIZES)
def test_png_icon_sizes(size: int) -> None:
    with Image.open(ICONS / f"capdesk-{size}.png") as icon:
        assert icon.size == (size, size) and icon.mode == "RGBA"
        alpha = icon.getchannel("A")
        assert alpha.getextrema() == (0, 255)  # transparent corners, opaque artwork


def test_svg_ico_icns_and_selftest_photo() -> None:
    root = ET.parse(ICONS / "capdesk.svg").getroot()
    assert root.tag.endswith("svg") and root.get("viewBox") == "0 0 512 512"
    with Image.open(ICONS / "capdesk.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    icns = (ICONS / "capdesk.icns").read_bytes()  # header: magic, then the file's length
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)
    with Image.open(REPO / "resources" / "selftest.jpg") as photo:
        assert photo.format == "JPEG" and photo.mode == "RGB" and photo.size == (640, 480)


def test_artwork_is_reproducible_from_the_script(tmp_path: Path) -> None:
    """Committed artwork must be what scripts/make_icons.py draws (no hand edits)."""
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "make_icons.py"),
                           "--resources", str(tmp_path / "resources")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for made in (tmp_path / "resources").rglob("*.*"):
        shipped = REPO / "resources" / made.relative_to(tmp_path / "resources")
        assert made.read_bytes() == shipped.read_bytes(), f"{shipped} differs from the script"


def _entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry() -> None:
    entry = _entry(REPO / "resources" / "capdesk.desktop")
    assert entry["Type"] == "Application" and entry["Icon"] == "capdesk"
    assert entry["Categories"] == "Graphics;Photography;Utility;"
    keywords = entry["Keywords"].split(";")
    assert {"accessibility", "alt text", "screen reader"} <= set(keywords)
    assert entry["Exec"].endswith("%F")
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", REPO / "resources" / "capdesk.desktop"],
                              capture_output=True, text=True, check=False, timeout=30)
        assert done.returncode == 0, done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop menus")
def test_install_and_uninstall_in_a_scratch_home(tmp_path: Path) -> None:
    home = tmp_path / "home with space"
    fake = tmp_path / "bin" / "capdesk"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "share")}
    script = str(REPO / "scripts" / "install_desktop.sh")
    done = subprocess.run(["bash", script, "--exec", str(fake)], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    entry = _entry(home / "share" / "applications" / "capdesk.desktop")
    assert entry["Exec"] == f'"{fake}" %F' and entry["TryExec"] == str(fake)
    hicolor = home / "share" / "icons" / "hicolor"
    for size in SIZES:
        assert (hicolor / f"{size}x{size}" / "apps" / "capdesk.png").is_file()
    assert (hicolor / "scalable" / "apps" / "capdesk.svg").is_file()
    done = subprocess.run(["bash", script, "--uninstall"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert not list(home.rglob("capdesk*"))
