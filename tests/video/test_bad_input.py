"""Bad videos: a clear message each, and the descriptions found before a fault are kept."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")

from capdesk.engine import Captioner  # noqa: E402
from capdesk.video import VideoError, describe_video  # noqa: E402
from tests.support.videos import sample_pictures, write_audio_only, write_slideshow  # noqa: E402


@pytest.fixture(scope="module")
def captioner(tiny_model_dir: Path) -> Captioner:
    return Captioner(tiny_model_dir)


@pytest.fixture(scope="module")
def mkv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Matroska, so a cut-off file still has readable clusters before the cut."""
    path = tmp_path_factory.mktemp("bad") / "four.mkv"
    write_slideshow(path, sample_pictures(4), [3.0, 3.0, 3.0, 3.0])
    return path


def refused(captioner: Captioner, path: Path) -> str:
    with pytest.raises(VideoError) as caught:
        describe_video(path, captioner)
    assert str(path) in str(caught.value)
    return str(caught.value)


def test_missing_empty_and_not_a_video(captioner: Captioner, tmp_path: Path) -> None:
    assert "file not found" in refused(captioner, tmp_path / "nope.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    assert "empty file" in refused(captioner, tmp_path / "empty.mp4")
    (tmp_path / "text.mp4").write_text("not a video", encoding="utf-8")
    assert "not a video file" in refused(captioner, tmp_path / "text.mp4")


def test_audio_only(captioner: Captioner, tmp_path: Path) -> None:
    message = refused(captioner, write_audio_only(tmp_path / "voice.m4a"))
    assert "only audio" in message


def test_zero_second_video(captioner: Captioner, tmp_path: Path) -> None:
    for name in ("zero.mkv", "zero.mp4"):
        container = av.open(str(tmp_path / name), "w")
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
        container.close()
        message = refused(captioner, tmp_path / name)
        assert "0-second" in message or "0 seconds" in message or "no frames" in message


def test_truncated_file_keeps_the_descriptions_before_the_cut(
    captioner: Captioner, mkv: Path, tmp_path: Path
) -> None:
    data = mkv.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    result = describe_video(cut, captioner)
    assert result.fault is not None and "truncated" in result.fault
    assert len(result.cues) >= 2
    assert all(cue.text for cue in result.cues)
    assert result.cues[-1].end < 12.0


def test_truncated_mp4_without_its_index_says_so(captioner: Captioner, tmp_path: Path) -> None:
    whole = tmp_path / "whole.mp4"
    write_slideshow(whole, sample_pictures(2), [2.0, 2.0])
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[:2000])
    assert "truncated" in refused(captioner, cut)


def test_corrupt_data_keeps_what_came_before(
    captioner: Captioner, mkv: Path, tmp_path: Path
) -> None:
    data = bytearray(mkv.read_bytes())
    start = len(data) // 3
    data[start : start + 4000] = bytes((b * 7 + 3) % 256 for b in data[start : start + 4000])
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(bytes(data))
    result = describe_video(broken, captioner)
    assert result.cues, "the cues before the damage are kept"
    assert result.cues[0].start == 0.0 and result.cues[0].text
    if result.fault is None:  # FFmpeg concealed the damage: then the whole video is described
        assert result.cues[-1].end == pytest.approx(12.0, abs=0.1)


def test_variable_frame_rate_uses_timestamps(captioner: Captioner, tmp_path: Path) -> None:
    path = tmp_path / "vfr.mkv"
    container = av.open(str(path), "w")
    stream = container.add_stream("mpeg4", rate=25)
    stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
    stream.codec_context.time_base = Fraction(1, 1000)
    pictures = [np.asarray(p.resize((160, 96))) for p in sample_pictures(3)]
    millis = 0
    for i in range(150):  # 20 ms and 60 ms apart in turn; a new picture every 50 frames
        frame = av.VideoFrame.from_ndarray(pictures[i // 50], "rgb24")
        frame.pts, frame.time_base = millis, Fraction(1, 1000)
        container.mux(stream.encode(frame))
        millis += 20 if i % 2 else 60
    container.mux(stream.encode())
    container.close()
    result = describe_video(path, captioner)
    starts = [cue.start for cue in result.cues]
    assert len(starts) == 3
    assert starts[1] == pytest.approx(2.0, abs=0.1) and starts[2] == pytest.approx(4.0, abs=0.1)


def test_8k_frames_are_decoded_at_reduced_size(captioner: Captioner, tmp_path: Path) -> None:
    path = tmp_path / "8k.mp4"
    cuts = write_slideshow(
        path, sample_pictures(2, (320, 180)), [1.2, 1.2], size=(7680, 4320), fps=5, noise=0
    )
    result = describe_video(path, captioner)
    assert result.info.width == 7680
    assert [round(c.start, 1) for c in result.cues] == [0.0, cuts[0]]
