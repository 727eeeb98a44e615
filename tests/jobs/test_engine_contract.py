"""One contract, two engines: the app's test double and the real ONNX captioner.

The window and queue tests run on :class:`tests.support.fake_engine.FakeCaptioner`;
these tests run the same checks on it and on :class:`capdesk.engine.Captioner` (the
suite's tiny random-weights model), so what those tests rely on is what the real engine
does. They cover exactly what ``capdesk.jobs`` uses (:class:`capdesk.jobs.CaptionEngine`):
``provider``, ``model_name``, ``close`` and ``caption_paths`` with its cancellation,
per-file errors, order and caption fields.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from capdesk.engine import Captioner
from capdesk.jobs import CaptionEngine
from tests.conftest import REPO, write_photo
from tests.support.fake_engine import FakeCaptioner

SIZES = [(64, 48), (40, 60), (33, 33), (80, 20), (48, 64), (64, 64), (20, 50)]


@dataclass
class Subject:
    engine: CaptionEngine
    grid: tuple[int, int]
    model_name: str


@pytest.fixture(scope="module")
def real_captioner(tiny_model_dir: Path) -> Iterator[Captioner]:
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as captioner:
        yield captioner


@pytest.fixture(params=["fake", "real"])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "fake":
        return Subject(FakeCaptioner(grid=(7, 7)), (7, 7), "fake")
    real: Captioner = request.getfixturevalue("real_captioner")
    return Subject(real, real.spec.grid, "tiny-test-model")


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    return [write_photo(tmp_path / f"photo{i}.jpg", size, seed=i) for i, size in enumerate(SIZES)]


def test_engine_has_the_protocol_the_worker_uses(subject: Subject) -> None:
    assert isinstance(subject.engine, CaptionEngine)
    wanted = inspect.signature(CaptionEngine.caption_paths).parameters
    got = inspect.signature(type(subject.engine).caption_paths).parameters
    assert [(p.name, p.kind, p.default) for p in got.values()] == [
        (p.name, p.kind, p.default) for p in wanted.values()
    ]


def test_provider_and_model_name(subject: Subject, photos: list[Path]) -> None:
    assert subject.engine.provider == "cpu"
    assert subject.engine.model_name == subject.model_name
    results = list(subject.engine.caption_paths(photos[:2]))
    assert [r.provider for r in results] == ["cpu", "cpu"]


def test_one_result_per_path_in_order_with_errors_in_place(
    subject: Subject, photos: list[Path], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(photos[0].read_bytes()[:200])
    missing = tmp_path / "gone.png"
    paths = [photos[0], empty, photos[1], text, photos[2], missing, truncated, *photos[3:]]
    bad = {empty, text, missing, truncated}

    results = list(subject.engine.caption_paths(paths, batch_size=3))

    assert [r.path for r in results] == paths  # every batch went on past its bad files
    for result in results:
        if result.path in bad:
            assert not result.ok and result.caption is None
            assert isinstance(result.error, str) and result.error.strip()
            assert result.image_size is None
        else:
            assert result.ok and result.error is None, result.error
    good_sizes = [r.image_size for r in results if r.path not in bad]
    assert good_sizes == SIZES  # (width, height) of the file, not of the model's input


def test_no_paths_no_results(subject: Subject) -> None:
    assert list(subject.engine.caption_paths([], should_cancel=lambda: False)) == []


@pytest.mark.parametrize("beam_size", [None, 1, 3])
def test_caption_fields(subject: Subject, photos: list[Path], beam_size: int | None) -> None:
    results = list(subject.engine.caption_paths(photos, beam_size=beam_size, batch_size=4))
    assert len(results) == len(photos)
    for result in results:
        caption = result.caption
        assert caption is not None, result.error
        assert caption.words and all(w and " " not in w for w in caption.words)
        assert caption.text.rstrip(".").lower() == " ".join(caption.words).lower()
        assert caption.text[0].isupper() and caption.text.endswith(".")
        assert caption.attention.shape == (len(caption.words), *subject.grid)
        assert caption.attention.dtype == np.float32
        assert (caption.attention >= 0).all()
        np.testing.assert_allclose(caption.attention.sum(axis=(1, 2)), 1.0, rtol=1e-4)
        assert np.isfinite(caption.score) and np.isfinite(caption.log_prob)
        assert caption.log_prob <= caption.score <= 0.0  # mean log-probability per word


def test_batch_size_does_not_change_captions(subject: Subject, photos: list[Path]) -> None:
    one = [r.caption for r in subject.engine.caption_paths(photos, batch_size=1)]
    many = [r.caption for r in subject.engine.caption_paths(photos, batch_size=5)]
    assert [c.text for c in one if c] == [c.text for c in many if c]
    assert len(one) == len(many) == len(photos)


def test_cancelled_before_the_first_batch_yields_nothing(
    subject: Subject, photos: list[Path]
) -> None:
    asked = []

    def cancel() -> bool:
        asked.append(True)
        return True

    assert list(subject.engine.caption_paths(photos, should_cancel=cancel)) == []
    assert asked


def test_should_cancel_is_asked_before_every_batch(subject: Subject, photos: list[Path]) -> None:
    seen: list[Path] = []
    asked_at: list[int] = []

    def never() -> bool:
        asked_at.append(len(seen))
        return False

    for result in subject.engine.caption_paths(photos, batch_size=3, should_cancel=never):
        seen.append(result.path)
    assert seen == photos
    assert {0, 3, 6} <= set(asked_at)  # before batch 1, 2 and 3


def test_no_later_batch_after_cancel(subject: Subject, photos: list[Path]) -> None:
    seen: list[Path] = []
    results = subject.engine.caption_paths(
        photos, batch_size=3, should_cancel=lambda: len(seen) >= 1
    )
    for result in results:
        seen.append(result.path)
    # The batch in hand may still be handed out; nothing after it is started.
    assert 1 <= len(seen) <= 3
    assert seen == photos[: len(seen)]


def test_cancel_during_a_batch_drops_that_batch(subject: Subject, photos: list[Path]) -> None:
    calls = iter(range(1000))
    # The first question comes before the batch; the next ones while it is decoded.
    results = subject.engine.caption_paths(photos[:2], should_cancel=lambda: next(calls) >= 1)
    assert list(results) == []


def test_engine_keeps_working_after_a_cancelled_run(subject: Subject, photos: list[Path]) -> None:
    assert list(subject.engine.caption_paths(photos, should_cancel=lambda: True)) == []
    results = list(subject.engine.caption_paths(photos[:3]))
    assert [r.path for r in results] == photos[:3] and all(r.ok for r in results)


def test_the_double_type_checks_against_the_protocol() -> None:
    """mypy checks ``capdesk`` only; this runs it on the double, typed as a CaptionEngine."""
    pytest.importorskip("mypy", reason="mypy is not installed (dev extra)")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent",
         "tests/support/fake_engine.py"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
