"""Flags in the app (issue 18, items 2 and 5): which captions need a look, how the reasons
are shown, F8's order, the status bar count and the question before exporting them.

The engine is the fake one with trust and flags attached to chosen files, the way a model
folder with an estimator attaches them; photos are hashed to show Cancel writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from capdesk.domain import Caption, CaptionResult, make_flag
from capdesk.export import flagged_message, read_csv, unreviewed_flagged
from capdesk.ui.image_model import ItemRole
from capdesk.ui.items import ImageItem, next_to_review
from tests.support.fake_engine import FakeCaptioner
from tests.support.originals import sha256_tree

HANG_MS = 60_000
BLURRED = make_flag("blurred")
LOW = make_flag("low_confidence")


def _caption(score: float = -0.3) -> Caption:
    words = ("a", "dog", "runs")
    return Caption("A dog runs.", words, score, score * 4, np.full((3, 2, 2), 0.25))


def _item(name: str, *, score: float = -0.3, trust: float | None = 0.8, flags=()) -> ImageItem:
    item = ImageItem(Path(name))
    item.apply(CaptionResult(Path(name), _caption(score), None, "cpu", 1.0,
                             trust=trust, flags=tuple(flags)), "m")
    return item


def test_a_flag_is_what_makes_an_image_need_a_look():
    flagged = _item("a.jpg", trust=0.1, flags=(BLURRED, LOW))
    assert flagged.flagged and BLURRED.message in (flagged.check_reason or "")
    assert LOW.message in (flagged.check_reason or "")
    # With a trust estimate, a low score alone is no reason: the estimate decided.
    assert not _item("b.jpg", score=-2.5, trust=0.6).flagged
    # Without one (an old model folder) the score rule is all there is.
    assert _item("c.jpg", score=-2.5, trust=None).flagged
    assert not _item("d.jpg", score=-0.3, trust=None).flagged


def test_review_clears_needs_a_look_but_flags_and_trust_stay_and_reach_the_record():
    item = _item("a.jpg", trust=0.12, flags=(BLURRED,))
    item.reviewed = True
    assert not item.flagged and item.flags == (BLURRED,)
    record = item.record()
    assert record.trust == pytest.approx(0.12) and record.flags == (BLURRED,)
    assert record.reviewed

    edited = _item("b.jpg", trust=0.12, flags=(LOW,))
    edited.set_text("A grey cat asleep on a sofa")
    assert not edited.flagged and edited.flags == (LOW,)
    record = edited.record()
    assert record.flags == (LOW,) and record.edited
    assert record.trust is None  # the estimate was about the model's words, not these


def test_unreviewed_flagged_count_is_plain_values():
    items = [
        _item("a.jpg", flags=(BLURRED,)),
        _item("b.jpg"),
        _item("c.jpg", flags=(LOW,)),
        _item("d.jpg", flags=(LOW,)),
    ]
    items[2].reviewed = True
    items[3].set_text("Two people on a bench")
    paths = unreviewed_flagged([i.record() for i in items])
    assert paths == (Path("a.jpg"),)
    assert flagged_message(paths).startswith("1 caption is flagged and nobody reviewed it")
    assert flagged_message(()) == ""


def test_next_to_review_takes_flagged_then_fallback_unsure_then_the_rest():
    items = [
        _item("a.jpg"),
        _item("b.jpg", score=-2.5, trust=None),  # unsure by the fallback rule only
        _item("c.jpg", flags=(LOW,)),
        _item("d.jpg"),
        _item("e.jpg", flags=(BLURRED,)),
    ]
    assert next_to_review(items, Path("d.jpg")).path == Path("e.jpg")
    assert next_to_review(items, Path("e.jpg")).path == Path("c.jpg")  # wraps around
    items[2].reviewed = items[4].reviewed = True
    assert next_to_review(items, Path("d.jpg")).path == Path("b.jpg")
    items[1].reviewed = True
    assert next_to_review(items, Path("a.jpg")).path == Path("d.jpg")


FLAGS = {"img001.jpg": ["blurred", "low_confidence"], "img004.jpg": ["mostly_text"]}
TRUST = {"img000.jpg": 0.81, "img001.jpg": 0.12, "img002.jpg": 0.7, "img004.jpg": 0.23}


def flagged_window(qtbot, make_window, images):
    """Five photos: img001 and img004 flagged, img003 unsure by the fallback rule only
    (no trust estimate, low score), the rest fine."""
    engine = FakeCaptioner(flags=FLAGS, trust=TRUST, unsure={"img003.jpg"})
    window, controller = make_window(engine)
    paths = images(5)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths(paths)
    qtbot.waitUntil(lambda: all(i.caption for i in controller.model.items()), timeout=HANG_MS)
    return window, controller, paths


def test_flag_messages_show_beside_the_caption_and_in_the_list(qtbot, make_window, images):
    window, controller, paths = flagged_window(qtbot, make_window, images)
    messages = [make_flag(code).message for code in FLAGS["img001.jpg"]]
    controller.select(paths[1])
    flags = window.preview.flag_list
    qtbot.waitUntil(lambda: flags.messages == messages, timeout=HANG_MS)
    assert flags.isVisible()
    assert [row.accessibleName() for row in flags.rows] == messages
    for row in flags.rows:  # an icon beside every message, not colour alone
        icon = row.parentWidget().findChildren(type(row))[0]
        assert icon is not row and not icon.pixmap().isNull()
    assert all(m in flags.accessibleDescription() for m in messages)
    assert flags.trust_label.text() == "Trust 12 %" and flags.trust_label.isVisible()

    row = controller.filter.index(1, 0)
    assert "check this" in row.data()
    for role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
        text = row.data(role)
        assert all(m in text for m in messages) and "Trust 12 %" in text

    controller.select(paths[2])  # fine: no flag lines, only the trust
    qtbot.waitUntil(lambda: flags.messages == [], timeout=HANG_MS)
    assert flags.trust_label.text() == "Trust 70 %"

    controller.select(paths[1])
    controller.accept_current()  # reviewed: no longer needs a look, the reasons stay
    item = controller.model.item(paths[1])
    assert item.reviewed and not item.flagged
    controller.select(paths[1])
    qtbot.waitUntil(lambda: flags.messages == messages, timeout=HANG_MS)
    assert messages[0] in controller.filter.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_f8_visits_flagged_first_and_the_status_bar_counts_them(qtbot, make_window, images):
    window, controller, paths = flagged_window(qtbot, make_window, images)
    counts = window.counts_label
    qtbot.waitUntil(lambda: "3 flagged" in counts.text(), timeout=HANG_MS)
    f8 = window.actions_by_name["next_unreviewed"]
    assert f8.shortcut().toString() == "F8"

    controller.select(paths[2])
    f8.trigger()
    assert controller.current_item.path == paths[4]  # flagged, after the current one
    f8.trigger()
    assert controller.current_item.path == paths[1]  # flagged, wrapping around

    controller.accept_current()  # reviews img001, goes on to the other flagged one
    assert controller.current_item.path == paths[4]
    qtbot.waitUntil(lambda: "2 flagged" in counts.text(), timeout=HANG_MS)
    controller.accept_current()  # reviews img004; only the fallback-unsure one is left
    assert controller.current_item.path == paths[3]
    qtbot.waitUntil(lambda: "1 flagged" in counts.text(), timeout=HANG_MS)

    controller.remove([paths[3]])  # the count follows the list
    qtbot.waitUntil(lambda: "0 flagged" in counts.text(), timeout=HANG_MS)
    assert controller.filter.index(0, 0).data(ItemRole).path == paths[0]


@pytest.fixture
def answers(monkeypatch):
    """Record each confirmation and answer it from a list (default: Cancel)."""
    asked: list[dict[str, str]] = []
    replies: list[QMessageBox.StandardButton] = []

    def fake_exec(box: QMessageBox) -> int:
        asked.append({"title": box.windowTitle(), "text": box.text(),
                      "proceed": box.button(QMessageBox.StandardButton.Ok).text(),
                      "default": box.defaultButton().text()})
        return int((replies.pop(0) if replies else QMessageBox.StandardButton.Cancel).value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return asked, replies


def test_exporting_unreviewed_flagged_captions_asks_and_cancel_writes_nothing(
    qtbot, make_window, images, answers, tmp_path
):
    asked, replies = answers
    _window, controller, paths = flagged_window(qtbot, make_window, images)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("already here\n", encoding="utf-8")
    kept, originals = sha256_tree(out), sha256_tree(paths[0].parent)
    dialog = controller.files.export()
    dialog.destination.setText(str(out))  # CSV only, the dialog's default

    dialog.accept()  # answered Cancel
    assert asked[-1]["title"] == "Export flagged captions?"
    assert asked[-1]["text"].startswith(
        "2 captions are flagged and nobody reviewed them (img001.jpg, img004.jpg)"
    )
    assert asked[-1]["text"].endswith("export anyway?")
    assert asked[-1]["proceed"] == "Export" and asked[-1]["default"] == "Cancel"
    assert dialog.isVisible()
    assert sha256_tree(out) == kept and sha256_tree(paths[0].parent) == originals

    replies.append(QMessageBox.StandardButton.Ok)
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=HANG_MS) as done:
        dialog.accept()
    assert done.args[0].ok, done.args[0].summary()
    rows = {r.path.name: r for r in read_csv(out / "captions.csv")}
    assert [f.code for f in rows["img001.jpg"].flags] == FLAGS["img001.jpg"]
    assert rows["img001.jpg"].trust == pytest.approx(0.12)
    assert rows["img003.jpg"].trust is None and rows["img003.jpg"].flags == ()
    assert sha256_tree(paths[0].parent) == originals


def test_export_does_not_ask_once_the_flagged_captions_are_reviewed(
    qtbot, make_window, images, answers, tmp_path
):
    asked, _replies = answers
    _window, controller, paths = flagged_window(qtbot, make_window, images)
    for path in (paths[1], paths[4]):
        controller.select(path)
        controller.accept_current()
    dialog = controller.files.export()
    dialog.destination.setText(str(tmp_path / "out"))
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=HANG_MS) as done:
        dialog.accept()
    assert done.args[0].ok and asked == []
