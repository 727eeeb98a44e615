"""Describe videos off the GUI thread: one worker QObject on its own QThread, one video at a time.

The worker runs :func:`capdesk.video.describe_video` and, like superqt's GeneratorWorker,
emits one signal per result: ``started`` with the container's :class:`VideoInfo`, a
``cue_found`` for every cue captioned (or extended, when a merge or a short remainder
moves its end), ``progress`` as video time done / total, and ``finished`` once. The GUI
keeps the waiting list (:class:`VideoJob`), so Cancel drops it at once and sets the
request's ``threading.Event``, which ``describe_video`` reads before every decoded frame
and between beam-search steps: a run stops within one frame.

The worker builds its own captioner, lazily, on the first video: the photo worker's
engine is only required to caption paths (``CaptionEngine``), and a model used by two
threads at once would need locking that photos never pay for. The cost is a second copy
of the sessions (about the model's size in memory) while videos are described beside
photos. ``capdesk.video`` and the engine are imported in the worker thread only, so the
window still opens without ONNX Runtime loaded.

Nothing here reads a Qt item model: requests and results are plain frozen values, and
each cue sent is a copy the worker no longer touches.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from capdesk.jobs.messages import EngineConfig

if TYPE_CHECKING:
    from capdesk.video import Cue, VideoDescription, VideoInfo

log = logging.getLogger(__name__)

VideoEngineFactory = Callable[[EngineConfig], Any]
"""Builds what ``describe_video`` needs (a :class:`capdesk.engine.Captioner`)."""

PROGRESS_INTERVAL = 0.1
"""Seconds of wall time between two progress signals (a 25 fps video has 15,000 frames
in 10 minutes; the cancel flag is still read at every one of them)."""


def default_video_engine_factory(config: EngineConfig) -> Any:
    from capdesk.engine import Captioner  # noqa: PLC0415  (heavy: onnxruntime)

    return Captioner(config.model_dir, provider=config.provider, threads=config.threads)


def clock(seconds: float) -> str:
    """``02:10`` (minutes:seconds, rounded), ``1:02:10`` past an hour, as players show time."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


@dataclass(frozen=True)
class VideoRequest:
    job_id: int
    path: Path
    options: dict[str, Any] = field(default_factory=dict)
    """``DescribeOptions`` fields (plain values; the worker builds the options)."""
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class VideoStarted:
    job_id: int
    info: VideoInfo


@dataclass(frozen=True)
class CueFound:
    """Cue number ``index`` (0-based) is new, or its end moved; ``cue`` is a copy."""

    job_id: int
    index: int
    cue: Cue


@dataclass(frozen=True)
class VideoProgress:
    job_id: int
    done: float
    total: float

    @property
    def text(self) -> str:
        """``02:10 / 10:00``: video time described so far / the video's length."""
        return f"{clock(self.done)} / {clock(self.total)}"


@dataclass(frozen=True)
class VideoFinished:
    """The run ended: ``description`` (None when nothing could be read, ``error`` says
    why), cancelled or not; a fault part-way is ``description.fault``."""

    job_id: int
    path: Path
    description: VideoDescription | None
    error: str | None
    cancelled: bool


class VideoWorker(QObject):
    """Lives on the video thread; see the module docstring."""

    started = Signal(object)  # VideoStarted
    cue_found = Signal(object)  # CueFound
    progress = Signal(object)  # VideoProgress
    finished = Signal(object)  # VideoFinished

    def __init__(self, factory: VideoEngineFactory, config: EngineConfig) -> None:
        super().__init__()
        self._factory = factory
        self._config = config
        self._engine: Any = None
        self._engine_config: EngineConfig | None = None

    @Slot(object)
    def reconfigure(self, config: EngineConfig) -> None:
        self._config = config  # the next video loads the new model

    def close_engine(self) -> None:
        """Release the sessions; only once the thread has stopped."""
        if self._engine is not None:
            try:
                self._engine.close()
            except Exception:  # closing must never block quitting
                log.debug("video engine close failed", exc_info=True)
        self._engine = None

    def _engine_now(self) -> Any:
        if self._engine is None or self._engine_config != self._config:
            self.close_engine()
            self._engine = self._factory(self._config)
            self._engine_config = self._config
        return self._engine

    @Slot(object)
    def describe(self, request: VideoRequest) -> None:
        """Describe one video, emitting as it goes; never raises."""
        from capdesk.video import (  # noqa: PLC0415  (see the module docstring)
            DescribeOptions,
            VideoError,
            describe_video,
        )
        from capdesk.video.decoding import open_video  # noqa: PLC0415

        job, description, error = request.job_id, None, None
        last, seen = [0.0], [0.0]

        def progress(done: float, total: float) -> None:
            seen[0] = done
            now = time.perf_counter()
            if now - last[0] >= PROGRESS_INTERVAL:
                last[0] = now
                self.progress.emit(VideoProgress(job, done, total))

        def found(index: int, cue: Cue) -> None:
            self.cue_found.emit(CueFound(job, index, replace(cue)))

        try:
            if request.cancel.is_set():
                raise _Skipped
            container, _stream, info = open_video(request.path)
            container.close()
            self.started.emit(VideoStarted(job, info))
            engine = self._engine_now()
            description = describe_video(
                request.path, engine, DescribeOptions(**request.options), progress=progress,
                should_cancel=request.cancel.is_set, on_cue=found,
            )
            done = seen[0] if description.cancelled or description.fault else info.duration
            self.progress.emit(VideoProgress(job, done, info.duration))
        except _Skipped:
            pass
        except VideoError as exc:
            error = str(exc)
        except Exception as exc:  # a model that won't load, an engine bug: say so, go on
            log.exception("describing %s failed", request.path)
            error = f"Describing failed: {exc}"
        self.finished.emit(
            VideoFinished(job, request.path, description, error, request.cancel.is_set())
        )


class _Skipped(Exception):
    """Cancelled before it started."""


class VideoJob(QObject):
    """The GUI-side owner of the video worker: its thread, the waiting list, Cancel."""

    started = Signal(object)  # VideoStarted
    cue_found = Signal(object)  # CueFound
    progress = Signal(object)  # VideoProgress
    finished = Signal(object)  # VideoFinished
    busy_changed = Signal(bool)

    _submit = Signal(object)  # VideoRequest -> worker thread
    _reconfigure = Signal(object)  # EngineConfig -> worker thread

    def __init__(
        self,
        config: EngineConfig,
        factory: VideoEngineFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: deque[VideoRequest] = deque()
        self._current: VideoRequest | None = None
        self._thread = QThread()
        self._thread.setObjectName("capdesk-video-worker")
        self._worker = VideoWorker(factory or default_video_engine_factory, config)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.describe)
        self._reconfigure.connect(self._worker.reconfigure)
        self._worker.started.connect(self.started)
        self._worker.cue_found.connect(self.cue_found)
        self._worker.progress.connect(self.progress)
        self._worker.finished.connect(self._on_finished)
        self._thread.finished.connect(self._worker.deleteLater)

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._pending)

    @property
    def current_job(self) -> int | None:
        return self._current.job_id if self._current is not None else None

    def describe(self, path: Path, options: dict[str, Any] | None = None) -> int:
        """Queue ``path`` (``options``: DescribeOptions fields); returns its job id. The
        thread starts with the first video."""
        request = VideoRequest(next(self._ids), Path(path), dict(options or {}))
        was_busy = self.busy
        self._pending.append(request)
        if not was_busy:
            self.busy_changed.emit(True)
        self._dispatch()
        return request.job_id

    def cancel(self, job_id: int | None = None) -> None:
        """Stop ``job_id`` (default: the running one and everything waiting)."""
        was_busy = self.busy
        for request in list(self._pending):
            if job_id is None or request.job_id == job_id:
                self._pending.remove(request)
                self.finished.emit(VideoFinished(request.job_id, request.path, None, None, True))
        if self._current is not None and job_id in (None, self._current.job_id):
            self._current.cancel.set()  # read by the worker before every frame
        if was_busy and not self.busy:
            self.busy_changed.emit(False)

    def reconfigure(self, config: EngineConfig) -> None:
        self._reconfigure.emit(config)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        self.cancel()
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        stopped = bool(self._thread.wait(timeout_ms))
        if stopped:
            self._worker.close_engine()
        else:
            log.error("video worker did not stop within %d ms", timeout_ms)
        return stopped

    def _dispatch(self) -> None:
        if self._current is not None or not self._pending:
            return
        if not self._thread.isRunning():
            self._thread.start()
        self._current = self._pending.popleft()
        self._submit.emit(self._current)

    @Slot(object)
    def _on_finished(self, finished: VideoFinished) -> None:
        if self._current is not None and finished.job_id == self._current.job_id:
            self._current = None
        self.finished.emit(finished)
        self._dispatch()
        if not self.busy:
            self.busy_changed.emit(False)
