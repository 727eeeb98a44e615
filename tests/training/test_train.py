"""Training batches: whole images, at most ``batch_size`` captions, sorted by length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from capdesk.training.train import batches


def test_batches_hold_whole_images_sorted_by_decreasing_length() -> None:
    rng = np.random.default_rng(0)
    # 40 images with 3 to 5 captions each (some captions were dropped as too long).
    rows = np.repeat(np.arange(40), rng.integers(3, 6, 40))
    rng.shuffle(rows)
    lengths = rng.integers(3, 22, len(rows))

    out = batches(rows, lengths, 16, np.random.default_rng(1))

    seen = np.concatenate(out)
    assert sorted(seen.tolist()) == list(range(len(rows)))  # every caption exactly once
    for b in out:
        assert 0 < len(b) <= 16
        assert np.all(np.diff(lengths[b]) <= 0)
        for image in np.unique(rows[b]):  # all of an image's captions are in this batch
            assert np.sum(rows[b] == image) == np.sum(rows == image)
    # Full batches: adding the next image would have gone over 16 captions.
    assert np.mean([len(b) for b in out]) > 12
    # Shuffled per epoch: another generator gives other batches.
    other = batches(rows, lengths, 16, np.random.default_rng(2))
    assert [b.tolist() for b in other] != [b.tolist() for b in out]


def test_feature_cache_defaults_to_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from capdesk.training.train import TrainConfig

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert TrainConfig(train=[], val=[]).cache_dir == str(tmp_path / "xdg" / "capdesk" / "features")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert TrainConfig(train=[], val=[]).cache_dir == str(
        tmp_path / "home" / ".cache" / "capdesk" / "features"
    )


def test_data_folders_are_required_not_defaulted(capsys: pytest.CaptureFixture[str]) -> None:
    from capdesk.training.cli import main

    missing_data = (
        ["fit", "--run-dir", "x"], ["evaluate", "--model", "m"], ["bench", "--model", "m"]
    )
    for argv in missing_data:
        with pytest.raises(SystemExit):
            main(argv)
        assert "required" in capsys.readouterr().err
    assert main(["compress", "--model", "m", "--out", "o", "--mode", "int8-products-static"]) == 2
