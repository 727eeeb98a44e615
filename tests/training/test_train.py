"""Training batches: whole images, at most ``batch_size`` captions, sorted by length."""

from __future__ import annotations

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
