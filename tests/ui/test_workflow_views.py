"""The window as a new user meets it: the grid fills its pane, the F1 list fits its text,
the Play/Pause button shows a real icon.

Checked through geometry Qt computed (item rectangles, size hints, font coverage), never
through timing.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle

from capdesk.ui.dialogs import ShortcutsDialog
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


def test_shortcut_list_fits_its_text(qtbot):
    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    metrics = QFontMetrics(table.font())
    flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
    # the item view's text margin on each side (QCommonStyle's rule for item text)
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    for row in range(table.rowCount()):
        for column in range(2):
            item = table.item(row, column)
            cell = table.visualItemRect(item)
            room = QRect(0, 0, cell.width() - 2 * margin, 10_000)
            needed = metrics.boundingRect(room, flags, item.text())
            assert needed.width() <= cell.width(), item.text()  # nothing cut off sideways
            assert needed.height() <= cell.height(), item.text()  # nor a wrapped line lost
    # the dialog is sized from that content, as far as the screen allows
    screen = dialog.screen().availableGeometry()
    content = dialog.content_size()
    assert dialog.sizeHint().width() >= min(content.width(), int(screen.width() * 0.9) - 60)
    assert dialog.width() >= min(dialog.sizeHint().width(), screen.width())
    assert table.viewport().width() >= table.columnWidth(0) + table.columnWidth(1) - 2


def test_play_and_pause_show_an_icon_not_a_missing_glyph(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(1)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    controller.select(paths[0])
    preview = window.preview
    qtbot.waitUntil(lambda: len(preview.words.buttons) > 1, timeout=HANG_MS)
    button = preview.play_button
    metrics = QFontMetrics(button.font())
    for playing in (True, False):
        preview.play(playing)
        assert preview.is_playing is playing
        assert not button.icon().isNull()
        assert not button.icon().pixmap(16, 16).isNull()
        assert all(metrics.inFont(ch) for ch in button.text()), button.text()
        assert button.accessibleName() == ("Pause words" if playing else "Play words")
    assert button.text() == "Play"
