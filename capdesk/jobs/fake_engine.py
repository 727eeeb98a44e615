"""A fast, deterministic stand-in for the captioner, for tests, demos and UI work.

It honours the same contract as :class:`capdesk.engine.Captioner` (one result per path,
errors as results, ``should_cancel`` checked between "decode steps") without a model,
so the worker and the window can be exercised in milliseconds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from capdesk.domain import Caption, CaptionResult

_WORDS = (
    "a",
    "dog",
    "runs",
    "on",
    "the",
    "grass",
    "child",
    "plays",
    "with",
    "ball",
    "man",
    "rides",
    "bike",
    "near",
    "water",
    "two",
    "people",
    "sit",
    "bench",
    "park",
)


class FakeCaptioner:
    """Captions built from a hash of the file name; each word looks at a different cell.

    ``step_seconds`` is slept per decode step (``steps`` per image), checking
    ``should_cancel`` in between, like the real beam search does. ``unsure`` lists file
    names that get a low score, to exercise review flags.
    """

    def __init__(
        self,
        *,
        step_seconds: float = 0.0,
        steps: int = 4,
        grid: int = 7,
        unsure: Iterable[str] = (),
        provider: str = "cpu",
    ) -> None:
        self.provider = provider
        self.model_name = "fake"
        self.step_seconds = step_seconds
        self.steps = steps
        self.grid = grid
        self.unsure = set(unsure)
        self.calls: list[tuple[Path, ...]] = []
        self.beam_sizes: list[int | None] = []

    def caption_paths(
        self,
        paths: Iterable[Path],
        *,
        beam_size: int | None = None,
        batch_size: int = 8,
        should_cancel: Callable[[], bool] | None = None,
    ) -> Iterator[CaptionResult]:
        from capdesk.imaging import load_rgb  # noqa: PLC0415

        wanted = tuple(paths)
        self.calls.append(wanted)
        self.beam_sizes.append(beam_size)
        for path in wanted:
            started = time.perf_counter()
            for _ in range(self.steps):
                if should_cancel is not None and should_cancel():
                    return
                if self.step_seconds:
                    time.sleep(self.step_seconds)
            try:
                rgb = load_rgb(path, max_side=64)
            except Exception as exc:
                yield CaptionResult(
                    path, None, str(exc), self.provider, (time.perf_counter() - started) * 1000
                )
                continue
            caption = self.caption_for(path, beam_size)
            yield CaptionResult(
                path,
                caption,
                None,
                self.provider,
                (time.perf_counter() - started) * 1000,
                (rgb.shape[1], rgb.shape[0]),
            )

    def caption_for(self, path: Path, beam_size: int | None = None) -> Caption:
        digest = hashlib.sha256(f"{path.name}:{beam_size}".encode()).digest()
        count = 4 + digest[0] % 4
        words = tuple(_WORDS[b % len(_WORDS)] for b in digest[1 : 1 + count])
        attention = np.full((count, self.grid, self.grid), 0.1 / (self.grid**2), np.float32)
        for i in range(count):
            cell = (i * 11 + digest[i]) % (self.grid * self.grid)
            attention[i].flat[cell] += 0.9
            attention[i] /= attention[i].sum()
        score = -2.5 if path.name in self.unsure else -0.4
        return Caption(" ".join(words), words, score, score * (count + 1), attention)
