"""The GUI-side owner of the caption worker: its thread, the waiting list and progress.

Only one request is in flight at a time; everything else waits here, on the GUI thread.
That keeps images dropped during a run in a visible queue and lets Cancel drop the
waiting list at once. A request holds a few engine batches, so the engine can decode the
next batch while it captions this one; ``started`` names one batch at a time, so the
"captioning" status in the list stays honest.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from capdesk.domain import CaptionResult, Language
from capdesk.jobs.messages import (
    CaptionRequest,
    EngineConfig,
    EngineInfo,
    Progress,
    RequestDone,
)
from capdesk.jobs.worker import CaptionWorker, EngineFactory, default_engine_factory

log = logging.getLogger(__name__)


BATCHES_PER_REQUEST = 4
"""Engine batches per request: enough for decode/inference overlap, small enough that
images dropped mid-run wait only briefly."""


@dataclass(frozen=True)
class RunFinished:
    """A run ended: everything captioned, or cancelled with ``unfinished`` left over."""

    cancelled: bool
    captioned: int
    unfinished: tuple[Path, ...]


@dataclass(frozen=True)
class _Pending:
    path: Path
    beam_size: int | None
    languages: tuple[str, ...] | None = None


class CaptionQueue(QObject):
    """Queue captioning work for one long-lived :class:`CaptionWorker` thread."""

    engine_ready = Signal(object)  # EngineInfo
    engine_failed = Signal(str)
    started = Signal(object)  # tuple[Path, ...] now being captioned
    result_ready = Signal(object)  # CaptionResult
    progress = Signal(object)  # Progress
    finished = Signal(object)  # RunFinished
    busy_changed = Signal(bool)
    attention_ready = Signal(object, str, object, str)  # path, text, Caption | None, why not

    _submit = Signal(object)  # CaptionRequest -> worker thread
    _reconfigure = Signal(object)  # EngineConfig -> worker thread
    _attend = Signal(object, str)  # path, caption text -> worker thread

    def __init__(
        self,
        config: EngineConfig,
        factory: EngineFactory | None = None,
        *,
        batch_size: int = 8,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._batch_size = batch_size
        self._request_size = batch_size * BATCHES_PER_REQUEST
        self._current_done = 0
        self._pending: deque[_Pending] = deque()
        self.languages: tuple[str, ...] | None = None
        """The language codes every request from now on asks for (None: the model's
        default); the window sets the ones chosen in Settings that the model ships."""
        self._current: CaptionRequest | None = None
        self._current_left: set[Path] = set()
        self._ids = itertools.count(1)
        self._run_total = 0
        self._run_done = 0
        self._run_first_at: float | None = None
        self._first_done = 0
        self._run_cancelled = False
        self._cancelled_paths: list[Path] = []
        self.engine_info: EngineInfo | None = None
        self.engine_error: str | None = None

        self._thread = QThread()
        self._thread.setObjectName("capdesk-caption-worker")
        self._worker = CaptionWorker(factory or default_engine_factory, config, batch_size)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start)
        self._submit.connect(self._worker.process)
        self._reconfigure.connect(self._worker.reconfigure)
        self._attend.connect(self._worker.attend)
        self._worker.attention_ready.connect(self.attention_ready)
        self._worker.result_ready.connect(self._on_result)
        self._worker.request_done.connect(self._on_request_done)
        self._worker.engine_ready.connect(self._on_engine_ready)
        self._worker.engine_failed.connect(self._on_engine_failed)
        self._thread.finished.connect(self._worker.deleteLater)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread; the model loads there, after the window is shown."""
        if not self._thread.isRunning():
            self._thread.start()

    def reconfigure(self, config: EngineConfig) -> None:
        """Reload the model with new settings once the current request is done."""
        self.engine_info = None
        self.engine_error = None
        self._reconfigure.emit(config)

    def attend(self, path: Path, text: str) -> None:
        """Ask for the attention maps of a caption kept as text (``attention_ready``)."""
        self._attend.emit(path, text)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the thread, so Qt never destroys it running.

        Results the worker finished before it stopped are still waiting in this object's
        event queue (no event loop will run again when the window closes): they are
        delivered here, so ``result_ready`` reports every caption the engine made.
        """
        self.cancel()
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        stopped = bool(self._thread.wait(timeout_ms))
        if stopped:
            QCoreApplication.sendPostedEvents(self)
            self._worker.close_engine()
        else:
            log.error("caption worker did not stop within %d ms", timeout_ms)
        return stopped

    # -- queries -------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Whether the worker thread is alive; False once :meth:`shutdown` returned True."""
        return bool(self._thread.isRunning())

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._pending)

    def queued_paths(self) -> list[Path]:
        """Paths waiting behind the current request, in order."""
        return [item.path for item in self._pending]

    # -- commands ------------------------------------------------------------------
    def enqueue(
        self,
        paths: Iterable[Path],
        beam_size: int | None = None,
        languages: Sequence[str] | None = None,
    ) -> int:
        """Add paths to the run (starting one if idle); returns how many were added.

        ``languages``: the language codes to caption them in, in order (None: the model's
        default); each result then has one caption per language."""
        chosen = None if languages is None else tuple(languages)
        waiting = {item.path for item in self._pending} | self._current_left
        added = [Path(p) for p in dict.fromkeys(paths) if Path(p) not in waiting]
        if not added:
            return 0
        was_busy = self.busy
        if not was_busy:
            self._reset_run()
        self._pending.extend(_Pending(path, beam_size, chosen) for path in added)
        self._run_total += len(added)
        if not was_busy:
            self.busy_changed.emit(True)
        self._emit_progress()
        self._dispatch()
        return len(added)

    def set_languages(self, languages: Iterable[Language]) -> None:
        """Caption in these languages (in order) from the next request on."""
        self.languages = tuple(language.code for language in languages)

    def discard(self, paths: Iterable[Path]) -> None:
        """Forget waiting paths (removed from the list); the request in flight finishes."""
        doomed = set(paths)
        before = len(self._pending)
        self._pending = deque(item for item in self._pending if item.path not in doomed)
        self._run_total -= before - len(self._pending)
        if before != len(self._pending):
            self._emit_progress()

    def cancel(self) -> None:
        """Stop within one decode step and drop the waiting list."""
        if not self.busy:
            return
        self._run_cancelled = True
        self._cancelled_paths.extend(item.path for item in self._pending)
        self._pending.clear()
        if self._current is not None:
            self._current.cancel.set()  # read by the worker thread between steps
        else:
            self._finish_run()

    # -- internals -----------------------------------------------------------------
    def _dispatch(self) -> None:
        if self._current is not None or not self._pending:
            return
        first = self._pending[0]
        beam, languages = first.beam_size, first.languages
        batch: list[Path] = []
        while self._pending and len(batch) < self._request_size:
            head = self._pending[0]
            if (head.beam_size, head.languages) != (beam, languages):
                break
            batch.append(self._pending.popleft().path)
        request = CaptionRequest(
            job_id=next(self._ids), paths=tuple(batch), beam_size=beam,
            languages=languages if languages is not None else self.languages,
        )
        self._current = request
        self._current_left = set(batch)
        self._current_done = 0
        self.started.emit(request.paths[: self._batch_size])
        self._submit.emit(request)

    @Slot(object)
    def _on_result(self, result: CaptionResult) -> None:
        if self._current is None or result.path not in self._current_left:
            return  # a late result from a request already given up on
        self._current_left.discard(result.path)
        self._current_done += 1
        if self._current_done % self._batch_size == 0:  # the engine moves to its next batch
            following = self._current.paths[
                self._current_done : self._current_done + self._batch_size
            ]
            if following:
                self.started.emit(following)
        self._run_done += 1
        if self._run_first_at is None:
            self._run_first_at = time.perf_counter()
            self._first_done = self._run_done
        self.result_ready.emit(result)
        self._emit_progress()

    @Slot(object)
    def _on_request_done(self, done: RequestDone) -> None:
        current = self._current
        if current is None or done.job_id != current.job_id:
            return
        left = [p for p in current.paths if p in self._current_left]
        self._current = None
        self._current_left = set()
        if done.cancelled or self._run_cancelled:
            self._cancelled_paths = left + self._cancelled_paths
            self._finish_run()
            if self._pending:  # dropped after Cancel was pressed: a fresh run
                self._reset_run()
                self._run_total = len(self._pending)
                self.busy_changed.emit(True)
                self._dispatch()
            return
        if left:  # the engine skipped some paths without a result: requeue them once
            log.warning("engine returned no result for %d paths", len(left))
            for path in left:
                self.result_ready.emit(
                    CaptionResult(
                        path=path,
                        caption=None,
                        error="No result from the engine",
                        provider="",
                        milliseconds=0.0,
                    )
                )
                self._run_done += 1
        if self._pending:
            self._dispatch()
        else:
            self._finish_run()

    def _reset_run(self) -> None:
        self._run_total = 0
        self._run_done = 0
        self._run_first_at = None
        self._first_done = 0
        self._run_cancelled = False
        self._cancelled_paths = []

    def _finish_run(self) -> None:
        finished = RunFinished(
            cancelled=self._run_cancelled,
            captioned=self._run_done,
            unfinished=tuple(self._cancelled_paths),
        )
        self._cancelled_paths = []
        self._emit_progress()
        self.busy_changed.emit(False)
        self.finished.emit(finished)

    def _emit_progress(self) -> None:
        rate = 0.0
        left: float | None = None
        if self._run_first_at is not None:
            elapsed = time.perf_counter() - self._run_first_at
            counted = self._run_done - self._first_done
            if elapsed > 0.05 and counted > 0:
                rate = counted / elapsed
                left = (self._run_total - self._run_done) / rate
        self.progress.emit(Progress(self._run_done, self._run_total, rate, left))

    @Slot(object)
    def _on_engine_ready(self, info: EngineInfo) -> None:
        self.engine_info = info
        self.engine_error = None
        self.engine_ready.emit(info)

    @Slot(str)
    def _on_engine_failed(self, message: str) -> None:
        self.engine_info = None
        self.engine_error = message
        self.engine_failed.emit(message)
