"""The text read in a photo in the app (issue 18, item 5): shown under the caption,
editable and undoable, part of the exported alt text, and kept in the library with the
flags and trust, so a reopened folder shows the same flags and F8 still visits them first.

The engine is the fake one with read text, trust and flags attached to chosen files; the
library is a real SQLite file in tmp_path. Timeouts are hang guards only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from capdesk.domain import make_flag
from capdesk.library import Library
from capdesk.ui.exporting import alt_text_summary
from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000
READ = {"img001.jpg": "TAN WOON YANN\nBOOK TA.K\nTOTAL 31.00", "img003.jpg": ""}
FLAGS = {"img001.jpg": ["too_bright", "mostly_text"], "img002.jpg": ["unfamiliar"]}
TRUST = {"img000.jpg": 0.8, "img001.jpg": 0.05, "img002.jpg": 0.3, "img003.jpg": 0.6}


def _engine() -> FakeCaptioner:
    return FakeCaptioner(flags=FLAGS, trust=TRUST, visible_text=READ)


def _window(qtbot, make_window, paths, engine=None):
    window, controller = make_window(engine or _engine())
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=HANG_MS)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(lambda: len(controller.model.items()) == len(paths) and all(
        i.status in (Status.DONE, Status.EDITED) for i in controller.model.items()),
        timeout=HANG_MS)
    return window, controller


def test_read_text_shows_under_the_caption_and_a_correction_is_exported(
        qtbot, make_window, images):
    paths = images(4)
    window, controller = _window(qtbot, make_window, paths)
    view = window.preview.text_view
    controller.select(paths[1])
    qtbot.waitUntil(lambda: view.field.toPlainText() == READ["img001.jpg"], timeout=HANG_MS)
    assert view.isVisible() and view.field.accessibleName() == "Text in the photo"
    item = controller.model.item(paths[1])
    assert view.alt_preview.text() == "Alt text: " + item.record().alt_text
    assert item.record().alt_text.endswith("Text: TAN WOON YANN, BOOK TA.K, TOTAL 31.00")

    view.field.setFocus()
    view.field.selectAll()
    for number, line in enumerate(("TAN WOON YANN", "BOOK TA.K", "TOTAL 31.00 RM")):
        if number:
            qtbot.keyClick(view.field, Qt.Key.Key_Return)  # a new line, not "keep"
        qtbot.keyClicks(view.field, line)
    qtbot.keyClick(view.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert item.visible_text == "TAN WOON YANN\nBOOK TA.K\nTOTAL 31.00 RM"
    assert item.reader_text == READ["img001.jpg"]
    assert not item.reviewed and item.flagged  # correcting the text is not a review
    record = item.record()
    assert record.visible_text == item.visible_text and record.alt_text.endswith("31.00 RM")
    qtbot.waitUntil(lambda: view.alt_preview.text().endswith("31.00 RM"), timeout=HANG_MS)

    controller.undo_stack.undo()
    assert item.visible_text == READ["img001.jpg"] and item.person_visible_text is None
    controller.undo_stack.redo()
    assert item.visible_text.endswith("RM")

    controller.select(paths[0])  # not read: no field at all
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=HANG_MS)
    controller.select(paths[3])  # read, nothing found: the field says so
    qtbot.waitUntil(view.isVisible, timeout=HANG_MS)
    assert view.field.toPlainText() == ""
    assert view.field.placeholderText() == "No text was found in this photo"


def test_style_checks_read_the_composed_alt_text(qtbot, make_window, images):
    paths = images(2)
    long_text = {"img001.jpg": " ".join(["WORD"] * 40)}
    _shown, controller = _window(
        qtbot, make_window, paths, FakeCaptioner(visible_text=long_text))
    records = [i.record() for i in controller.model.items()]
    summary = alt_text_summary(records)
    assert "img001.jpg" in summary and "img000.jpg" not in summary  # only the composed one


def test_flags_trust_and_text_come_back_from_the_library(qtbot, make_window, images,
                                                         library_file):
    paths = images(4)
    window, controller = _window(qtbot, make_window, paths)
    controller.select(paths[1])
    controller.edit_visible_text("TAN WOON YANN\nTOTAL 31.00")
    window.close()
    with Library.open(library_file) as library:
        kept = library.lookup([paths[1]])[paths[1]]
        assert kept.flag_codes == ("too_bright", "mostly_text")
        assert kept.text_in_photo == "TAN WOON YANN\nTOTAL 31.00"

    engine = FakeCaptioner()  # would give no flags at all: nothing may be captioned again
    window, again = _window(qtbot, make_window, paths, engine)
    assert [p for call in engine.calls for p in call] == []
    items = {i.path: i for i in again.model.items()}
    restored = items[paths[1]]
    assert restored.flags == tuple(make_flag(c) for c in FLAGS["img001.jpg"])
    assert abs(restored.trust - 0.05) < 1e-9 and restored.flagged
    assert restored.visible_text == "TAN WOON YANN\nTOTAL 31.00"
    assert restored.reader_text == READ["img001.jpg"]
    assert items[paths[3]].visible_text == "" and items[paths[0]].visible_text is None
    qtbot.waitUntil(lambda: "2 flagged" in window.counts_label.text(), timeout=HANG_MS)
    again.select(paths[3])
    window.actions_by_name["next_unreviewed"].trigger()
    assert again.current_item.path == paths[1]  # flagged first, wrapping around
    window.actions_by_name["next_unreviewed"].trigger()
    assert again.current_item.path == paths[2]
    view = window.preview.text_view
    again.select(paths[1])
    qtbot.waitUntil(lambda: view.field.toPlainText() == "TAN WOON YANN\nTOTAL 31.00",
                    timeout=HANG_MS)
    assert [row.text() for row in window.preview.flag_list.rows] == [
        make_flag(c).message for c in FLAGS["img001.jpg"]]
