"""A 10,000-file folder in the real window: listed, captioned, memory flat, loop responsive."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QElapsedTimer, QTimer

from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

pytestmark = pytest.mark.slow
COUNT = 10_000


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    pytest.skip("no /proc/self/status on this system")
    return 0


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    template = folder / "template.png"
    Image.new("RGB", (8, 6), (40, 120, 200)).save(template)
    data = template.read_bytes()
    template.unlink()
    for i in range(COUNT):
        sub = folder / f"part{i // 1000:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"img{i:05d}.png").write_bytes(data)
    return folder


def test_ten_thousand_files_stay_responsive_and_flat(qtbot, make_window, ten_thousand):
    _window, controller = make_window(FakeCaptioner())
    lags: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        lags.append(max(0.0, now - last[0] - 10))
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    baseline = _rss_bytes()
    started = time.perf_counter()
    with qtbot.waitSignal(controller.scan_done, timeout=120_000):
        controller.add_paths([ten_thousand])
    # The folder is listed in chunks and each chunk is queued as it arrives.
    qtbot.waitUntil(
        lambda: all(item.status is Status.DONE for item in controller.model.items()),
        timeout=240_000,
    )
    elapsed = time.perf_counter() - started
    timer.stop()
    grown = _rss_bytes() - baseline

    items = controller.model.items()
    assert len(items) == controller.model.rowCount() == COUNT
    assert all(item.status is Status.DONE for item in items)
    assert grown < 100 * 1024 * 1024, f"RSS grew {grown / 2**20:.0f} MB"
    p99 = statistics.quantiles(lags, n=100)[98] if len(lags) >= 100 else max(lags)
    print(f"10,000 files in {elapsed:.1f} s; RSS +{grown / 2**20:.0f} MB; "  # noqa: T201
          f"event-loop lag p50 {statistics.median(lags):.1f} ms, p99 {p99:.1f} ms")
    assert p99 < 100, f"event loop lagged: p99 {p99:.0f} ms"
