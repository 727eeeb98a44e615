"""The Export dialog remembers the last export's choices (in the settings file, across
windows) and says how many captions nobody has reviewed, flagged ones counted apart."""

from __future__ import annotations

from capdesk.export import ExportFormat
from capdesk.ui.settings import load_settings
from tests.support.fake_engine import FakeCaptioner
from tests.ui.test_library import HANG_MS, _caption_folder, _reopen


def _chosen(dialog) -> set[str]:
    return {fmt.value for fmt, box in dialog._boxes.items() if box.isChecked()}


def test_the_dialog_opens_with_the_last_exports_choices(qtbot, make_window, images, tmp_path,
                                                        settings_store):
    paths = images(3)
    window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent)
    dialog = controller.files.export()
    assert _chosen(dialog) == {"csv"}  # the first time: a CSV, copies
    assert dialog.copies.isChecked() and dialog.skip_existing.isChecked()
    dialog._boxes[ExportFormat.CSV].setChecked(False)
    dialog._boxes[ExportFormat.JSONL].setChecked(True)
    dialog._boxes[ExportFormat.HTML].setChecked(True)
    destination = tmp_path / "for the website"
    dialog.destination.setText(str(destination))
    dialog.skip_existing.setChecked(False)
    with qtbot.waitSignal(controller.files.export_job.signals.finished, timeout=HANG_MS) as done:
        dialog.accept()
    assert done.args[0].ok, done.args[0].summary()
    assert (destination / "captions.jsonl").exists()

    again = controller.files.export()  # the same window
    assert _chosen(again) == {"jsonl", "html"}
    assert again.destination.text() == str(destination)
    assert not again.skip_existing.isChecked()
    again.reject()  # cancelling forgets nothing and remembers nothing
    window.close()

    assert load_settings(settings_store).export_formats == ("jsonl", "html")
    _window2, later, _engine2 = _reopen(qtbot, make_window, paths[0].parent, 3)
    third = later.files.export()  # another window, from the settings file
    assert _chosen(third) == {"jsonl", "html"}
    assert third.destination.text() == str(destination)
    assert not third.skip_existing.isChecked() and third.copies.isChecked()


def test_the_dialog_says_how_many_captions_are_not_reviewed(qtbot, make_window, images):
    paths = images(5)
    engine = FakeCaptioner(flags={"img001.jpg": ("blurred",), "img004.jpg": ("low_confidence",)})
    _window, controller, _engine = _caption_folder(qtbot, make_window, paths[0].parent, engine)
    controller.edit_caption(paths[0], "my dog Rex on the beach")  # editing is reviewing
    controller.select(paths[4])
    controller.accept_current()
    dialog = controller.files.export()
    assert dialog.reviews.text() == (
        "3 of 5 captions are not reviewed yet, 1 of them flagged as likely wrong. "
        "F8 goes to the next one.")
    assert dialog.reviews.isVisibleTo(dialog)
    dialog.reject()
    for path in paths[1:4]:
        controller.select(path)
        controller.accept_current()
    dialog = controller.files.export()
    assert dialog.reviews.text() == "All 5 captions have been reviewed."
