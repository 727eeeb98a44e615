"""Alt text an image already carries is shown on load and, by default, not captioned over."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from capdesk.export import ExportFormat
from capdesk.ui.items import Status
from capdesk.ui.settings import load_settings, save_settings
from tests.support.fake_engine import FakeCaptioner


def test_existing_alt_text_is_shown_and_kept(qtbot, make_window, images):
    first, second, third = images(3)
    first.with_suffix(".txt").write_text("Our head teacher opening the new library.\n")
    engine = FakeCaptioner()
    _window, controller = make_window(engine)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths([first, second, third])
    item = controller.model.item(first)
    assert item.status is Status.EXISTING
    assert item.text == "Our head teacher opening the new library."
    assert item.reviewed and not item.flagged
    captioned = {p for call in engine.calls for p in call}
    assert captioned == {second, third}
    assert controller.model.item(second).status is Status.DONE
    assert item.record().caption == "Our head teacher opening the new library."


def test_embedded_alt_text_is_read_back(qtbot, make_window, images):
    pytest.importorskip("pyexiv2", reason="embedded alt text needs pyexiv2")
    from capdesk.export import write_alt_text

    (photo,) = images(1)
    write_alt_text(photo, "A red kite over the hills, café terrace below.")
    _window, controller = make_window()
    with qtbot.waitSignal(controller.scan_done, timeout=60_000):
        controller.add_paths([photo])
    qtbot.waitUntil(lambda: controller.model.item(photo) is not None, timeout=60_000)
    assert controller.model.item(photo).text == "A red kite over the hills, café terrace below."


def test_skipping_can_be_turned_off(qtbot, make_window, images, settings_store):
    save_settings(replace(load_settings(settings_store), skip_existing_alt_text=False),
                  settings_store)
    (photo,) = images(1)
    photo.with_suffix(".txt").write_text("An older description.")
    engine = FakeCaptioner()
    _window, controller = make_window(engine)
    with qtbot.waitSignal(controller.queue.finished, timeout=60_000):
        controller.add_paths([photo])
    item = controller.model.item(photo)
    assert item.status is Status.DONE
    assert item.text == engine.caption_for(photo, 3).text


def test_existing_alt_text_can_be_edited_and_exporting_writes_the_edit(
        qtbot, make_window, images, tmp_path):
    """The field is not greyed: it shows the file's words, an edit (undoable) replaces
    them, and the export's "leave images that already have alt text alone" still writes
    the edit (the person's newer words) while it leaves the unedited one alone."""
    pytest.importorskip("pyexiv2", reason="embedded alt text needs pyexiv2")
    from capdesk.export import read_alt_text, write_alt_text

    edited, kept = images(2)
    write_alt_text(edited, "Our head teacher opening the library.")
    write_alt_text(kept, "The school choir in the new hall.")
    window, controller = make_window()
    with qtbot.waitSignal(controller.scan_done, timeout=60_000):
        controller.add_paths([edited, kept])
    qtbot.waitUntil(lambda: controller.model.item(edited).status is Status.EXISTING,
                    timeout=60_000)
    controller.select(edited)
    field = window.preview.editor
    assert field.isEnabled() and field.text() == "Our head teacher opening the library."
    assert "found in the file" in window.preview.info.text()
    field.selectAll()
    qtbot.keyClicks(field, "Our head teacher, Mrs Okafor, opening the library.")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    item = controller.model.item(edited)
    assert item.text == "Our head teacher, Mrs Okafor, opening the library."
    assert item.edited and item.status is Status.EDITED
    assert "Our head teacher opening the library." in window.preview.info.text()
    controller.undo_stack.undo()
    assert item.text == "Our head teacher opening the library."
    assert item.status is Status.EXISTING and not item.edited
    controller.undo_stack.redo()
    view = window.list_view  # the list's inline editor takes it too
    assert view.model().flags(view.currentIndex()) & Qt.ItemFlag.ItemIsEditable

    dialog = controller.files.export()
    assert dialog.skip_existing.isChecked()
    dialog._boxes[ExportFormat.CSV].setChecked(False)
    dialog._boxes[ExportFormat.ALT_TEXT].setChecked(True)
    dialog.destination.setText(str(tmp_path / "export"))
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=60_000):
        dialog.accept()
    copy = tmp_path / "export" / edited.name
    assert read_alt_text(copy) == "Our head teacher, Mrs Okafor, opening the library."
    assert not (tmp_path / "export" / kept.name).exists()  # left alone, as asked
    assert read_alt_text(edited) == "Our head teacher opening the library."  # original
