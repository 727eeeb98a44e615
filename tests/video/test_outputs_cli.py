"""The command line on a generated video: files a WebVTT parser and Chromium accept."""

from __future__ import annotations

import functools
import http.server
import itertools
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")

from tests.video.conftest import DURATIONS

webvtt = pytest.importorskip("webvtt", reason="webvtt-py (dev extra) is not installed")


def run_cli(*args: str, model: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "CAPDESK_MODEL_DIR": str(model)}
    return subprocess.run(
        [sys.executable, "-m", "capdesk", "video", "describe", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )


def seconds(stamp: str) -> float:
    hours, minutes, rest = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


@pytest.fixture(scope="module")
def written(
    slideshow: tuple[Path, list[float]],
    tiny_model_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    site = tmp_path_factory.mktemp("site")
    video = site / "clip.mp4"
    shutil.copy(slideshow[0], video)
    out = {name: site / f"clip.{name}" for name in ("vtt", "chapters", "transcript", "html")}
    out["chapters"] = site / "clip.chapters.vtt"
    result = run_cli(
        str(video), "--vtt", str(out["vtt"]), "--chapters", str(out["chapters"]),
        "--transcript", str(out["transcript"]), "--html", str(out["html"]),
        model=tiny_model_dir,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+\.\d / 34\.0 s of video", result.stderr)
    return out


def test_a_webvtt_parser_reads_the_descriptions(
    written: dict[str, Path], slideshow: tuple[Path, list[float]]
) -> None:
    captions = webvtt.read(str(written["vtt"])).captions
    assert abs(len(captions) - len(DURATIONS)) <= 1
    starts = [seconds(c.start) for c in captions]
    for cut in slideshow[1]:
        assert min(abs(s - cut) for s in starts) <= 0.5
    for caption, following in itertools.pairwise(captions):
        assert seconds(caption.end) <= seconds(following.start)
        assert seconds(caption.end) - seconds(caption.start) >= 1.0
    assert all(c.text.strip() for c in captions)
    chapters = webvtt.read(str(written["chapters"])).captions
    assert len(chapters) == len(DURATIONS)


def test_transcript_has_a_time_coded_line_per_description(written: dict[str, Path]) -> None:
    lines = written["transcript"].read_text(encoding="utf-8").splitlines()
    coded = [line for line in lines if re.match(r"\[\d\d:\d\d:\d\d\] \S", line)]
    assert len(coded) == len(webvtt.read(str(written["vtt"])).captions)
    assert "clip.mp4" in lines[0]


def test_existing_outputs_are_not_replaced_without_replace(
    written: dict[str, Path], tiny_model_dir: Path
) -> None:
    before = written["vtt"].read_bytes()
    written["vtt"].write_text("mine", encoding="utf-8")
    video = written["vtt"].with_name("clip.mp4")
    refused = run_cli(str(video), "--vtt", str(written["vtt"]), model=tiny_model_dir)
    assert refused.returncode == 2
    assert "--replace" in refused.stderr
    assert written["vtt"].read_text(encoding="utf-8") == "mine"
    onto = run_cli(str(video), "--vtt", str(video), "--replace", model=tiny_model_dir)
    assert onto.returncode == 2 and "video itself" in onto.stderr
    replaced = run_cli(str(video), "--vtt", str(written["vtt"]), "--replace", model=tiny_model_dir)
    assert replaced.returncode == 0, replaced.stderr
    assert written["vtt"].read_bytes() == before


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def server(written: dict[str, Path]) -> Iterator[str]:
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(written["html"].parent)
    )
    handler.log_message = lambda *_a: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/{written['html'].name}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.skipif(
    _chromium() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_chromium_loads_the_page_and_its_description_track(
    written: dict[str, Path], server: str, tmp_path: Path
) -> None:
    dom = subprocess.run(
        [
            str(_chromium()), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
            "--dump-dom", server,
        ],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    count = re.search(r'data-cue-count="(\d+)"', dom)
    assert count is not None, dom[:2000]
    assert int(count.group(1)) == len(webvtt.read(str(written["vtt"])).captions)
    assert dom.count("<li>") == int(count.group(1))
