"""The heatmap in words: which part of the photo the attention covers."""

from __future__ import annotations

import numpy as np
import pytest

from capdesk.imaging.regions import describe_attention, region_shares


def _peak(row: int, col: int, size: int = 7) -> np.ndarray:
    grid = np.full((size, size), 0.01)
    grid[row, col] = 1.0
    return grid


@pytest.mark.parametrize(
    ("row", "col", "words"),
    [
        (0, 0, "top left"),
        (0, 6, "top right"),
        (3, 3, "centre"),
        (6, 0, "bottom left"),
        (3, 6, "middle right"),
        (6, 3, "bottom centre"),
    ],
)
def test_a_single_peak_is_named_by_its_part_of_the_photo(row, col, words):
    assert describe_attention(_peak(row, col)) == words


def test_a_flat_map_is_spread_over_the_whole_photo():
    assert describe_attention(np.ones((7, 7))) == "spread over the whole photo"
    assert describe_attention(np.zeros((14, 14))) == "spread over the whole photo"


def test_two_neighbouring_parts_are_both_named():
    grid = np.full((6, 6), 0.01)
    grid[5, 1] = 1.0  # bottom left
    grid[5, 2] = 0.9  # bottom centre
    assert describe_attention(grid) == "bottom left and bottom centre"


def test_shares_sum_to_one_for_any_grid_size():
    for size in (7, 14, 5):
        shares = region_shares(np.random.default_rng(size).random((size, size)))
        assert shares.shape == (3, 3)
        assert shares.sum() == pytest.approx(1.0)


def test_a_grid_that_is_not_2d_is_refused():
    with pytest.raises(ValueError, match="2-D"):
        describe_attention(np.ones(9))
