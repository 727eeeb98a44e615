"""The real window read over AT-SPI, the way Orca reads it (issue 20's check).

Xvfb, a private session D-Bus (``dbus-launch``) and the AT-SPI bus launcher with its
registry are started for the test; the app runs under this project's Python with the
xcb platform and Qt's AT-SPI bridge on, and the reader runs as a child process with
Debian's ``/usr/bin/python3`` (``gi`` with Atspi is built for that Python, not the venv).
Skipped, with the reason, when any of those programs is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
BUS_LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")
APP_NAME = "capdesk"
INTERACTIVE = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "text",
    "entry",
    "spin button",
    "slider",
    "list",
    "table",
    "tree",
    "menu item",
    "page tab",
    "scroll bar",
    "split pane",
}
"""Roles a person operates: they need a name even when not focusable or not showing yet
(the search box's clear button, the toolbar's extension button). ``unknown`` (a splitter
handle) and ``popup menu`` objects must be named too: Orca reads them out as they are."""


def _missing() -> str:
    for tool in ("Xvfb", "dbus-launch"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: xvfb, dbus-x11)"
    if not BUS_LAUNCHER.exists():
        return f"{BUS_LAUNCHER} is missing (Debian: at-spi2-core)"
    if not SYSTEM_PYTHON.exists():
        return "/usr/bin/python3 is missing"
    probe = subprocess.run(
        [
            str(SYSTEM_PYTHON),
            "-c",
            "import gi; gi.require_version('Atspi', '2.0');from gi.repository import Atspi",
        ],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        return "Debian's python3 cannot import gi Atspi (python3-gi, gir1.2-atspi-2.0)"
    return ""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def desktop() -> Iterator[dict[str, str]]:
    """Environment of a fresh X display + session bus + AT-SPI registry."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    started: list[subprocess.Popen] = []
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started.append(xvfb)
    os.close(write_fd)
    with os.fdopen(read_fd) as display_pipe:
        display = display_pipe.readline().strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "QT_", "AT_SPI"))}
    env["DISPLAY"] = f":{display}"
    out = subprocess.run(
        ["dbus-launch", "--sh-syntax"], env=env, capture_output=True, text=True, check=True
    ).stdout
    values = dict(part.split("=", 1) for part in out.replace(";", "\n").split() if "=" in part)
    env["DBUS_SESSION_BUS_ADDRESS"] = values["DBUS_SESSION_BUS_ADDRESS"].strip("'")
    bus_pid = int(values["DBUS_SESSION_BUS_PID"])
    launcher = subprocess.Popen(
        [str(BUS_LAUNCHER), "--launch-immediately"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started.append(launcher)
    env.update(QT_ACCESSIBILITY="1", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_QPA_PLATFORM="xcb")
    env["NO_AT_BRIDGE"] = "0"
    time.sleep(1.0)
    try:
        yield env
    finally:
        for process in reversed(started):
            _stop(process)
        os.kill(bus_pid, signal.SIGTERM)


def _read_line(process: subprocess.Popen, want: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.strip() == want:
            return
    raise AssertionError(f"child never printed {want!r}")


@pytest.fixture(scope="module")
def session(desktop, tmp_path_factory) -> Iterator[dict]:
    """Run the app, caption three photos while listening, then read the whole tree."""
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("photos")
    for i in range(3):
        pixels = np.random.default_rng(i).integers(0, 255, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"img{i}.jpg")
    app = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.a11y.app_driver", str(folder)],
        cwd=ROOT,
        env=desktop,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        _read_line(app, "ready", 60)
        listener = subprocess.Popen(
            [str(SYSTEM_PYTHON), str(HERE / "atspi_reader.py"), "listen", APP_NAME, "60"],
            env=desktop,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        _read_line(listener, "listening", 30)
        app.stdin.write("caption\n")
        app.stdin.flush()
        _read_line(app, "finished", 60)
        time.sleep(1.0)  # let the last events cross the bus
        subprocess.run(
            [str(SYSTEM_PYTHON), str(HERE / "atspi_reader.py"), "screen-reader", APP_NAME, "on"],
            env=desktop,
            check=True,
            timeout=30,
            capture_output=True,
        )
        app.stdin.write("read\n")
        app.stdin.flush()
        read = _read_prefixed(app, "read ", 30)
        time.sleep(3.0)  # the announcement crosses the bus after the call returns
        listener.stdin.close()
        events = [json.loads(line) for line in listener.stdout if line.startswith("{")]
        listener.wait(10)
        dumped = subprocess.run(
            [str(SYSTEM_PYTHON), str(HERE / "atspi_reader.py"), "dump", APP_NAME],
            env=desktop,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        tree = json.loads(dumped.stdout)
        assert isinstance(tree, list), tree
        app.stdin.write("dialogs\n")
        app.stdin.flush()
        _read_line(app, "dialogs", 30)
        dumped = subprocess.run(
            [str(SYSTEM_PYTHON), str(HERE / "atspi_reader.py"), "dump", APP_NAME],
            env=desktop,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        with_dialogs = json.loads(dumped.stdout)
        video_tree: list[dict] | None = None
        clip = _clip(tmp_path_factory)
        if clip is not None:
            app.stdin.write(f"video {clip}\n")
            app.stdin.flush()
            _read_line(app, "video", 120)
            dumped = subprocess.run(
                [str(SYSTEM_PYTHON), str(HERE / "atspi_reader.py"), "dump", APP_NAME],
                env=desktop, capture_output=True, text=True, timeout=120, check=False,
            )
            video_tree = json.loads(dumped.stdout)
        status, caption = read.split("|", 1)
        yield {
            "events": events,
            "tree": tree,
            "dialogs": with_dialogs,
            "video": video_tree,
            "read_status": status,
            "caption": caption,
        }
    finally:
        if app.poll() is None:
            app.stdin.write("quit\n")
            app.stdin.flush()
        try:
            app.wait(15)
        except subprocess.TimeoutExpired:
            _stop(app)


def _read_prefixed(process: subprocess.Popen, prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line[len(prefix) :].rstrip("\n")
    raise AssertionError(f"child never printed a line starting {prefix!r}")


def _label(node: dict) -> str:
    return f"{node['role']} (parent {node['parent_role']}, states {','.join(node['states'])})"


def _clip(tmp_path_factory) -> Path | None:
    """A 5-shot generated slideshow, or None without PyAV."""
    try:
        import av  # noqa: F401
    except ImportError:
        return None
    from tests.support.videos import sample_pictures, write_slideshow

    path = tmp_path_factory.mktemp("video") / "walk.mp4"
    write_slideshow(path, sample_pictures(5), (2.0, 2.5, 2.0, 3.0, 2.5), size=(160, 90))
    return path


def test_video_cues_are_read_with_their_time_codes(session):
    """A screen-reader user hears each strip item as "Cue 3, 00:04 to 00:06: <words>"."""
    if session["video"] is None:
        pytest.skip("PyAV (the 'video' extra) is not installed")
    tree = session["video"]
    cues = [n for n in tree if n["name"].startswith("Cue ") and n["parent_role"] != "combo box"]
    names = [n["name"] for n in cues]
    assert any(re.match(r"Cue 3, 00:0\d to 00:0\d: \S.+", name) for name in names), names
    assert len(cues) >= 4, names
    assert _unnamed(tree) == []


def _unnamed(tree: list[dict]) -> list[str]:
    unnamed = []
    for node in tree:
        states = set(node["states"])
        operable = node["role"] in INTERACTIVE and {"showing", "sensitive"} <= states
        named_kind = node["role"] in INTERACTIVE | {"unknown", "popup menu"}
        if ("focusable" in states or operable or named_kind) and not node["name"].strip():
            unnamed.append(_label(node))
    return unnamed


def test_no_focusable_or_operable_object_is_unnamed(session):
    assert _unnamed(session["tree"]) == []


def test_the_settings_and_export_dialogs_are_named_throughout(session):
    """Both dialogs open: the Provider popup, every field and button named; no empty
    "Alt text checks" label."""
    tree = session["dialogs"]
    titles = {n["name"] for n in tree if n["role"] == "dialog"}
    assert {"Settings", "Export captions"} <= titles, titles
    assert _unnamed(tree) == []
    labels = [n for n in tree if n["role"] == "label" and "showing" in n["states"]]
    assert all(n["name"].strip() for n in labels), [_label(n) for n in labels]
    # A label whose mnemonic has no buddy keeps its "&" and its key does nothing.
    assert [n["name"] for n in tree if "&" in n["name"]] == []


def test_word_buttons_and_play_are_buttons_not_check_boxes(session):
    tree = session["tree"]
    words = [n for n in tree if n["name"].startswith("Show where the model looked")]
    assert len(words) >= 2, "the word bar is not in the tree"
    play = [
        n
        for n in tree
        if n["name"].startswith(("Play words", "Pause words")) and n["role"] != "menu item"
    ]
    assert play, "no Play button in the tree"
    for node in [*words, *play]:
        assert node["role"] in ("push button", "toggle button"), _label(node) + node["name"]
    boxes = {n["name"] for n in tree if n["role"] == "check box"}
    # The heatmap switch is a real on/off setting; Qt's own toolbar extension button is a
    # checkable "expanded" toggle whose role Qt picks (it is only there when space is short).
    # The video dock's key frame has its own heatmap switch.
    assert boxes <= {"Show heatmap", "Show heatmap on the key frame", "More toolbar buttons"}


def test_finishing_a_run_is_announced_on_the_bus(session):
    """Qt 6.8+ sends QAccessibleAnnouncementEvent as ``object:announcement``; the live
    status label's name change is the fallback for older Qt and screen readers."""
    said = [
        (e.get("any_data") or e["source_name"]).lower()
        for e in session["events"]
        if e["type"].startswith(("object:announcement", "object:property-change:accessible-name"))
    ]
    wanted = "finished: 3 captioned, 0 need a look, 0 failed"
    announced = [e for e in session["events"] if e["type"].startswith("object:announcement")]
    assert any(wanted in text for text in said), session["events"]
    assert any(wanted in (e.get("any_data") or "").lower() for e in announced), announced


def test_a_row_changing_status_sends_a_name_change(session):
    """The focused row going from "captioning…" to "done" is re-read by the screen reader."""
    rows = [
        e
        for e in session["events"]
        if e["type"].startswith("object:property-change:accessible-name")
        and e["source_role"] == "list item"
    ]
    assert any(", done, " in (e.get("any_data") or e["source_name"]) for e in rows), rows


def test_read_caption_goes_to_the_running_screen_reader(session):
    """With ScreenReaderEnabled set on the bus (as Orca sets it), Read caption sends the
    caption as an announcement instead of speaking with the built-in voice."""
    assert session["read_status"] == "Caption sent to the screen reader."
    assert session["caption"]
    announced = [
        e.get("any_data") for e in session["events"] if e["type"].startswith("object:announcement")
    ]
    assert session["caption"] in announced
