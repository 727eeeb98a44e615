"""A 10,000-file folder in the real window: every file listed once, captioned, memory bounded.

This asserts behaviour only. How long it takes and how late the event loop runs while it
happens depend on the machine and on what else runs on it, so those figures are printed
by ``scripts/responsiveness.py --folder-files 10000`` (see docs/PERFORMANCE.md), not
checked here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

pytestmark = pytest.mark.slow
COUNT = 10_000
MEMORY_BUDGET_MB = 100
"""Generous on purpose: 10,000 rows with their captions and attention maps grew RSS by
38 MB when measured; keeping one decoded photo or thumbnail per row would pass the bound
within a few thousand rows. Unlike a duration, this barely moves on a busy machine."""
HANG_MS = 600_000


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    pytest.skip("no /proc/self/status on this system")
    return 0


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    for i in range(COUNT):
        sub = folder / f"part{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        # Each file different: the caption library recognises byte-identical files as
        # copies of one photo and gives them its caption instead of captioning each.
        Image.new("RGB", (8, 6), (i % 256, i // 256, 200)).save(sub / f"img{i:05d}.png")
    return folder


def test_ten_thousand_files_are_listed_and_captioned_in_bounded_memory(
    qtbot, make_window, ten_thousand
):
    engine = FakeCaptioner()
    _window, controller = make_window(engine)
    baseline = _rss_bytes()
    with qtbot.waitSignal(controller.scan_done, timeout=HANG_MS):
        controller.add_paths([ten_thousand])
    # The folder is listed in chunks and each chunk is queued as it arrives.
    qtbot.waitUntil(
        lambda: all(item.status is Status.DONE for item in controller.model.items()),
        timeout=HANG_MS,
    )
    grown_mb = (_rss_bytes() - baseline) / 2**20

    expected = sorted(ten_thousand.rglob("*.png"))
    assert controller.model.paths() == expected  # each file once, in folder order
    assert controller.model.rowCount() == COUNT
    assert all(item.status is Status.DONE and item.text for item in controller.model.items())
    assert sorted(p for call in engine.calls for p in call) == expected  # captioned once each
    assert grown_mb < MEMORY_BUDGET_MB, f"RSS grew {grown_mb:.0f} MB"
