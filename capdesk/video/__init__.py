"""Describing videos: key frames of each shot captioned into WebVTT, a transcript and HTML.

No Qt. Decoding needs PyAV (the ``video`` extra); it is imported when a video is opened,
so the rest of capdesk works without it.
"""

from capdesk.video.decoding import VideoError, VideoInfo
from capdesk.video.describe import Cue, DescribeOptions, VideoDescription, describe_video
from capdesk.video.outputs import (
    TimedText,
    chapter_cues,
    render_html,
    render_transcript,
    render_vtt,
    vtt_cues,
    write_outputs,
    write_text,
)

__all__ = [
    "Cue",
    "DescribeOptions",
    "TimedText",
    "VideoDescription",
    "VideoError",
    "VideoInfo",
    "chapter_cues",
    "describe_video",
    "render_html",
    "render_transcript",
    "render_vtt",
    "vtt_cues",
    "write_outputs",
    "write_text",
]
