"""The main window end to end, with the fake engine: drop, caption, cancel, close.

Timeouts are hang guards (generous, for a loaded machine); a run "in progress" is held
by the fake engine (``pause_after``) rather than slowed down by sleeps.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000


def drop(window, paths: list[Path]) -> None:
    """Deliver a real QDropEvent carrying file URLs, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # Qt deprecated the QPoint constructor, with no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(100, 100), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(window, event)


def test_window_shows_before_the_model_loads(qtbot, make_window):
    window, controller = make_window(wait_engine=False)
    assert window.isVisible()
    qtbot.waitUntil(lambda: controller.queue.engine_info is not None, timeout=HANG_MS)
    assert "CPU" in window.engine_label.text()


def test_drop_files_and_folder_adds_only_images_once(qtbot, make_window, images, tmp_path):
    window, controller = make_window()
    loose = images(2, "loose")
    nested = images(3, "album/inner")
    (tmp_path / "album" / "notes.txt").write_text("not an image")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        drop(window, [*loose, tmp_path / "album", loose[0]])
    assert controller.model.paths() == [*loose, *nested]
    with qtbot.waitSignal(controller.scan_done, timeout=HANG_MS):
        drop(window, [tmp_path / "album"])  # everything already listed: nothing added
    assert len(controller.model.paths()) == 5
    assert not controller.queue.busy


def test_run_fills_captions_and_progress(qtbot, make_window, images):
    window, controller = make_window()
    paths = images(12)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    items = controller.model.items()
    assert all(i.status is Status.DONE and i.text for i in items)
    assert window.progress.value() == 12
    assert "12 captioned" in window.counts_label.text()


def test_unreadable_image_shows_its_error(qtbot, make_window, images, tmp_path):
    _window, controller = make_window()
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 truncated")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([bad, *images(1)])
    item = controller.model.item(bad)
    assert item is not None and item.status is Status.ERROR and item.error
    index = controller.filter.mapFromSource(controller.model.index_of(bad))
    assert item.error in index.data()


def test_cancel_mid_run_stops_and_marks_the_rest(qtbot, make_window, images):
    engine = FakeCaptioner(pause_after=8)  # one batch of the window's queue
    window, controller = make_window(engine)
    paths = images(40)
    controller.add_paths(paths)

    def done() -> int:
        return sum(i.status is Status.DONE for i in controller.model.items())

    qtbot.waitUntil(lambda: done() == 8 and engine.holding.is_set(), timeout=HANG_MS)
    assert window.progress.isVisible()
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        window.actions_by_name["cancel"].trigger()
    statuses = [i.status for i in controller.model.items()]
    assert statuses == [Status.DONE] * 8 + [Status.CANCELLED] * 32
    assert not window.progress.isVisible()
    # Caption the rest later: only the cancelled ones are queued again.
    engine.resume()
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.caption_new()
    assert all(i.status is Status.DONE for i in controller.model.items())


def test_images_dropped_during_a_run_are_queued(qtbot, make_window, images):
    window, controller = make_window()
    first, later = images(10, "first"), images(4, "later")
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(first)
        drop(window, later)
    assert all(i.status is Status.DONE for i in controller.model.items())
    assert len(controller.model.items()) == 14


def test_close_during_a_run_stops_the_worker(qtbot, make_window, images):
    engine = FakeCaptioner(pause_after=8)
    window, controller = make_window(engine)
    controller.add_paths(images(30))
    qtbot.waitUntil(engine.holding.is_set, timeout=HANG_MS)
    assert controller.queue.busy and controller.queue.running
    window.close()
    assert not controller.queue.running
    assert engine.closed


def test_thumbnails_are_decoded_in_the_background(qtbot, make_window, images):
    _window, controller = make_window()
    paths = images(3)
    controller.add_paths(paths, caption=False)
    qtbot.waitUntil(lambda: controller.thumbnails.pixmap(paths[0]) is not None, timeout=HANG_MS)
    pixmap = controller.thumbnails.pixmap(paths[0])
    assert max(pixmap.width(), pixmap.height()) <= controller.settings.thumbnail_size


def test_model_error_shows_a_dialog_naming_the_file(qtbot, settings_store):
    from PySide6.QtWidgets import QMessageBox

    from capdesk.ui.app import build_window

    def broken(_config):
        raise RuntimeError("/models/default/decoder.onnx is missing: run capdesk fetch-model")

    window, controller = build_window(settings_store, broken)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(controller.queue.engine_failed, timeout=HANG_MS):
        controller.start()
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "decoder.onnx" in boxes[0].text()
    assert window.engine_label.text() == "Model not loaded"
    window.close()


def test_close_while_the_model_is_still_loading(qtbot, settings_store):
    import time

    from capdesk.ui.app import build_window

    engine = FakeCaptioner()

    def slow(_config):
        time.sleep(0.5)
        return engine

    window, controller = build_window(settings_store, slow)
    qtbot.addWidget(window)
    window.show()
    controller.start()
    window.close()  # waits for the load to finish, then stops the thread
    assert not controller.queue.running
    assert engine.closed


def test_only_visible_rows_ask_for_thumbnails(qtbot, make_window, tmp_path):
    _window, controller = make_window()
    loader = controller.loader
    asked: set[Path] = set()
    request = loader.request

    def counting_request(path, max_side, **kwargs):
        asked.add(path)
        return request(path, max_side, **kwargs)

    loader.request = counting_request  # a spy on the public call, as the list view makes it
    names = [tmp_path / f"missing{i:04d}.jpg" for i in range(600)]  # listed, never decoded
    with qtbot.waitSignal(controller.scan_done, timeout=HANG_MS):
        controller.add_paths(names, caption=False)
    qtbot.waitUntil(lambda: names[0] in asked, timeout=HANG_MS)  # the first rows painted
    qtbot.wait(200)  # more paints, scrolling none: the set must not grow to the whole list
    assert len(controller.model.items()) == 600
    assert 0 < len(asked) < 60
    assert names[-1] not in asked


def test_grid_view_wraps_thumbnails_and_is_remembered(qtbot, make_window, images, settings_store):
    from capdesk.ui.settings import load_settings

    window, controller = make_window()
    paths = images(6)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    view = window.list_view
    window.resize(1400, 800)
    qtbot.wait(50)

    def columns() -> int:
        return len({view.visualRect(controller.filter.index(r, 0)).left() for r in range(6)})

    assert columns() == 1  # one row per image
    window.actions_by_name["grid_view"].trigger()
    assert view.viewMode() is view.ViewMode.IconMode
    qtbot.waitUntil(lambda: columns() > 1, timeout=HANG_MS)
    controller.select(paths[0])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # arrows walk the grid
    assert controller.current_item.path == paths[1]
    window.close()
    assert load_settings(settings_store).grid_view is True

    window2, _controller2 = make_window()
    assert window2.actions_by_name["grid_view"].isChecked()
    assert window2.list_view.viewMode() is window2.list_view.ViewMode.IconMode
    window2.actions_by_name["grid_view"].trigger()
    assert window2.list_view.viewMode() is window2.list_view.ViewMode.ListMode
