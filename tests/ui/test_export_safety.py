"""The Export dialog never changes what the person did not ask to change (issue 17, item 9).

Confirmations are real QMessageBoxes whose ``exec`` is replaced, so no test blocks on a
modal loop; the photos' bytes are hashed before and after, exiftool reads what was written.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from capdesk.export import COPY_FOLDER_NAME
from tests.support.originals import exiftool_alt_text, sha256_tree

pytest.importorskip("pyexiv2", reason="alt text in images needs pyexiv2")


@pytest.fixture
def answers(monkeypatch):
    """Record every confirmation's text and answer it from a list (default: Cancel)."""
    asked: list[dict[str, str]] = []
    replies: list[QMessageBox.StandardButton] = []

    def fake_exec(box: QMessageBox) -> int:
        asked.append({"title": box.windowTitle(), "text": box.text(),
                      "detail": box.informativeText(),
                      "proceed": box.button(QMessageBox.StandardButton.Ok).text(),
                      "default": box.defaultButton().text()})
        return int((replies.pop(0) if replies else QMessageBox.StandardButton.Cancel).value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return asked, replies


def opened_folder(qtbot, make_window, images, count=3):
    """A window that opened a folder of ``count`` photos and captioned them all."""
    window, controller = make_window()
    paths = images(count)
    with qtbot.waitSignal(controller.queue.finished, timeout=10_000):
        controller.files.open_folder_path(paths[0].parent)
    qtbot.waitUntil(lambda: all(i.text for i in controller.model.items()), timeout=10_000)
    return window, controller, paths


def _export_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_default_destination_after_open_folder_keeps_copies_off_the_originals(
    qtbot, make_window, images, answers
):
    _window, controller, paths = opened_folder(qtbot, make_window, images)
    folder = paths[0].parent
    before = sha256_tree(folder)
    dialog = controller.files.export()
    assert dialog.destination.text() == str(folder / COPY_FOLDER_NAME)
    assert dialog.copies.isChecked()

    # Pointing the copies at the photos' own folder is refused with the reason.
    dialog._boxes["alt-text"].setChecked(True)
    dialog.destination.setText(str(folder))
    assert not _export_button(dialog).isEnabled()
    assert "would write over 3 original photos" in dialog.error.text()
    dialog.accept()  # even if called directly, nothing starts
    assert dialog.isVisible() and sha256_tree(folder) == before

    dialog.destination.setText(str(folder / COPY_FOLDER_NAME))
    assert _export_button(dialog).isEnabled()
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=20_000) as done:
        dialog.accept()
    assert done.args[0].ok, done.args[0].summary()
    assert answers[0] == []  # nothing to confirm: only new files in a new folder
    after = sha256_tree(folder)
    assert {k: v for k, v in after.items() if not k.startswith(COPY_FOLDER_NAME)} == before
    copies = [folder / COPY_FOLDER_NAME / p.name for p in paths]
    texts = [controller.model.item(p).text for p in paths]
    assert exiftool_alt_text(copies) == texts


def test_in_place_is_confirmed_with_counts_of_changed_and_unreviewed(
    qtbot, make_window, images, answers
):
    asked, replies = answers
    _window, controller, paths = opened_folder(qtbot, make_window, images, count=4)
    folder = paths[0].parent
    controller.edit_caption(paths[0], "A red kite over the beach")  # editing is reviewing
    controller.model.item(paths[1]).reviewed = True
    before = sha256_tree(folder)
    dialog = controller.files.export()
    for fmt, box in dialog._boxes.items():
        box.setChecked(fmt == "alt-text")
    dialog.skip_existing.setChecked(False)
    dialog.in_place.setChecked(True)
    assert _export_button(dialog).isEnabled()

    dialog.accept()  # answered Cancel
    assert asked[-1]["text"] == "Alt text will be written into 4 original photo(s)."
    assert "2 of these captions nobody has reviewed" in asked[-1]["detail"]
    assert asked[-1]["default"] == "Cancel" and asked[-1]["proceed"] == "Write into originals"
    assert dialog.isVisible() and sha256_tree(folder) == before

    replies.append(QMessageBox.StandardButton.Ok)
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=20_000) as done:
        dialog.accept()
    assert done.args[0].ok, done.args[0].summary()
    assert exiftool_alt_text(paths) == [controller.model.item(p).text for p in paths]


def test_existing_files_are_listed_and_replaced_only_after_replace(
    qtbot, make_window, images, answers, tmp_path
):
    asked, replies = answers
    _window, controller, paths = opened_folder(qtbot, make_window, images)
    out = tmp_path / "out"
    out.mkdir()
    (out / "captions.csv").write_text("earlier export\n", encoding="utf-8")
    (out / paths[1].name).write_bytes(b"an earlier copy")
    (out / f"{paths[2].stem}.txt").write_text("a sidecar\n", encoding="utf-8")
    kept = sha256_tree(out)
    originals = sha256_tree(paths[0].parent)
    dialog = controller.files.export()
    for fmt in ("alt-text", "sidecar", "csv"):
        dialog._boxes[fmt].setChecked(True)
    dialog.destination.setText(str(out))

    dialog.accept()  # Cancel
    assert asked[-1]["title"] == "Replace existing files?" and asked[-1]["proceed"] == "Replace"
    assert asked[-1]["text"].startswith("3 files already exist (")
    assert "captions.csv" in asked[-1]["text"] and paths[1].name in asked[-1]["text"]
    assert dialog.isVisible() and sha256_tree(out) == kept

    replies.append(QMessageBox.StandardButton.Ok)
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=20_000) as done:
        dialog.accept()
    assert done.args[0].ok, done.args[0].summary()
    assert (out / "captions.csv").read_text(encoding="utf-8").startswith("path,file_name")
    assert exiftool_alt_text([out / paths[1].name]) == [controller.model.item(paths[1]).text]
    assert sha256_tree(paths[0].parent) == originals


def test_quick_csv_export_does_not_replace_an_existing_file(
    qtbot, make_window, images, tmp_path, monkeypatch
):
    from capdesk.ui import file_commands

    shown: list[str] = []
    monkeypatch.setattr(file_commands, "show_message", lambda _w, _t, text: shown.append(text))
    _window, controller, _paths = opened_folder(qtbot, make_window, images)
    target = tmp_path / "mine.csv"
    target.write_text("keep me\n", encoding="utf-8")
    assert controller.files.export_to(target) is None
    assert "1 file exists (mine.csv)" in shown[0]
    assert target.read_text(encoding="utf-8") == "keep me\n"
