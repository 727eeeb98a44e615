"""``capdesk video describe``: a video's key frames captioned into description files.

Outputs (any of them; with none named, ``IN.descriptions.vtt`` next to the video): a
WebVTT descriptions track, a chapters track, a time-coded transcript and an HTML page
that plays the video with both tracks. Like ``capdesk caption``, nothing that exists is
replaced without ``--replace`` and nothing is written over the video itself; both are
checked before the model is loaded. Descriptions found before a decoding fault are still
written, and the fault is reported (exit status 1).
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from capdesk.cli.caption import EXIT_REFUSED, add_model_options
from capdesk.engine import Captioner
from capdesk.export.atomic import ExportError
from capdesk.video import (
    DescribeOptions,
    VideoDescription,
    VideoError,
    describe_video,
    write_outputs,
)
from capdesk.video.audio_description import build as build_audio_description
from capdesk.video.audio_description import espeak, mux
from capdesk.video.outputs import timestamp

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    video = subparsers.add_parser("video", help="describe videos (WebVTT descriptions)")
    commands = video.add_subparsers(dest="video_command", required=True, metavar="COMMAND")
    parser = commands.add_parser(
        "describe",
        help="caption a video's shots into a WebVTT description track",
        description="Find the shots of a video, caption one frame per shot (and one at least "
        "every --every seconds), and write the descriptions. Exit status 1 when the video "
        "could not be (fully) read, 2 when nothing was done (an output exists without "
        "--replace, or would overwrite the video).",
    )
    parser.add_argument("video", type=Path, metavar="IN")
    parser.add_argument("--vtt", type=Path, metavar="OUT", help="WebVTT descriptions track")
    parser.add_argument("--chapters", type=Path, metavar="OUT", help="WebVTT chapters track")
    parser.add_argument("--transcript", type=Path, metavar="OUT",
                        help="plain-text transcript with time codes")
    parser.add_argument("--html", type=Path, metavar="OUT",
                        help="HTML page with the video and its tracks (writes --vtt too)")
    parser.add_argument("--audio-description", type=Path, metavar="OUT",
                        help="a copy of the video (.mkv or .mp4) with the descriptions spoken "
                        "by espeak-ng as an extra audio stream marked for visually impaired "
                        "viewers")
    parser.add_argument("--voice", default=None,
                        help="espeak-ng voice for --audio-description (default: --lang)")
    parser.add_argument("--every", type=_positive, default=10.0, metavar="SECONDS",
                        help="describe at least every SECONDS in long shots (default 10)")
    parser.add_argument("--lang", default="en", help="language of the tracks (default en)")
    parser.add_argument("--replace", action="store_true",
                        help="replace output files that already exist")
    add_model_options(parser)
    parser.set_defaults(run=run)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _outputs(args: argparse.Namespace) -> dict[str, Path]:
    video: Path = args.video
    wanted = {
        name: getattr(args, name)
        for name in ("vtt", "chapters", "transcript", "html", "audio_description")
        if getattr(args, name) is not None
    }
    if "vtt" not in wanted and (set(wanted) <= {"audio_description"} or "html" in wanted):
        wanted["vtt"] = video.with_name(video.stem + ".descriptions.vtt")
    return wanted


def refusal(video: Path, outputs: dict[str, Path], replace: bool) -> str | None:
    """Why the outputs may not be written (before anything is done), or None."""
    targets = list(outputs.values())
    if len({t.resolve() for t in targets}) < len(targets):
        return "two outputs name the same file; give each its own name"
    for target in targets:
        if target.exists() and video.exists() and target.samefile(video):
            return f"{target} is the video itself; choose another output name"
    missing = sorted({str(t.parent) for t in targets if not t.parent.is_dir()})
    if missing:
        return f"folder does not exist: {', '.join(missing)}"
    existing = [t for t in targets if t.exists()]
    if existing and not replace:
        names = ", ".join(str(t) for t in existing)
        return f"{names} already exist(s); nothing was written. Use --replace to replace."
    return None


class _Clock:
    """``12.5 / 600.0 s of video`` on stderr: redrawn on a terminal, every 10 % on a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last = 0.0
        self.step = -1

    def __call__(self, done: float, total: float) -> None:
        now = time.perf_counter()
        if self.tty and now - self.last > 0.2:
            self.last = now
            self.stream.write(f"\r{timestamp(done, vtt=False)} / {timestamp(total, vtt=False)}")
            self.stream.flush()
        elif not self.tty and total > 0 and int(10 * done / total) > self.step:
            self.step = int(10 * done / total)
            self.stream.write(f"{done:.1f} / {total:.1f} s of video\n")
            self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")


def run(args: argparse.Namespace, stderr: TextIO | None = None) -> int:
    stream = stderr or sys.stderr
    video: Path = args.video
    outputs = _outputs(args)
    why = refusal(video, outputs, args.replace)
    if why:
        log.error("%s", why)
        return EXIT_REFUSED
    if "audio_description" in outputs:
        try:
            espeak()
        except VideoError as exc:
            log.error("%s", exc)
            return EXIT_REFUSED
    options = DescribeOptions(every=args.every, beam_size=args.beam)
    clock = _Clock(stream)
    started = time.perf_counter()
    try:
        with Captioner(args.model, provider=args.provider, threads=args.threads) as captioner:
            description = describe_video(video, captioner, options, progress=clock)
    except VideoError as exc:
        clock.end()
        log.error("%s", exc)
        return 1
    clock.end()
    try:
        write_outputs(description, outputs, lang=args.lang)
        if "audio_description" in outputs:
            _audio_description(description, outputs["audio_description"], args, stream)
    except (ExportError, VideoError, OSError, subprocess.SubprocessError) as exc:
        log.error("%s", exc)
        return 1
    seconds = time.perf_counter() - started
    stream.write(
        f"{len(description.cues)} descriptions for {len(description.shots)} shots of "
        f"{description.info.duration:.1f} s in {seconds:.1f} s; wrote "
        + ", ".join(str(p) for p in outputs.values())
        + "\n"
    )
    if description.fault:
        log.error("%s: %s; the descriptions before it were written", video, description.fault)
        return 1
    return 0


def _audio_description(
    description: VideoDescription, target: Path, args: argparse.Namespace, stream: TextIO
) -> None:
    track = build_audio_description(description, args.voice or args.lang)
    partial = target.with_name(f".{target.stem}.partial{target.suffix}")
    try:
        mux(description.info.path, partial, track, lang=args.lang)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    for start, spoken, lasts, late in track.overruns:
        after = f", starting {late:.1f} s late after the one before" if late > 0 else ""
        stream.write(
            f"audio description at {timestamp(start, vtt=False)}: {spoken:.1f} s of speech"
            f"{after} for a {lasts:.1f} s cue; it runs into the next one\n"
        )
