"""Pixels in and pictures out: loading image files and drawing attention maps (no Qt)."""

from capdesk.imaging.formats import (
    IMAGE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    expand_paths,
    is_image_path,
    is_video_path,
)
from capdesk.imaging.frames import squash_rgb
from capdesk.imaging.heatmap import attention_heatmap, blend_overlay, blend_weight, colorize
from capdesk.imaging.loading import ImageLoadError, load_for_model, load_rgb
from capdesk.imaging.quality import QualityReport, QualityThresholds, assess_quality

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "ImageLoadError",
    "QualityReport",
    "QualityThresholds",
    "assess_quality",
    "attention_heatmap",
    "blend_overlay",
    "blend_weight",
    "colorize",
    "expand_paths",
    "is_image_path",
    "is_video_path",
    "load_for_model",
    "load_rgb",
    "squash_rgb",
]
