"""From image files to captions: decode, encode once, beam-search the decoder step.

One InferenceSession per graph is created when the Captioner is built and reused for every
batch; the search loop runs in numpy (``beam.py``), with all images and beams of a batch in
one decoder call per step. Files are pulled from the input iterator one batch at a time, so
memory stays flat however many paths come in, and JPEG decoding of the next batch runs in
a thread (Pillow releases the GIL) while the current batch is on the model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
from onnxruntime.capi.onnxruntime_pybind11_state import (
    Fail,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    NoSuchFile,
)

from capdesk.domain import Caption, CaptionResult, Flag, make_flag, usable_cpu_count
from capdesk.domain.flags import MOSTLY_TEXT
from capdesk.engine.beam import Arrays, Hypothesis, SearchCancelled, StepFunction, beam_search
from capdesk.engine.model import ModelError, ModelSpec, load_spec
from capdesk.engine.sessions import create_session, provider_name
from capdesk.engine.trust import load_trust
from capdesk.engine.visible_text import ReadText, TextStage
from capdesk.imaging import ImageLoadError, QualityThresholds, assess_quality, load_for_model
from capdesk.imaging.grey import shared_grey
from capdesk.imaging.quality import FITTED_SIDE

log = logging.getLogger(__name__)

_ONNX_LOAD_ERRORS = (Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile)
Loaded = tuple[np.ndarray, tuple[int, int]] | ImageLoadError
#: A loaded photo with the flags its quality and text checks raised and the text read in it
#: (None: not read), all on the loader thread.
Checked = tuple[np.ndarray, tuple[int, int], tuple[Flag, ...], str | None] | ImageLoadError


@dataclass(frozen=True)
class Encoded:
    """The encoder's output for a batch: initial recurrent state and per-image context."""

    state: Arrays
    context: Arrays


@dataclass
class StageTimes:
    """Seconds spent per stage, summed over a run; ``capdesk bench`` reports them."""

    decode: float = 0.0
    encoder: float = 0.0
    search: float = 0.0
    images: int = 0
    extra: dict[str, float] = field(default_factory=dict)


def _observed(step: StepFunction, observe: Callable[[Arrays], None]) -> StepFunction:
    def observed(words: np.ndarray, state: Arrays, context: Arrays):  # type: ignore[no-untyped-def]
        observe({"words": words, **state, **context})
        return step(words, state, context)

    return observed


class Captioner:
    """Captions images with one ONNX model folder; safe to use from one thread at a time."""

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        provider: str = "auto",
        threads: int | None = None,
        read_text: ReadText = False,
        ocr_dir: Path | None = None,
    ) -> None:
        """``read_text``: read the text of photos the text gate passes (slow, opt-in; see
        :mod:`capdesk.engine.visible_text`); ``ocr_dir`` defaults to ``models/ocr``."""
        self.spec: ModelSpec = load_spec(model_dir)
        self._no_repeat_ids = self.spec.no_repeat_ids  # computed once, used every batch
        self._trust = load_trust(self.spec)  # None for folders without trust.json
        self._quality = _quality_thresholds(self.spec)
        self._text = TextStage(ocr_dir, read_text)
        self._encoder = self._session(self.spec.encoder_path, provider, threads)
        self._decoder = self._session(self.spec.decoder_path, provider, threads)
        self.provider: str = provider_name(self._encoder)
        self.times = StageTimes()
        self._loader = ThreadPoolExecutor(
            max_workers=min(4, usable_cpu_count()), thread_name_prefix="capdesk-load"
        )

    @property
    def model_name(self) -> str:
        return self.spec.name

    def close(self) -> None:
        self._loader.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Captioner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _session(path: Path, provider: str, threads: int | None):  # type: ignore[no-untyped-def]
        try:
            return create_session(path, provider, threads)
        except _ONNX_LOAD_ERRORS as exc:
            raise ModelError(
                f"{path} could not be loaded by ONNX Runtime ({str(exc).splitlines()[0]}). "
                "The file is corrupt or from an incompatible exporter: re-export the model "
                "or pick another model folder."
            ) from exc

    # -- arrays ---------------------------------------------------------------------------

    def preprocess(self, images: np.ndarray) -> np.ndarray:
        """(N,H,W,3) uint8 at the model's input size → normalised (N,3,H,W) float32."""
        mean = np.asarray(self.spec.mean, dtype=np.float32)
        inv_std = 1.0 / np.asarray(self.spec.std, dtype=np.float32)
        batch = (images.astype(np.float32) - mean) * inv_std
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))

    def encode(self, images: np.ndarray) -> Encoded:
        """Run the encoder once on (N,H,W,3) uint8 images at the model's input size.

        The result can be searched several times (other beam sizes, other decoding
        options) without encoding again, which is what evaluation at beams 1/3/5 does.
        """
        started = time.perf_counter()
        features, projection, h0, c0 = self._encoder.run(
            ["features", "projection", "h0", "c0"], {"images": self.preprocess(images)}
        )
        self.times.encoder += time.perf_counter() - started
        return Encoded({"h": h0, "c": c0}, {"features": features, "projection": projection})

    def search(
        self,
        encoded: Encoded,
        *,
        beam_size: int | None = None,
        max_length: int | None = None,
        length_penalty: float | None = None,
        should_cancel: Callable[[], bool] | None = None,
        observe_step: Callable[[Arrays], None] | None = None,
    ) -> list[Caption | None]:
        """Beam-search captions for encoded images; unset options come from the manifest.

        ``observe_step`` sees every decoder input (calibration of a quantized decoder
        records them). Returns None for an image whose search produced no words.
        Raises SearchCancelled.
        """
        spec = self.spec
        started = time.perf_counter()
        step = self._step if observe_step is None else _observed(self._step, observe_step)
        hypotheses = beam_search(
            step,
            encoded.state,
            encoded.context,
            start_id=spec.start_id,
            end_id=spec.end_id,
            banned_ids=spec.banned_ids,
            no_repeat_ids=self._no_repeat_ids,
            beam_size=beam_size or spec.beam_size,
            max_length=max_length or spec.max_length,
            length_penalty=spec.length_penalty if length_penalty is None else length_penalty,
            should_cancel=should_cancel,
        )
        searched = time.perf_counter()
        self.times.search += searched - started
        captions = [self._to_caption(h) for h in hypotheses]
        if self._trust is not None:
            captions = self._trust.assess(captions, encoded.context)
            trusted = time.perf_counter() - searched
            self.times.extra["trust"] = self.times.extra.get("trust", 0.0) + trusted
        return captions

    def caption_arrays(
        self,
        images: np.ndarray,
        *,
        beam_size: int | None = None,
        max_length: int | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[Caption | None]:
        """Caption a batch of images already squashed to the input size (encode + search)."""
        return self.search(
            self.encode(images),
            beam_size=beam_size,
            max_length=max_length,
            should_cancel=should_cancel,
        )

    def encoder_feed(self, images: np.ndarray) -> Arrays:
        """The encoder's input for (N,H,W,3) uint8 images (calibration of quantized encoders)."""
        return {"images": self.preprocess(images)}

    def _step(self, words: np.ndarray, state: Arrays, context: Arrays):  # type: ignore[no-untyped-def]
        log_probs, h, c, alpha = self._decoder.run(
            ["log_probs", "h_out", "c_out", "alpha"],
            {
                "words": words,
                "h": state["h"],
                "c": state["c"],
                "features": context["features"],
                "projection": context["projection"],
            },
        )
        return log_probs, {"h": h, "c": c}, alpha

    def _to_caption(self, hyp: Hypothesis) -> Caption | None:
        if not hyp.token_ids:
            return None
        words = self.spec.words(hyp.token_ids)
        text = " ".join(words)
        text = text[:1].upper() + text[1:] + "."
        grid_h, grid_w = self.spec.grid
        attention = hyp.alphas.reshape(len(words), grid_h, grid_w).astype(np.float32)
        return Caption(
            text, words, hyp.score, hyp.log_prob, attention, hyp.token_log_probs, hyp.entropies
        )

    # -- files ----------------------------------------------------------------------------

    def load(self, path: Path) -> Loaded:
        """The engine's loader (EXIF orientation, JPEG draft, alpha on white, squash)."""
        started = time.perf_counter()
        try:
            return load_for_model(path, self.spec.input_size, self.spec.resample)
        except ImageLoadError as exc:
            return exc
        except Exception as exc:
            log.exception("unexpected error while reading %s", path)
            return ImageLoadError(f"cannot read image: {exc}")
        finally:
            self.times.decode += time.perf_counter() - started

    def load_checked(self, path: Path) -> Checked:
        """:meth:`load`, then the photo-quality checks and the text gate on the same pixels
        (blur, exposure, size; ~2 ms each), so they run on the loader threads beside
        decoding; photos the gate passes are read here too when reading was asked for."""
        loaded = self.load(path)
        if isinstance(loaded, ImageLoadError):
            return loaded
        started = time.perf_counter()
        pixels, size = loaded
        checked = pixels
        if max(pixels.shape[:2]) < FITTED_SIDE:
            # The thresholds were fitted on 224-px photos; a model with a smaller input
            # (the tests' tiny one) gets the photo decoded once more at that size.
            checked, _ = load_for_model(path, (FITTED_SIDE, FITTED_SIDE), "bilinear")
        # One grey copy for both checks (capdesk.imaging.grey); counted as quality time.
        shared = shared_grey(checked)
        spent = time.perf_counter() - started
        # The gate first: its probability tells the exposure check a white page from a
        # washed-out photo (capdesk.imaging.quality.looks_like_page).
        found = self._text.examine(path, checked, self.times.extra, shared.thumb)
        started = time.perf_counter()
        flags = assess_quality(checked, size, self._quality, found.score, shared).flags
        self.times.extra["quality"] = (
            self.times.extra.get("quality", 0.0) + spent + time.perf_counter() - started
        )
        if found.mostly_text:
            flags = (*flags, make_flag(MOSTLY_TEXT))
        return pixels, size, flags, found.visible_text

    def caption_paths(
        self,
        paths: Iterable[Path],
        *,
        beam_size: int | None = None,
        batch_size: int = 8,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[CaptionResult]:
        """Yield one result (caption or error) per path, in order; stop early when cancelled."""
        cancelled = should_cancel or (lambda: False)
        remaining = iter(paths)

        def next_chunk() -> list[Path]:
            return list(islice(remaining, batch_size))

        pending = self._submit(next_chunk())
        while pending:
            if cancelled():
                for _, future in pending:
                    future.cancel()
                return
            current, pending = pending, self._submit(next_chunk())
            try:
                yield from self._caption_loaded(current, beam_size, cancelled)
            except SearchCancelled:
                for _, future in pending:
                    future.cancel()
                return

    def _submit(self, chunk: Sequence[Path]) -> list[tuple[Path, Future[Checked]]]:
        return [(Path(p), self._loader.submit(self.load_checked, Path(p))) for p in chunk]

    def _caption_loaded(
        self,
        batch: list[tuple[Path, Future[Checked]]],
        beam_size: int | None,
        should_cancel: Callable[[], bool],
    ) -> Iterator[CaptionResult]:
        started = time.perf_counter()
        loaded = [(path, future.result()) for path, future in batch]
        good = [(p, item) for p, item in loaded if not isinstance(item, ImageLoadError)]
        captions: dict[Path, Caption | None] = {}
        model_error: str | None = None
        if good:
            pixels = np.stack([item[0] for _, item in good])
            try:
                results = self.caption_arrays(
                    pixels, beam_size=beam_size, should_cancel=should_cancel
                )
                captions = {p: c for (p, _), c in zip(good, results, strict=True)}
            except SearchCancelled:
                raise
            except Exception as exc:
                log.exception("model failed on a batch")
                model_error = f"the model failed on this batch: {exc}"
        share_ms = (time.perf_counter() - started) * 1000.0 / max(len(loaded), 1)
        self.times.images += len(loaded)
        for path, item in loaded:
            if isinstance(item, ImageLoadError):
                yield CaptionResult(path, None, str(item), self.provider, share_ms)
                continue
            caption = captions.get(path)
            error = model_error or (None if caption else "the model produced no caption")
            pixels, size, flags, text = item
            trust = None
            if caption is not None:
                trust = caption.trust
                flags = (*flags, *(make_flag(code) for code in caption.flags))
            yield CaptionResult(
                path, caption, error, self.provider, share_ms, size, trust, flags, text
            )


def _quality_thresholds(spec: ModelSpec) -> QualityThresholds:
    """The checks' thresholds: the defaults, or the model folder's ``quality`` block."""
    try:
        return QualityThresholds.from_mapping(spec.manifest.get("quality") or {})
    except (TypeError, ValueError) as exc:
        raise ModelError(
            f"{spec.directory / 'manifest.json'} has a broken \"quality\" block ({exc}). "
            "Remove it to use the default checks, or re-export the model."
        ) from exc
