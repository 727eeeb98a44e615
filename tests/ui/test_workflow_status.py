"""What the window says about the work: title, counts, progress line, failed exports.

Each follows the list as a person changes it; asserted on text and geometry, never time
(the waits are hang guards for a loaded machine).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from capdesk.export import ExportOptions
from capdesk.imaging import ImageLoadError, load_for_model
from capdesk.jobs import Progress, format_duration
from capdesk.ui.window_status import window_title

HANG_MS = 60_000


def _counts(window) -> str:
    return window.counts_label.text()


def test_title_names_the_folder_and_the_photo_with_an_unsaved_marker(qtbot, make_window, images):
    window, controller = make_window()
    assert window.windowTitle() == "capdesk — captions and alt text"
    paths = images(3, "Holiday")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.files.open_folder_path(paths[0].parent)
    controller.select(paths[1])
    assert window.windowTitle() == "img001.jpg[*] — Holiday — capdesk"
    assert not window.isWindowModified()
    editor = window.preview.editor
    editor.setFocus()
    qtbot.keyClicks(editor, " at dusk")  # typed, not yet kept
    assert window.isWindowModified()
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # kept (and in the library)
    qtbot.waitUntil(lambda: controller.model.item(paths[1]).edited, timeout=HANG_MS)
    assert not window.isWindowModified()
    assert window_title(None, None) == "capdesk — captions and alt text"
    assert window_title(Path("/p/Holiday"), None) == "Holiday — capdesk"


def test_counts_follow_removal_filter_results_and_review(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(6)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    qtbot.waitUntil(lambda: _counts(window).startswith("6 images · 6 captioned"), timeout=HANG_MS)
    controller.remove(paths[:2])
    qtbot.waitUntil(lambda: _counts(window).startswith("4 images · 4 captioned"), timeout=HANG_MS)
    window.search.setText("img003")
    qtbot.waitUntil(lambda: _counts(window).endswith("· 1 shown"), timeout=HANG_MS)
    window.search.clear()
    qtbot.waitUntil(lambda: "shown" not in _counts(window), timeout=HANG_MS)
    controller.select(paths[3])
    controller.accept_current()
    qtbot.waitUntil(lambda: "· 1 reviewed" in _counts(window), timeout=HANG_MS)
    controller.undo_stack.undo()
    qtbot.waitUntil(lambda: "· 0 reviewed" in _counts(window), timeout=HANG_MS)
    more = images(2, "more")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(more)  # new results
    qtbot.waitUntil(lambda: _counts(window).startswith("6 images · 6 captioned"), timeout=HANG_MS)


def test_progress_of_a_big_run_is_one_line_that_fits_the_bar(qtbot, make_window):
    big = Progress(1234, 48_000, 12.3, 3_900)
    assert big.text == "Captioning 1,234 / 48,000 · 12.3/s · 1 h 05 min left"
    assert format_duration(42) == "42 s" and format_duration(185) == "3 min 05 s"
    assert format_duration(3 * 86_400) == "72 h 00 min"
    window, controller = make_window()
    bar = window.progress
    bar.setVisible(True)
    for width in (360, 180):
        bar.setFixedWidth(width)
        controller.feedback.progress(Progress(12_345, 480_000, 12.3, 86_000))
        shown = bar.format()
        assert "\n" not in shown
        assert bar.fontMetrics().horizontalAdvance(shown) <= bar.contentsRect().width()
        assert bar.toolTip() == "Captioning 12,345 / 480,000 · 12.3/s · 23 h 53 min left"
        assert bar.accessibleDescription() == bar.toolTip()
    assert shown.endswith("…")  # at 180 px the end is elided, not wrapped or cut


def test_export_has_a_row_for_every_image_and_counts_the_failed(
    qtbot, make_window, images, tmp_path
):
    window, controller = make_window()
    paths = images(2)
    broken = paths[0].parent / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 cut off")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([*paths, broken])
    controller.select(paths[0])
    controller.accept_current()
    out = tmp_path / "export"
    options = ExportOptions(formats=frozenset({"csv", "jsonl"}), destination=out)
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=HANG_MS) as done:
        controller.files.start_export(options)
    report = done.args[0]
    assert report.summary() == "2 ok, 1 failed"
    assert window.statusBar().currentMessage() == "Export finished: 2 ok, 1 failed."
    rows = [json.loads(line) for line in (out / "captions.jsonl").read_text().splitlines()]
    by_name = {Path(r["path"]).name: r for r in rows}
    assert set(by_name) == {"img000.jpg", "img001.jpg", "broken.jpg"}
    assert by_name["img000.jpg"]["reviewed"] is True
    assert by_name["img001.jpg"]["reviewed"] is False
    try:
        load_for_model(broken, (16, 16))
    except ImageLoadError as exc:
        said = str(exc)  # what the engine, the CLI and the CSV say about it
    assert by_name["broken.jpg"]["error"] == said and by_name["broken.jpg"]["caption"] is None
    header, *lines = (out / "captions.csv").read_text(encoding="utf-8").splitlines()
    assert "reviewed" in header.split(",") and len(lines) == 3
    assert any(said in line for line in lines)
