"""Fixtures shared by every test package: a tiny model and generated images."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test may read or write the person's own caption library (~/.local/share/capdesk):
# every default data location of this run, child processes included, is a fresh folder.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="capdesk-tests-data-")

REPO = Path(__file__).resolve().parents[1]
#: The data folder tests may use when present ($CAPDESK_TEST_DATA overrides, e.g. from a
#: git worktree whose parent has no shared/ folder); tests needing it skip without it.
SHARED_DATA = Path(os.environ.get("CAPDESK_TEST_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weights model in the real directory contract (built once per run)."""
    from tests.support.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")


def write_photo(
    path: Path, size: tuple[int, int] = (64, 48), seed: int = 0, **save: object
) -> Path:
    """A small JPEG/PNG/... with smooth random content, saved by extension."""
    rng = np.random.default_rng(seed)
    width, height = size
    base = rng.integers(0, 255, (max(height // 8, 1), max(width // 8, 1), 3), dtype=np.uint8)
    image = Image.fromarray(base).resize((width, height), Image.Resampling.BILINEAR)
    image.save(path, **save)  # type: ignore[arg-type]
    return path


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    """Six readable photos in a folder, one in a subfolder."""
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for i in range(5):
        write_photo(folder / f"photo{i}.jpg", seed=i)
    write_photo(folder / "sub" / "nested.png", seed=9)
    return folder



#: The threads of the app's jobs (the caption library's SQLite thread, the folder
#: scanner's two): closing the window or stopping the job joins them.
JOB_THREADS = ("capdesk-library", "capdesk-list", "capdesk-alt-text")
#: Every thread capdesk starts is named ``capdesk-…`` (also the engine's image loaders,
#: which a module-scoped Captioner fixture legitimately keeps until the module ends).
THREAD_PREFIX = "capdesk"


def _threads(prefixes: tuple[str, ...]) -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.is_alive() and t.name.startswith(prefixes)}


@pytest.fixture(autouse=True)
def no_job_thread_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves one of the app's job threads running after its teardown.

    Why: such a thread (the library's SQLite thread above all) logs after the test's
    captured stream is closed ("Logging error ... I/O operation on closed file") and may
    touch the files of the next test. No grace period: closing joins the thread, so a
    thread still alive here was never stopped, or its stop gave up waiting.
    """
    before = _threads(JOB_THREADS)
    yield
    left = sorted(t.name for t in _threads(JOB_THREADS) - before)
    if left:
        pytest.fail(f"{request.node.nodeid} left job threads running: {left}", pytrace=False)


def _root_logging() -> tuple[int, list[logging.Handler]]:
    """The root logger's level and handlers, leaving out pytest's own (per phase)."""
    root = logging.getLogger()
    return root.level, [h for h in root.handlers if not type(h).__module__.startswith("_pytest")]


@pytest.fixture(autouse=True)
def root_logging_unchanged(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail (and undo) a test that leaves the root logger configured differently.

    Why: a handler installed during a test (``logging.basicConfig(force=True)`` in an entry
    point called in process) keeps that test's captured stderr, which pytest closes; every
    later record, from any thread, then ends in "Logging error ... I/O operation on closed
    file". The library thread's INFO lines did so in two full runs of the last session:
    INFO records reach handlers only when something had lowered the root level (pytest
    leaves it at WARNING), so some earlier test must have changed the root logger.
    """
    before = _root_logging()
    yield
    after = _root_logging()
    if after != before:
        root = logging.getLogger()
        root.setLevel(before[0])
        for handler in after[1]:
            if handler not in before[1]:
                root.removeHandler(handler)
        pytest.fail(f"{request.node.nodeid} changed the root logger: level {before[0]} -> "
                    f"{after[0]}, handlers {before[1]} -> {after[1]}", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def no_capdesk_thread_left_at_the_end() -> Iterator[None]:
    """Once every fixture is torn down, no capdesk thread may be left at all."""
    before = _threads((THREAD_PREFIX,))
    yield
    left = _threads((THREAD_PREFIX,)) - before
    for thread in left:
        thread.join(1.0)  # an executor's worker ends right after its shutdown
    alive = sorted(t.name for t in left if t.is_alive())
    if alive:
        pytest.fail(f"capdesk threads still running after the tests: {alive}", pytrace=False)
