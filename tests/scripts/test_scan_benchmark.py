"""The folder-scan benchmark runs end to end and finds the same alt texts old and new."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, write_photo


def test_scan_benchmark_runs_and_agrees(tmp_path: Path) -> None:
    pytest.importorskip("pyexiv2", reason="the benchmark writes alt text with pyexiv2")
    samples = tmp_path / "samples"
    samples.mkdir()
    for seed in range(3):
        write_photo(samples / f"s{seed}.jpg", (80, 60), seed=seed)
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "scan_benchmark.py"), str(work),
         "--samples", str(samples), "--count", "40", "--rounds", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert done.returncode == 0, done.stderr
    assert "old and new found the same alt texts: True" in done.stdout
    assert "(4 with alt text)" in done.stdout  # every tenth of 40
    assert list(work.iterdir()) == []  # its temporary folder is gone
