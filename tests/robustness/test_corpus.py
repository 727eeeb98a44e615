"""Hundreds of broken image files through the engine and the command line: no crash, no hang,
one result or one clear error per file, and the batch always goes on."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from capdesk.domain import CaptionResult
from capdesk.engine import Captioner
from capdesk.imaging import ImageLoadError, expand_paths, is_image_path, load_for_model
from tests.robustness.corpus import Case, build_corpus, encode, photo, png
from tests.robustness.helpers import HANG_SECONDS, PeakRss, run_cli, within

# Pillow warns about every broken EXIF block and numpy about all-NaN float images: expected
# here by the hundred, and what counts is the result per file.
pytestmark = [pytest.mark.filterwarnings("ignore::UserWarning:PIL"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]

MIN_CORPUS = 500
ENGINE_SECONDS = HANG_SECONDS


# Messages that mean the loader met an exception it did not expect (Captioner.load's
# catch-all); an OS error's "[Errno 5]" or Pillow's own wording neither: the user can't
# act on those.
UNCLEAR_PREFIXES = ("cannot read image:", "the model failed")
RAW_PILLOW = ("[errno", "cannot identify image file", "broken data stream",
              "exceeds limit of", "dos attack", "bytes not processed")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return build_corpus(tmp_path_factory.mktemp("corpus") / "bad")


@pytest.fixture(scope="module")
def engine_results(corpus: list[Case], tiny_model_dir: Path) -> list[CaptionResult]:
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as captioner:
        return within(ENGINE_SECONDS,
                      lambda: list(captioner.caption_paths([c.path for c in corpus])),
                      "captioning the bad-file corpus")


def _problems(case: Case, result: CaptionResult) -> list[str]:
    name = case.path.name
    if (result.caption is None) == (result.error is None):
        return [f"{name}: needs exactly one of caption and error, got {result}"]
    problems = []
    status = "ok" if result.ok else "error"
    if case.expect not in ("any", status):
        problems.append(f"{name}: expected {case.expect}, got {status} ({result.error})")
    if result.error is not None:
        message = result.error
        if not message.strip() or "\n" in message or "Traceback" in message:
            problems.append(f"{name}: error is not one clear line: {message!r}")
        if message.lower().startswith(UNCLEAR_PREFIXES):
            problems.append(f"{name}: unexpected-exception message: {message!r}")
        if any(raw in message.lower() for raw in RAW_PILLOW):
            problems.append(f"{name}: a raw library message: {message!r}")
    return problems


def test_corpus_is_big_and_varied(corpus: list[Case]) -> None:
    assert len(corpus) >= MIN_CORPUS
    kinds = {case.kind.split("_")[0] for case in corpus}
    assert {"truncated", "flipped", "bomb", "zero", "animated", "cmyk"} <= kinds
    assert {p.path.suffix for p in corpus} >= {".jpg", ".png", ".webp", ".tif", ".gif", ".bmp"}


def test_engine_gives_one_clear_result_per_file(corpus: list[Case],
                                                engine_results: list[CaptionResult]) -> None:
    assert [r.path for r in engine_results] == [c.path for c in corpus], "order or count differs"
    problems = [p for case, result in zip(corpus, engine_results, strict=True)
                for p in _problems(case, result)]
    assert not problems, "\n".join(problems)
    by_kind = {c.kind: r for c, r in zip(corpus, engine_results, strict=True)}
    assert "decompression bomb" in (by_kind["bomb_png_100kx100k"].error or "")
    assert "empty" in (by_kind["zero_bytes"].error or "")
    assert sum(r.ok for r in engine_results) >= 60  # the valid and convertible ones


def test_engine_survives_the_corpus_without_growing(corpus: list[Case],
                                                    tiny_model_dir: Path) -> None:
    """A second pass (after warm-up) must not leak: bombs are refused before allocation."""
    paths = [c.path for c in corpus if "bomb" in c.kind or c.kind.startswith("big_")]
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as captioner:
        list(captioner.caption_paths(paths))
        with PeakRss() as memory:
            results = within(ENGINE_SECONDS, lambda: list(captioner.caption_paths(paths * 3)),
                             "captioning bombs")
    assert not any(r.ok for r in results)
    assert memory.growth < 400, f"bombs cost {memory.growth:.0f} MB"


def test_cli_captions_the_corpus_folder(corpus: list[Case], tiny_model_dir: Path) -> None:
    folder = corpus[0].path.parent
    expected = list(expand_paths([folder]))
    # Only .heic (without pillow-heif) is not an image extension here.
    assert expected == [c.path for c in corpus if is_image_path(c.path)]
    assert len(expected) >= len(corpus) - 2
    done = run_cli("caption", folder, model=tiny_model_dir)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, stderr[-4000:]
    assert "Traceback" not in stderr, stderr[-4000:]
    rows = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [Path(r["path"]) for r in rows] == expected
    for row in rows:
        assert bool(row.get("caption")) != bool(row.get("error")), row
    failed = [r for r in rows if r.get("error")]
    error_lines = [line for line in stderr.splitlines() if line.startswith("capdesk: ")]
    assert len(error_lines) == len(failed)
    assert f"{len(rows) - len(failed)} captioned, {len(failed)} failed" in stderr


def test_cli_csv_output_has_one_row_per_file(corpus: list[Case], tiny_model_dir: Path,
                                              tmp_path: Path) -> None:
    subset = [c.path for c in corpus[::10]]
    out = tmp_path / "out.csv"
    done = run_cli("caption", *subset, "--csv", out, "--batch", "3", model=tiny_model_dir)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))  # a cell may hold several lines (flags, written)
    assert len(rows) == len(subset) + 1
    assert [Path(row[0]) for row in rows[1:]] == [Path(p) for p in subset]


@pytest.mark.parametrize("damage", ["idat_not_zlib", "idat_zeroed_midway"])
def test_png_with_corrupt_pixel_data_is_an_error(tmp_path: Path, damage: str) -> None:
    if damage == "idat_not_zlib":
        data = png(10, 10, idat=b"not zlib at all" * 4)
    else:
        good = bytearray(encode(photo((64, 64)), "PNG"))
        start = good.index(b"IDAT") + 4 + 200
        good[start:start + 40] = bytes(40)
        data = bytes(good)
    path = tmp_path / f"{damage}.png"
    path.write_bytes(data)
    with pytest.raises(ImageLoadError):
        load_for_model(path, (32, 32))


def test_corpus_file_names_are_plain(corpus: list[Case]) -> None:
    """The CLI corpus run decodes stdout as UTF-8: odd names are tested separately."""
    assert all(os.fsencode(c.path.name).isascii() for c in corpus)
