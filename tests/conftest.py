"""Fixtures shared by every test package: a tiny model and generated images."""

from __future__ import annotations

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


#: Threads capdesk starts are named ``capdesk-…`` (the library, the folder scanner).
_THREAD_PREFIX = "capdesk"
_THREAD_GRACE_SECONDS = 2.0


def _capdesk_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if t.name.startswith(_THREAD_PREFIX) and t.is_alive()]


@pytest.fixture(autouse=True)
def no_capdesk_thread_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a capdesk thread running once it is torn down.

    Why: such a thread (the caption library's SQLite thread, a scanner) logs after the
    test's captured stream is closed ("Logging error ... I/O operation on closed file")
    and may touch files of the next test. Closing a window, or stopping a job, must join
    its threads. Threads that were already running before the test are not its fault.
    """
    before = set(_capdesk_threads())
    yield
    left = [t for t in _capdesk_threads() if t not in before]
    if left and os.environ.get("CAPDESK_THREAD_DEBUG"):
        with open(os.environ["CAPDESK_THREAD_DEBUG"], "a") as fh:
            fh.write(f"{request.node.nodeid} {[t.name for t in left]}\n")
    for thread in left:
        thread.join(_THREAD_GRACE_SECONDS / max(len(left), 1))
    alive = [t.name for t in left if t.is_alive()]
    if alive:
        pytest.fail(f"{request.node.nodeid} left capdesk threads running: {alive}",
                    pytrace=False)
