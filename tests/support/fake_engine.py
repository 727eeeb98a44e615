"""A fast, deterministic stand-in for the captioner, for the app's tests (never shipped).

It keeps the :class:`capdesk.jobs.CaptionEngine` contract the way
:class:`capdesk.engine.Captioner` does: paths are pulled lazily one batch at a time,
``should_cancel`` is asked before every batch and between "decode steps" (a cancelled
batch yields nothing), a file that cannot be read is a result with ``error`` set, and
results come one per path in input order. It reads every file with the engine's own
loader, so error messages and ``image_size`` are the real ones; only the model is faked.
``tests/jobs/test_engine_contract.py`` runs the same tests against both, so the two
cannot drift apart.

For the tests that need a run in progress, ``pause_after=N`` holds the run before the
next batch once N results were handed out, until the run is cancelled or :meth:`resume`
is called: a test can cancel "mid-run" without racing a timer.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from capdesk.domain import Caption, CaptionResult, Language, LanguageCaption, make_flag
from capdesk.domain.languages import LANGUAGES_BY_CODE, parse_language_list
from capdesk.imaging import ImageLoadError, load_for_model
from capdesk.jobs import CaptionEngine, EngineConfig

_WORDS = (
    "a", "dog", "runs", "on", "the", "grass", "child", "plays", "with", "ball",
    "man", "rides", "bike", "near", "water", "two", "people", "sit", "bench", "park",
)
#: Words per language for the other languages (English uses _WORDS, as before languages).
_LANGUAGE_WORDS = {
    "zh": ("一只", "狗", "在", "草地", "上", "跑", "孩子", "玩", "球", "男人", "水", "边"),
    "de": ("ein", "Hund", "läuft", "auf", "dem", "Gras", "Kind", "spielt", "Ball", "Mann"),
    "ar": ("كلب", "يركض", "على", "العشب", "طفل", "يلعب", "بالكرة", "رجل", "بجانب", "الماء"),
}
_JOINERS = {"zh": ""}
_FULL_STOPS = {"zh": "。"}
_HOLD_POLL_SECONDS = 0.005
_LOAD_SIZE = (16, 16)  # the pixels are not used; loading checks the file and its size


class FakeCaptioner:
    """Captions built from a hash of the file name; each word looks at a different cell.

    ``step_seconds`` is slept per decode step (``steps`` per batch), checking
    ``should_cancel`` in between, like the real beam search. ``unsure`` lists file names
    that get a low score, to exercise the fallback review rule. ``trust`` and ``flags``
    map file names to the trust estimate and flag codes their results carry (with the
    domain's standard messages), like a model folder with an estimator; other files get
    neither, like the tests' tiny model. ``visible_text`` maps file names to the text a
    reader found in them (others: not read).
    """

    def __init__(
        self,
        *,
        step_seconds: float = 0.0,
        steps: int = 4,
        grid: tuple[int, int] = (7, 7),
        unsure: Iterable[str] = (),
        provider: str = "cpu",
        pause_after: int | None = None,
        trust: Mapping[str, float] | None = None,
        flags: Mapping[str, Sequence[str]] | None = None,
        visible_text: Mapping[str, str] | None = None,
        languages: Sequence[str] = ("en",),
    ) -> None:
        """``languages``: the codes this fake "model" ships (known ones), default first."""
        self.available_languages: tuple[Language, ...] = tuple(
            LANGUAGES_BY_CODE[code] for code in languages
        )
        self.languages_asked: list[Sequence[str] | None] = []
        self.provider = provider
        self.model_name = "fake"
        self.step_seconds = step_seconds
        self.steps = steps
        self.grid = grid
        self.unsure = set(unsure)
        self.pause_after = pause_after
        self.trust = dict(trust or {})
        self.flags = {name: tuple(codes) for name, codes in (flags or {}).items()}
        self.visible_text = dict(visible_text or {})
        self.calls: list[list[Path]] = []
        self.attended: list[tuple[Path, str]] = []  # attend() calls, in order
        self.beam_sizes: list[int | None] = []
        self.yielded = 0
        self.closed = False
        self.holding = threading.Event()  # set while a run waits for resume() or cancel
        self._resume = threading.Event()

    def resume(self) -> None:
        """Let a run held by ``pause_after`` go on (from any thread)."""
        self._resume.set()

    def close(self) -> None:
        self.closed = True
        self._resume.set()

    def caption_paths(
        self,
        paths: Iterable[Path],
        *,
        beam_size: int | None = None,
        batch_size: int = 8,
        should_cancel: Callable[[], bool] | None = None,
        languages: Sequence[str] | None = None,
    ) -> Iterator[CaptionResult]:
        chosen = parse_language_list(
            languages or [self.available_languages[0].code], self.available_languages
        )
        cancelled = should_cancel or (lambda: False)
        remaining = iter(paths)
        asked: list[Path] = []
        self.calls.append(asked)
        self.beam_sizes.append(beam_size)
        self.languages_asked.append(languages)
        while batch := [Path(p) for p in islice(remaining, batch_size)]:
            asked.extend(batch)
            if cancelled() or not self._hold(cancelled) or not self._decode(cancelled):
                return
            for path in batch:
                self.yielded += 1
                yield self._result(path, beam_size, chosen)

    def _hold(self, cancelled: Callable[[], bool]) -> bool:
        """Wait while paused; False if the run was cancelled meanwhile."""
        if self.pause_after is None or self.yielded < self.pause_after:
            return True
        self.holding.set()
        try:
            while not self._resume.wait(_HOLD_POLL_SECONDS):
                if cancelled():
                    return False
        finally:
            self.holding.clear()
        return not cancelled()

    def _decode(self, cancelled: Callable[[], bool]) -> bool:
        for _ in range(self.steps):
            if self.step_seconds:
                time.sleep(self.step_seconds)
            if cancelled():
                return False
        return True

    def _result(
        self, path: Path, beam_size: int | None, languages: tuple[Language, ...]
    ) -> CaptionResult:
        started = time.perf_counter()
        try:
            _pixels, size = load_for_model(path, _LOAD_SIZE)
        except ImageLoadError as exc:
            return CaptionResult(path, None, str(exc), self.provider, _ms(started))
        except Exception as exc:  # as the engine does: a Pillow bug is a result too
            return CaptionResult(
                path, None, f"cannot read image: {exc}", self.provider, _ms(started)
            )
        entries = tuple(
            LanguageCaption(lang, self.caption_for(path, beam_size, lang.code))
            for lang in languages
        )
        flags = tuple(make_flag(code) for code in self.flags.get(path.name, ()))
        return CaptionResult(
            path, entries[0].caption, None, self.provider, _ms(started), size,
            trust=self.trust.get(path.name), flags=flags, languages=entries,
            visible_text=self.visible_text.get(path.name),
        )

    def caption_for(self, path: Path, beam_size: int | None = None, lang: str = "en") -> Caption:
        """The caption this fake gives ``path`` at ``beam_size`` in ``lang`` (tests compare
        with it); English captions are the ones it gave before it had languages."""
        key = f"{path.name}:{beam_size}" + ("" if lang == "en" else f":{lang}")
        digest = hashlib.sha256(key.encode()).digest()
        count = 4 + digest[0] % 4
        vocabulary = _LANGUAGE_WORDS.get(lang, _WORDS)
        words = tuple(vocabulary[b % len(vocabulary)] for b in digest[1 : 1 + count])
        grid_h, grid_w = self.grid
        cells = grid_h * grid_w
        attention = np.full((count, grid_h, grid_w), 0.1 / cells, np.float32)
        for i in range(count):
            attention[i].flat[(i * 11 + digest[i]) % cells] += 0.9
            attention[i] /= attention[i].sum()
        score = -2.5 if path.name in self.unsure else -0.4
        text = _JOINERS.get(lang, " ").join(words)
        # written as the engine writes captions
        text = text[:1].upper() + text[1:] + _FULL_STOPS.get(lang, ".")
        return Caption(text, words, score, score * (count + 1), attention)


    def attend(self, path: Path, text: str) -> Caption | None:
        """Like ``Captioner.attend``: the file is read (an unreadable one raises
        ImageLoadError), then each word of ``text`` gets a map on its own cell."""
        self.attended.append((Path(path), text))
        load_for_model(path, _LOAD_SIZE)
        words = tuple(text.strip().rstrip(".").lower().split())
        if not words:
            return None
        grid_h, grid_w = self.grid
        attention = np.full((len(words), grid_h, grid_w), 0.1 / (grid_h * grid_w), np.float32)
        for i in range(len(words)):
            attention[i].flat[(i * 7) % (grid_h * grid_w)] += 0.9
            attention[i] /= attention[i].sum()
        return Caption(text, words, -0.4, -0.4 * (len(words) + 1), attention)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def fake_factory(engine: FakeCaptioner) -> Callable[[EngineConfig], CaptionEngine]:
    """An engine factory handing out ``engine``; typed, so mypy checks the double."""

    def factory(_config: EngineConfig) -> CaptionEngine:
        return engine

    return factory
