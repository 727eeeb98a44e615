"""An attention map in words, for people who cannot see the heatmap.

The map is pooled into a 3×3 layout of the photo (top left … bottom right); the phrase
names the cell (or the two neighbouring cells) holding most of the attention, or says
it is spread out when no part stands out. Pure numpy, so the CLI could say it too.
"""

from __future__ import annotations

import numpy as np

_ROWS = ("top", "middle", "bottom")
_COLS = ("left", "centre", "right")

SPREAD_SHARE = 0.22
"""A cell holding less than this share of all attention (a flat map gives each 1/9 ≈
0.11) does not stand out: the map is "spread over the whole photo"."""

PAIR_SHARE = 0.75
"""When the runner-up neighbouring cell holds at least this fraction of the top cell's
attention, both are named ("top left and top centre")."""


def _cell_name(row: int, col: int) -> str:
    if row == 1 and col == 1:
        return "centre"
    if row == 1:
        return f"middle {_COLS[col]}"
    return f"{_ROWS[row]} {_COLS[col]}"


def region_shares(alpha: np.ndarray) -> np.ndarray:
    """The share of attention in each of the 3×3 parts of the photo (sums to 1)."""
    grid = np.clip(np.asarray(alpha, dtype=np.float64), 0.0, None)
    if grid.ndim != 2 or grid.size == 0:
        raise ValueError(f"alpha must be a non-empty 2-D grid, got shape {grid.shape}")
    # Repeat each cell 3×3 so any grid size splits exactly into thirds.
    fine = np.kron(grid, np.ones((3, 3)))
    h, w = grid.shape
    pooled = fine.reshape(3, h, 3, w).sum(axis=(1, 3))
    total = pooled.sum()
    if total <= 0:
        return np.full((3, 3), 1.0 / 9.0)
    return pooled / total


def describe_attention(alpha: np.ndarray) -> str:
    """Where the attention lies: "top left", "centre", "bottom left and bottom centre"
    or "spread over the whole photo"."""
    shares = region_shares(alpha)
    best = np.unravel_index(int(np.argmax(shares)), shares.shape)
    row, col = int(best[0]), int(best[1])
    top = float(shares[row, col])
    if top < SPREAD_SHARE:
        return "spread over the whole photo"
    neighbours = [
        (r, c)
        for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1))
        if 0 <= r < 3 and 0 <= c < 3
    ]
    second = max(neighbours, key=lambda rc: float(shares[rc]))
    if float(shares[second]) >= PAIR_SHARE * top:
        first, other = sorted([(row, col), second])
        return f"{_cell_name(*first)} and {_cell_name(*other)}"
    return _cell_name(row, col)
