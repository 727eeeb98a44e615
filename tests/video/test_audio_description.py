"""The audio-description track: spoken by the real espeak-ng, muxed as a second audio stream."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")
pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng)",
)

from tests.support.videos import sample_pictures, write_slideshow  # noqa: E402


def test_descriptions_become_a_visually_impaired_audio_stream(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    write_slideshow(video, sample_pictures(3), [3.0, 1.5, 4.0], audio=True)
    target = tmp_path / "clip.described.mkv"
    result = subprocess.run(
        [sys.executable, "-m", "capdesk", "video", "describe", str(video), "--model",
         str(tiny_model_dir), "--audio-description", str(target)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    # The tiny model's captions take longer to say than the 1.5 s shot lasts.
    assert "s of speech" in result.stderr and "runs into the next one" in result.stderr
    with av.open(str(target)) as container:
        audio = list(container.streams.audio)
        assert len(list(container.streams.video)) == 1
        assert len(audio) == 2
        assert audio[0].disposition & av.stream.Disposition.visual_impaired == 0
        assert audio[1].disposition & av.stream.Disposition.visual_impaired
        assert audio[1].metadata.get("language") == "eng"
        samples = [frame.to_ndarray() for frame in container.decode(audio[1])]
    speech = np.concatenate([s.reshape(-1) for s in samples])
    assert len(speech) / 48000 == pytest.approx(8.5, abs=0.2)
    assert np.abs(speech[: 48000 * 2]).max() > 0.05  # the first description is heard
