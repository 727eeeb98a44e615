"""A 10,000-photo folder: listed in order, captioned with flat memory.

The real engine runs with the tiny model, so this checks the engine's own streaming (one
batch loading ahead, results handed out as they come), not a stand-in. The window's
behaviour with 10,000 rows is the app's test (tests/ui). Nothing here is timed: the
``within`` limits are hang guards, far above a normal run; how long listing and
captioning take is printed by ``scripts/responsiveness.py --folder-files 10000``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from capdesk.engine import Captioner
from capdesk.imaging import expand_paths
from tests.robustness.corpus import encode, photo
from tests.robustness.helpers import PeakRss, within

FILES = 10_000
PER_FOLDER = 1_000
MEMORY_BUDGET_MB = 100
HANG_SECONDS = 600


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big") / "photos"
    jpeg = encode(photo((40, 30)), "JPEG")
    for index in range(FILES):
        folder = root / f"day{index // PER_FOLDER:02d}"
        if index % PER_FOLDER == 0:
            folder.mkdir(parents=True)
        (folder / f"IMG_{index:05d}.jpg").write_bytes(jpeg)
        if index % 97 == 0:  # things a camera folder also holds, which the listing skips
            (folder / f"IMG_{index:05d}.xmp").write_text("<x:xmpmeta/>")
    return root


def test_ten_thousand_files_are_listed_in_order(big_folder: Path) -> None:
    with PeakRss() as memory:
        paths = within(HANG_SECONDS, lambda: list(expand_paths([big_folder])),
                       "listing 10,000 files")
    assert len(paths) == FILES
    assert paths == sorted(paths)  # name order, folder by folder
    assert all(p.suffix == ".jpg" for p in paths)  # the .xmp sidecars are not listed
    assert memory.growth < MEMORY_BUDGET_MB


def test_ten_thousand_files_are_captioned_with_flat_memory(big_folder: Path,
                                                           tiny_model_dir: Path) -> None:
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as captioner:
        list(captioner.caption_paths(list(expand_paths([big_folder / "day00"]))[:64],
                                     batch_size=32))  # warm up sessions and the thread pool

        def caption_all() -> tuple[int, int]:
            done = failed = 0
            # Stream: the listing is a generator and results are counted, not kept, as the
            # CLI does; what grows here is the engine's own doing.
            for result in captioner.caption_paths(expand_paths([big_folder]), batch_size=32):
                done += 1
                failed += 0 if result.ok else 1
            return done, failed

        with PeakRss() as memory:
            done, failed = within(HANG_SECONDS, caption_all, "captioning 10,000 files")
    assert (done, failed) == (FILES, 0)
    assert memory.growth < MEMORY_BUDGET_MB, (
        f"RSS grew {memory.growth:.0f} MB (from {memory.baseline:.0f} MB) over {FILES} files")
