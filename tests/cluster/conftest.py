"""Fixtures of the end-to-end cluster tests: many small photos and the in-process reference."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.cluster.runs import captions, run
from tests.conftest import write_photo

PHOTOS = 200
needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed not installed (the capdesk[cluster] extra); "
    "put it on PYTHONPATH to run the --cluster tests",
)


@pytest.fixture(scope="package")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    for i in range(PHOTOS):
        write_photo(folder / f"photo{i:03d}.jpg", size=(40, 30), seed=i)
    return folder


@pytest.fixture(scope="package")
def local_captions(photos: Path, tiny_model_dir: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """What the plain in-process run writes: the reference for every other run."""
    table = tmp_path_factory.mktemp("local") / "local.jsonl"
    done = run(tiny_model_dir, photos, "--jsonl", table)
    assert done.returncode == 0, done.stderr
    found = captions(table)
    assert len(found) == PHOTOS
    return found
