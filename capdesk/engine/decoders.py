"""One language's decoder at run time: its init graph and its step graph's sessions.

The encoder runs once per batch (:class:`Encoded`); every chosen language then turns that
output into its own starting state and context (:meth:`LanguageDecoder.prepare`) and is
searched by the one beam search in ``beam.py`` through :meth:`LanguageDecoder.step`.
English, the top-level decoder, starts from the encoder's own projection, h0 and c0, so
its path is exactly the one it had before languages existed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from capdesk.domain import Caption
from capdesk.engine.beam import Arrays, Hypothesis, StepFunction
from capdesk.engine.errors import ModelError
from capdesk.engine.language_specs import DecoderSpec, verify_files

log = logging.getLogger(__name__)

STEP_OUTPUTS = ["log_probs", "h_out", "c_out", "alpha"]
INIT_OUTPUTS = ["projection", "h0", "c0"]
SessionFactory = Callable[[Path], Any]
"""Path of a graph -> an onnxruntime InferenceSession (the Captioner's, with its options)."""


@dataclass(frozen=True)
class Encoded:
    """The encoder's output for a batch: initial recurrent state and per-image context,
    and any further named encoder outputs a language's decoder reads (``outputs``)."""

    state: Arrays
    context: Arrays
    outputs: Arrays = field(default_factory=dict)

    def output(self, name: str) -> np.ndarray:
        """The encoder output ``name`` (``features`` is the context's)."""
        return self.context["features"] if name == "features" else self.outputs[name]


class LanguageDecoder:
    """The sessions of one language and the two calls the search needs from them."""

    def __init__(self, spec: DecoderSpec, step_session: Any, init_session: Any = None) -> None:
        self.spec = spec
        self.no_repeat_ids = spec.no_repeat_ids  # computed once, used every batch
        self._step_session = step_session
        self._init = init_session

    @classmethod
    def open(
        cls,
        spec: DecoderSpec,
        session: SessionFactory,
        shared: dict[Path, Any],
        encoder_outputs: tuple[str, ...],
    ) -> LanguageDecoder:
        """Check the language's files and open its sessions; a step graph already open
        (``shared``, by path: the top-level one) is reused rather than loaded twice."""
        verify_files(spec)
        if spec.source not in encoder_outputs:
            raise ModelError(
                f"The {spec.language.name} decoder reads the encoder output {spec.source!r}, "
                f"which encoder.onnx does not have ({', '.join(encoder_outputs)}). "
                "Re-export the model."
            )
        if spec.step_path not in shared:
            shared[spec.step_path] = session(spec.step_path)
        init = session(spec.init_path) if spec.init_path is not None else None
        log.info("opened the %s decoder (%s)", spec.language.name, spec.step_path.name)
        return cls(spec, shared[spec.step_path], init)

    def prepare(self, encoded: Encoded) -> tuple[Arrays, Arrays]:
        """(state, context) to search from: the encoder's own, or the init graph's output
        on the chosen rows of the chosen encoder output."""
        if self._init is None:
            return encoded.state, encoded.context
        source = encoded.output(self.spec.source)
        if self.spec.rows is not None:
            start, stop = self.spec.rows
            source = source[:, start:stop]
        features = np.ascontiguousarray(source, dtype=np.float32)
        projection, h0, c0 = self._init.run(INIT_OUTPUTS, {"features": features})
        return {"h": h0, "c": c0}, {"features": features, "projection": projection}

    def step(self, words: np.ndarray, state: Arrays, context: Arrays):  # type: ignore[no-untyped-def]
        """One decode step of every live beam: the beam search's StepFunction."""
        log_probs, h, c, alpha = self._step_session.run(
            STEP_OUTPUTS,
            {
                "words": words,
                "h": state["h"],
                "c": state["c"],
                "features": context["features"],
                "projection": context["projection"],
            },
        )
        return log_probs, {"h": h, "c": c}, alpha


def observed_step(step: StepFunction, observe: Callable[[Arrays], None]) -> StepFunction:
    """``step``, showing ``observe`` every decoder input first (calibration records them)."""

    def observed(words: np.ndarray, state: Arrays, context: Arrays):  # type: ignore[no-untyped-def]
        observe({"words": words, **state, **context})
        return step(words, state, context)

    return observed


def to_caption(hyp: Hypothesis, spec: DecoderSpec) -> Caption | None:
    """A hypothesis as the language's sentence, with one (grid_h, grid_w) map per word."""
    if not hyp.token_ids:
        return None
    words = spec.words(hyp.token_ids)
    grid_h, grid_w = spec.grid
    attention = hyp.alphas.reshape(len(words), grid_h, grid_w).astype(np.float32)
    return Caption(
        spec.sentence(words),
        words,
        hyp.score,
        hyp.log_prob,
        attention,
        hyp.token_log_probs,
        hyp.entropies,
    )
