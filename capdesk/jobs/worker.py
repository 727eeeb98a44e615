"""The caption worker: one long-lived QObject on a QThread that owns the engine.

The engine is created inside the worker thread (in :meth:`CaptionWorker.start`), so the
window paints before the model has loaded. The worker only sees plain requests and only
emits plain results; it never touches widgets or Qt item models. Like superqt's
GeneratorWorker it checks for cancellation at every step and emits one signal per
result, so the GUI can update incrementally.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QObject, Signal, Slot

from capdesk.domain import Caption, CaptionResult, Language
from capdesk.jobs.messages import CaptionRequest, EngineConfig, EngineInfo, RequestDone

log = logging.getLogger(__name__)


@runtime_checkable
class CaptionEngine(Protocol):
    """What the worker needs from an engine: :class:`capdesk.engine.Captioner` provides it.

    Declared here, where it is used, so the worker never imports the engine (and ONNX
    Runtime) before the window is shown, and so the test double in ``tests/support`` is
    checked against the same contract; ``tests/jobs/test_engine_contract.py`` runs one
    set of behaviour tests against both. The contract of :meth:`caption_paths`: one
    result per path, in input order, an unreadable file being a result with ``error``
    set (never an exception); ``should_cancel`` is asked before every batch (and may be
    asked more often), and once it answers True no later batch is started. ``languages``
    (codes, None: the model's default) are all captioned per image: each result's
    ``languages`` holds one :class:`~capdesk.domain.LanguageCaption` per language, in
    that order; a language the model lacks raises ``LanguageError`` (a ValueError)
    before any result.
    """

    @property
    def provider(self) -> str: ...

    @property
    def model_name(self) -> str: ...

    @property
    def available_languages(self) -> tuple[Language, ...]: ...

    def caption_paths(
        self,
        paths: Iterable[Path],
        *,
        beam_size: int | None = None,
        batch_size: int = 8,
        should_cancel: Callable[[], bool] | None = None,
        languages: Sequence[str] | None = None,
    ) -> Iterator[CaptionResult]: ...

    def close(self) -> None:
        """Release sessions and threads; called once, after the worker thread stopped."""
        ...


@runtime_checkable
class AttentionEngine(Protocol):
    """An engine that can recompute a stored caption's attention maps (forced decoding,
    :meth:`capdesk.engine.Captioner.attend`); optional, so other engines still fit."""

    def attend(self, path: Path, text: str) -> Caption | None: ...


EngineFactory = Callable[[EngineConfig], CaptionEngine]


def default_engine_factory(config: EngineConfig) -> CaptionEngine:
    """Build the real ONNX captioner; imported lazily so the window opens without it."""
    from capdesk.engine import Captioner  # noqa: PLC0415  (heavy: onnxruntime)

    # "auto": read when a reader is installed, else caption without reading (a warning).
    return Captioner(config.model_dir, provider=config.provider, threads=config.threads,
                     read_text="auto" if config.read_text else False)


def _failed(path: Path, message: str, provider: str = "") -> CaptionResult:
    return CaptionResult(
        path=path, caption=None, error=message, provider=provider, milliseconds=0.0
    )


class CaptionWorker(QObject):
    """Runs on the worker thread; see the module docstring for the contract."""

    engine_ready = Signal(object)  # EngineInfo
    engine_failed = Signal(str)  # the ModelError message, naming the file and the fix
    result_ready = Signal(object)  # CaptionResult
    request_done = Signal(object)  # RequestDone
    attention_ready = Signal(object, str, object, str)  # path, text, Caption | None, why not

    def __init__(self, factory: EngineFactory, config: EngineConfig, batch_size: int = 8) -> None:
        super().__init__()
        self._factory = factory
        self._config = config
        self._batch_size = batch_size
        self._engine: CaptionEngine | None = None
        self._engine_error = "The model has not been loaded yet."

    @Slot()
    def start(self) -> None:
        """Load the engine; connected to ``QThread.started`` so it runs in the thread."""
        self._load()

    @Slot(object)
    def reconfigure(self, config: EngineConfig) -> None:
        """Reload the engine with a new model folder or provider (from the settings)."""
        if config == self._config and self._engine is not None:
            return
        self._config = config
        self.close_engine()
        self._load()

    def close_engine(self) -> None:
        """Release the engine's sessions; call only once the worker thread has stopped."""
        if self._engine is not None:
            try:
                self._engine.close()
            except Exception:  # closing must never block quitting
                log.debug("engine close failed", exc_info=True)
        self._engine = None

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            engine = self._factory(self._config)
        except Exception as exc:  # ModelError, or anything a broken install raises
            self._engine = None
            self._engine_error = str(exc) or type(exc).__name__
            log.warning("model failed to load: %s", self._engine_error)
            self.engine_failed.emit(self._engine_error)
            return
        self._engine = engine
        info = EngineInfo(
            provider=engine.provider,
            model_name=engine.model_name,
            load_seconds=time.perf_counter() - started,
            languages=engine.available_languages,
        )
        log.info(
            "model %s loaded on %s in %.2f s", info.model_name, info.provider, info.load_seconds
        )
        self.engine_ready.emit(info)

    @Slot(object, str)
    def attend(self, path: Path, text: str) -> None:
        """Recompute the attention maps of ``text`` on ``path``; never raises. Runs between
        two caption requests (a request is a few batches), so it waits briefly in a run."""
        engine = self._engine
        caption, why = None, ""
        if not isinstance(engine, AttentionEngine):
            why = self._engine_error if engine is None else "this model cannot recompute maps"
        else:
            try:
                caption = engine.attend(path, text)
                why = "" if caption is not None else "the caption has no words"
            except Exception as exc:  # ImageLoadError's sentence, or an engine failure
                log.info("attention for %s failed: %s", path, exc)
                why = str(exc) or type(exc).__name__
        self.attention_ready.emit(path, text, caption, why)

    @Slot(object)
    def process(self, request: CaptionRequest) -> None:
        """Caption one request, emitting a result per image; never raises."""
        captioned = 0
        engine = self._engine
        try:
            if request.cancel.is_set():
                return
            if engine is None:
                for path in request.paths:
                    self.result_ready.emit(_failed(path, self._engine_error))
                return
            results = engine.caption_paths(
                request.paths,
                beam_size=request.beam_size,
                batch_size=self._batch_size,
                should_cancel=request.cancel.is_set,
                languages=request.languages,
            )
            for result in results:
                self.result_ready.emit(result)
                captioned += 1
                if request.cancel.is_set():
                    break
        except Exception as exc:  # an engine bug must not kill the thread or the app
            if not request.cancel.is_set():
                log.exception("captioning failed")
                for path in request.paths[captioned:]:
                    self.result_ready.emit(_failed(path, f"Captioning failed: {exc}"))
        finally:
            self.request_done.emit(
                RequestDone(
                    job_id=request.job_id,
                    captioned=captioned,
                    cancelled=request.cancel.is_set(),
                )
            )
