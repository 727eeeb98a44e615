"""Generated videos for the video tests (which skip when PyAV is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.videos import sample_pictures, write_slideshow

#: Shot lengths in seconds: short and long shots, one longer than --every (10 s).
DURATIONS = (3.0, 2.5, 4.0, 1.5, 6.0, 14.0, 3.0)


@pytest.fixture(scope="session")
def slideshow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    """A 34-second H.264 (or mpeg4) slideshow with pans and noise, and its cut times."""
    path = tmp_path_factory.mktemp("videos") / "slideshow.mp4"
    cuts = write_slideshow(path, sample_pictures(len(DURATIONS)), DURATIONS)
    return path, cuts
