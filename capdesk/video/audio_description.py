"""An audio-description track: each description spoken by espeak-ng, muxed as a second stream.

espeak-ng (Debian ``espeak-ng``, GPL-3.0-or-later) runs as a separate program, once per
description, writing WAV; capdesk never links it. The speech is placed at its cue's start
(or right after the previous description, if that one is still being spoken), mixed over
the video's own first audio track (lowered to half while a description plays) and muxed
with PyAV as an extra AAC stream whose disposition is ``visual_impaired`` and
``descriptions``, next to copies of the original streams. A description longer than its
cue is reported in :attr:`AudioDescription.overruns`, so the person can shorten it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from capdesk.video.decoding import VideoError, _av
from capdesk.video.describe import VideoDescription

RATE = 48_000


@dataclass
class AudioDescription:
    """The mixed track (float32 mono at RATE) and where speech ran past its cue."""

    samples: np.ndarray
    overruns: list[tuple[float, float, float, float]] = field(default_factory=list)
    """(cue start, seconds of speech, seconds the cue lasts, seconds it started late) for
    each description whose speech runs past its cue's end."""


def espeak() -> str:
    found = shutil.which("espeak-ng")
    if found is None:
        raise VideoError("the audio description needs espeak-ng (apt-get install espeak-ng)")
    return found


def speak(text: str, voice: str = "en") -> np.ndarray:
    """The text spoken by espeak-ng, float32 mono resampled to RATE."""
    with tempfile.TemporaryDirectory() as scratch:
        wav = Path(scratch) / "speech.wav"
        subprocess.run(
            [espeak(), "-v", voice, "-w", str(wav), "--", text],
            check=True, capture_output=True, timeout=60,
        )
        with wave.open(str(wav)) as reader:
            rate, width = reader.getframerate(), reader.getsampwidth()
            raw = reader.readframes(reader.getnframes())
    if width != 2:
        raise VideoError(f"espeak-ng wrote {8 * width}-bit audio; 16-bit expected")
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    times = np.arange(round(len(pcm) * RATE / rate)) * (rate / RATE)
    return np.interp(times, np.arange(len(pcm)), pcm).astype(np.float32)


def build(description: VideoDescription, voice: str = "en") -> AudioDescription:
    """Speak every cue and mix it over the video's own audio (if any)."""
    end = max(description.info.duration, description.end)
    base = _original_audio(description.info.path, round(end * RATE))
    track = base * 1.0
    result = AudioDescription(track)
    free_at = 0
    for cue in description.cues:
        if not cue.text:
            continue
        speech = speak(cue.text, voice)
        start = max(round(cue.start * RATE), free_at)
        stop = min(start + len(speech), len(track))
        track[start:stop] = base[start:stop] * 0.5 + speech[: stop - start]
        free_at = stop
        if start + len(speech) > round(cue.end * RATE):
            late = start / RATE - cue.start
            result.overruns.append((cue.start, len(speech) / RATE, cue.end - cue.start, late))
    np.clip(track, -1.0, 1.0, out=track)
    return result


def _original_audio(path: Path, length: int) -> np.ndarray:
    av = _av()
    track = np.zeros(length, dtype=np.float32)
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return track
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        at = 0
        for frame in container.decode(container.streams.audio[0]):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1)[: max(length - at, 0)]
                track[at : at + len(chunk)] = chunk
                at += len(chunk)
    return track


def mux(source: Path, target: Path, track: AudioDescription, lang: str = "en") -> None:
    """Copy ``source``'s streams to ``target`` and add the description track."""
    av = _av()
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        copies = {s.index: out.add_stream_from_template(s) for s in inp.streams
                  if s.type in ("video", "audio")}
        described = out.add_stream("aac", rate=RATE, layout="mono")
        described.disposition = (
            av.stream.Disposition.visual_impaired | av.stream.Disposition.descriptions
        )
        described.metadata["language"] = _iso639_2(lang)
        described.metadata["title"] = "Audio description (capdesk, espeak-ng)"
        packets = _encode(av, described, track.samples)
        pending = 0
        for packet in inp.demux(*[inp.streams[i] for i in copies]):
            if packet.dts is None:
                continue
            when = float(packet.dts * packet.time_base)
            while pending < len(packets) and _time(packets[pending]) <= when:
                out.mux(packets[pending])
                pending += 1
            packet.stream = copies[packet.stream.index]
            out.mux(packet)
        for rest in packets[pending:]:
            out.mux(rest)


def _encode(av: Any, stream: Any, samples: np.ndarray) -> list[Any]:
    packets: list[Any] = []
    size = 1024
    for at in range(0, len(samples), size):
        frame = av.AudioFrame.from_ndarray(
            samples[at : at + size].reshape(1, -1), format="flt", layout="mono"
        )
        frame.sample_rate, frame.pts = RATE, at
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets


def _time(packet: Any) -> float:
    return float((packet.dts or 0) * packet.time_base) if packet.time_base else 0.0


def _iso639_2(lang: str) -> str:
    return {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld"}.get(
        lang.split("-", maxsplit=1)[0].lower(), "und"
    )
