"""Background work for the app: the caption worker thread and off-thread image decoding.

Qt lives here and in ``capdesk.ui`` only; nothing in this package touches widgets.
"""

from capdesk.jobs.images import ImageLoader, qimage_to_rgb, rgb_to_qimage
from capdesk.jobs.library_job import LibraryKeeper
from capdesk.jobs.messages import (
    CaptionRequest,
    EngineConfig,
    EngineInfo,
    Progress,
    RequestDone,
    format_duration,
)
from capdesk.jobs.queue import CaptionQueue, RunFinished
from capdesk.jobs.scanner import PathScanner
from capdesk.jobs.worker import (
    AttentionEngine,
    CaptionEngine,
    CaptionWorker,
    EngineFactory,
    default_engine_factory,
)

__all__ = [
    "AttentionEngine",
    "CaptionEngine",
    "CaptionQueue",
    "CaptionRequest",
    "CaptionWorker",
    "EngineConfig",
    "EngineFactory",
    "EngineInfo",
    "ImageLoader",
    "LibraryKeeper",
    "PathScanner",
    "Progress",
    "RequestDone",
    "RunFinished",
    "default_engine_factory",
    "format_duration",
    "qimage_to_rgb",
    "rgb_to_qimage",
]
