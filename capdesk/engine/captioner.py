"""From image files to captions: decode, encode once, beam-search the decoder step.

One InferenceSession per graph is created when the Captioner is built and reused for every
batch; the search loop runs in numpy (``beam.py``), with all images and beams of a batch in
one decoder call per step. Files are pulled from the input iterator one batch at a time, so
memory stays flat however many paths come in, and JPEG decoding of the next batch runs in
a thread (Pillow releases the GIL) while the current batch is on the model. With several
languages (manifest format 2, ADR 0008) the encoder still runs once per batch and every
chosen language's decoder (``decoders.py``) is searched from its output by the same
``beam_search``; English alone takes exactly the path it took before languages existed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from onnxruntime.capi.onnxruntime_pybind11_state import (
    Fail,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    NoSuchFile,
)

from capdesk.domain import Caption, CaptionResult, make_flag, usable_cpu_count
from capdesk.domain.languages import Language, parse_language_list
from capdesk.domain.results import LanguageCaption
from capdesk.engine.attend import forced_caption
from capdesk.engine.beam import Arrays, SearchCancelled, beam_search
from capdesk.engine.decoders import Encoded, LanguageDecoder, observed_step, to_caption
from capdesk.engine.model import ModelError, ModelSpec, load_spec
from capdesk.engine.photos import (
    Checked,
    Loaded,
    StageTimes,
    check_photo,
    load_photo,
    quality_thresholds,
)
from capdesk.engine.sessions import create_session, provider_name
from capdesk.engine.trust import load_trust
from capdesk.engine.visible_text import ReadText, TextStage
from capdesk.imaging import ImageLoadError

log = logging.getLogger(__name__)

_ONNX_LOAD_ERRORS = (Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile)
#: Languages as the caller names them: "en,zh", ["en", "zh"], or None for the default.
LanguageChoice = str | Sequence[str] | Sequence[Language] | None
ENCODER_OUTPUTS = ["features", "projection", "h0", "c0"]


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
        languages: LanguageChoice = None,
    ) -> None:
        """``read_text``: read the text of photos the text gate passes (slow, opt-in; see
        :mod:`capdesk.engine.visible_text`); ``ocr_dir`` defaults to ``models/ocr``.
        ``languages``: the languages :meth:`caption_paths` writes unless told otherwise
        (default: the folder's first, English); their decoders are opened here, so a
        broken language file is a ModelError now rather than mid-run. An unknown or
        not-shipped language is a :class:`~capdesk.domain.languages.LanguageError`."""
        self.spec: ModelSpec = load_spec(model_dir)
        self._trust = load_trust(self.spec)  # None for folders without trust.json
        self._quality = quality_thresholds(self.spec)
        self._text = TextStage(ocr_dir, read_text)
        self._options = (provider, threads)
        self._encoder = self._session(self.spec.encoder_path, provider, threads)
        self._encoder_outputs = tuple(o.name for o in self._encoder.get_outputs())
        self._decoder = self._session(self.spec.decoder_path, provider, threads)
        assert self.spec.top is not None  # load_spec always sets it
        self._english = LanguageDecoder(self.spec.top, self._decoder)
        self._shared: dict[Path, Any] = {self.spec.decoder_path: self._decoder}
        self._decoders: dict[str, LanguageDecoder] = {}
        self.provider: str = provider_name(self._encoder)
        self.languages: tuple[Language, ...] = self.spec.languages[:1]
        self.languages = self.choose_languages(languages)
        for language in self.languages:
            self._decoder_for(language.code)
        self.times = StageTimes()
        self._loader = ThreadPoolExecutor(
            max_workers=min(4, usable_cpu_count()), thread_name_prefix="capdesk-load"
        )

    @property
    def model_name(self) -> str:
        return self.spec.name

    @property
    def available_languages(self) -> tuple[Language, ...]:
        """Every language the model folder ships, its default first."""
        return self.spec.languages

    def choose_languages(self, languages: LanguageChoice) -> tuple[Language, ...]:
        """``languages`` resolved against the folder's (None: this captioner's default);
        LanguageError naming what the model has for an unknown or absent one."""
        if languages is None:
            return self.languages
        return parse_language_list(languages, available=self.spec.languages)

    def _decoder_for(self, code: str) -> LanguageDecoder:
        """The language's decoder, its sessions opened on first use and kept."""
        if code not in self._decoders:
            spec = self.spec.decoder(code)
            if spec.shares_encoder_state and spec.step_path == self.spec.decoder_path:
                self._decoders[code] = LanguageDecoder(spec, self._decoder)
            else:
                self._decoders[code] = LanguageDecoder.open(
                    spec,
                    lambda path: self._session(path, *self._options),
                    self._shared,
                    self._encoder_outputs,
                )
        return self._decoders[code]

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

    def encode(self, images: np.ndarray, languages: LanguageChoice = None) -> Encoded:
        """Run the encoder once on (N,H,W,3) uint8 images at the model's input size.

        The result can be searched several times (other beam sizes, other decoding
        options, every chosen language) without encoding again, which is what evaluation
        at beams 1/3/5 and captioning in several languages do. Encoder outputs that only
        some language reads (``input.output`` in the manifest) are fetched when one of
        ``languages`` needs them.
        """
        chosen = self.choose_languages(languages)
        extra = sorted(
            {self.spec.decoder(lang.code).source for lang in chosen} - set(ENCODER_OUTPUTS)
        )
        started = time.perf_counter()
        features, projection, h0, c0, *more = self._encoder.run(
            ENCODER_OUTPUTS + extra, {"images": self.preprocess(images)}
        )
        self.times.encoder += time.perf_counter() - started
        return Encoded(
            {"h": h0, "c": c0},
            {"features": features, "projection": projection},
            dict(zip(extra, more, strict=True)),
        )

    def search(
        self,
        encoded: Encoded,
        *,
        beam_size: int | None = None,
        max_length: int | None = None,
        length_penalty: float | None = None,
        should_cancel: Callable[[], bool] | None = None,
        observe_step: Callable[[Arrays], None] | None = None,
        language: str | None = None,
    ) -> list[Caption | None]:
        """Beam-search captions for encoded images; unset options come from the manifest
        (the language's own decoding settings; ``language`` None: the top-level, English
        decoder, the one trust is estimated for).

        ``observe_step`` sees every decoder input (calibration of a quantized decoder
        records them). Returns None for an image whose search produced no words.
        Raises SearchCancelled.
        """
        decoder = self._english if language is None else self._decoder_for(language)
        spec = decoder.spec
        # The top-level English decoder: the one the trust estimate was fitted on.
        english = spec.code == "en" and spec.step_path == self.spec.decoder_path
        started = time.perf_counter()
        state, context = decoder.prepare(encoded)
        step = decoder.step if observe_step is None else observed_step(decoder.step, observe_step)
        hypotheses = beam_search(
            step,
            state,
            context,
            start_id=spec.start_id,
            end_id=spec.end_id,
            banned_ids=spec.banned_ids,
            no_repeat_ids=decoder.no_repeat_ids,
            beam_size=beam_size or spec.beam_size,
            max_length=max_length or spec.max_length,
            length_penalty=spec.length_penalty if length_penalty is None else length_penalty,
            should_cancel=should_cancel,
        )
        searched = time.perf_counter()
        self.times.search += searched - started
        if not english:  # init + search per extra language, for the benchmark's ratio
            self._add_time(f"decoder.{spec.code}", started)
        captions = [to_caption(h, spec) for h in hypotheses]
        if self._trust is not None and english and spec.shares_encoder_state:
            captions = self._trust.assess(captions, encoded.context)
            self._add_time("trust", searched)
        return captions

    def _add_time(self, stage: str, since: float) -> None:
        extra = self.times.extra
        extra[stage] = extra.get(stage, 0.0) + time.perf_counter() - since

    def search_languages(
        self,
        encoded: Encoded,
        languages: LanguageChoice = None,
        *,
        beam_size: int | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[tuple[LanguageCaption, ...]]:
        """Every chosen language's captions for encoded images, per image in the chosen
        order; a language whose search produced no words is left out of that image's."""
        per_image: list[list[LanguageCaption]] = [[] for _ in encoded.state["h"]]
        for language in self.choose_languages(languages):
            captions = self.search(
                encoded, beam_size=beam_size, should_cancel=should_cancel,
                language=language.code,
            )
            for entries, caption in zip(per_image, captions, strict=True):
                if caption is not None:
                    entries.append(LanguageCaption(language, caption))
        return [tuple(entries) for entries in per_image]

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

    def attend(self, path: Path, text: str) -> Caption | None:
        """The attention maps (and word scores) of ``text`` on the photo at ``path``:
        the caption library keeps no maps, so a restored caption gets them here
        (``attend.py``). Raises :class:`ImageLoadError` for an unreadable photo."""
        loaded = self.load(path)
        if isinstance(loaded, ImageLoadError):
            raise loaded
        encoded = self.encode(loaded[0][None])
        return forced_caption(
            self.spec, self._english.step, encoded.state, encoded.context, text
        )

    def encoder_feed(self, images: np.ndarray) -> Arrays:
        """The encoder's input for (N,H,W,3) uint8 images (calibration of quantized encoders)."""
        return {"images": self.preprocess(images)}

    def caption_languages(
        self,
        images: np.ndarray,
        languages: LanguageChoice = None,
        *,
        beam_size: int | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[tuple[LanguageCaption, ...]]:
        """Caption a batch in every chosen language: the encoder once, then each decoder."""
        return self.search_languages(
            self.encode(images, languages),
            languages,
            beam_size=beam_size,
            should_cancel=should_cancel,
        )

    # -- files ----------------------------------------------------------------------------

    def load(self, path: Path) -> Loaded:
        """The engine's loader (EXIF orientation, JPEG draft, alpha on white, squash)."""
        return load_photo(path, self.spec, self.times)

    def load_checked(self, path: Path) -> Checked:
        """:meth:`load`, then the photo checks and the text gate (:func:`check_photo`)."""
        return check_photo(path, self.spec, self._quality, self._text, self.times)

    def caption_paths(
        self,
        paths: Iterable[Path],
        *,
        beam_size: int | None = None,
        batch_size: int = 8,
        should_cancel: Callable[[], bool] | None = None,
        languages: LanguageChoice = None,
    ) -> Iterator[CaptionResult]:
        """Yield one result (caption or error) per path, in order; stop early when cancelled.

        ``languages`` (default: the captioner's) are all decoded from one encoder run per
        batch; each result's ``caption`` is the first language's, ``languages`` all of them.
        """
        cancelled = should_cancel or (lambda: False)
        chosen = self.choose_languages(languages)
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
                yield from self._caption_loaded(current, beam_size, cancelled, chosen)
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
        languages: tuple[Language, ...],
    ) -> Iterator[CaptionResult]:
        started = time.perf_counter()
        loaded = [(path, future.result()) for path, future in batch]
        good = [(p, item) for p, item in loaded if not isinstance(item, ImageLoadError)]
        captions: dict[Path, tuple[LanguageCaption, ...]] = {}
        model_error: str | None = None
        if good:
            pixels = np.stack([item[0] for _, item in good])
            try:
                results = self.caption_languages(
                    pixels, languages, beam_size=beam_size, should_cancel=should_cancel
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
            entries = captions.get(path, ())
            first = entries[0] if entries and entries[0].language == languages[0] else None
            caption = first.caption if first is not None else None
            error = model_error or (None if caption else "the model produced no caption")
            pixels, size, flags, text = item
            # The trust estimate is the English caption's (the only one it was fitted on).
            english = next((e.caption for e in entries if e.lang == "en"), None)
            trust = None
            if caption is not None and english is not None:
                trust = english.trust
                flags = (*flags, *(make_flag(code) for code in english.flags))
            yield CaptionResult(
                path, caption, error, self.provider, share_ms, size, trust, flags, text, entries
            )
