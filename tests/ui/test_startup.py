"""Start-up order: the window is shown before ONNX Runtime is imported, never on the GUI thread.

What keeps launch fast is that order, not a number: a test timing the launch either
passes on any machine (a loose bound) or fails on a busy one (a tight bound). The launch
time itself is printed by ``CAPDESK_EXIT_AFTER_SHOWN=1 python main.py`` (docs/PERFORMANCE.md).

The app runs in a child process, as a user starts it (``capdesk.ui.app.main``), with an
import hook that notes which thread first imports the engine and whether the window had
been shown by then.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PROBE = r"""
import importlib.abc, json, sys, threading

WATCHED = ("onnxruntime", "capdesk.engine")
state = {"shown": False, "painted": False, "imports": {}}

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in WATCHED and name not in state["imports"]:
            state["imports"][name] = {
                "gui_thread": threading.current_thread() is threading.main_thread(),
                "window_shown": state["shown"],
            }
        return None

sys.meta_path.insert(0, Watch())
import capdesk.ui.app as app_module
state["imported_with_the_window_code"] = sorted(state["imports"])
build = app_module.build_window

def build_window(*args, **kwargs):
    window, controller = build(*args, **kwargs)
    show = window.show
    def shown():
        state["shown"] = True
        show()
    window.show = shown
    window.first_painted.connect(lambda: state.__setitem__("painted", True))
    def loaded(*_):
        state["engine"] = "ready" if controller.queue.engine_info else "failed"
        window.close()
    controller.queue.engine_ready.connect(loaded)
    controller.queue.engine_failed.connect(loaded)
    return window, controller

app_module.build_window = build_window
state["status"] = app_module.main(["--model", sys.argv[1]])
print("PROBE " + json.dumps(state))
"""


def test_window_is_shown_before_the_engine_is_imported(tiny_model_dir: Path, tmp_path: Path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),  # the app's settings go to a scratch folder
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("CAPDESK_EXIT_AFTER_SHOWN", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tiny_model_dir)], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stdout + done.stderr
    state = json.loads(lines[-1].removeprefix("PROBE "))
    assert state["status"] == 0
    assert state["engine"] == "ready"  # the model did load, later, in the worker
    assert state["painted"]
    assert state["imported_with_the_window_code"] == []
    for name in ("onnxruntime", "capdesk.engine"):
        first = state["imports"][name]
        assert first["window_shown"], f"{name} was imported before the window was shown"
        assert not first["gui_thread"], f"{name} was imported on the GUI thread"
