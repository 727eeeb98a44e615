"""Videos in the app: drop → strip of cues, edit + undo → export, cancel, progress, a11y.

The photo worker runs the fake engine; the video worker builds the real captioner from the
tests' tiny random-weights model (the settings' model folder), on generated slideshows.
Timeouts are hang guards only.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("av", reason="PyAV (the 'video' extra: pip install av) is not installed")

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible

from capdesk.domain import Caption
from capdesk.jobs.video_job import VideoProgress, clock
from capdesk.ui.video_model import VideoDocument, cue_name
from capdesk.video import Cue, VideoInfo, render_transcript
from tests.support.videos import sample_pictures, write_slideshow
from tests.ui.test_window import drop

webvtt = pytest.importorskip("webvtt", reason="webvtt-py (the dev extra) is not installed")
HANG_MS = 120_000
SHOTS = (2.0, 2.5, 2.0, 3.0, 2.5)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    path = tmp_path_factory.mktemp("clips") / "walk.mp4"
    return path, write_slideshow(path, sample_pictures(len(SHOTS)), SHOTS, size=(160, 90))


@pytest.fixture
def video_window(make_window, settings_store, tiny_model_dir):
    settings_store.setValue("model_dir", str(tiny_model_dir))
    window, controller = make_window()
    controller.video.confirm_discard = lambda _unsaved, _running: True
    return window, controller


def described(qtbot, controller, path: Path) -> VideoDocument:
    doc = next(d for d in controller.video.documents if d.path == path)
    qtbot.waitUntil(lambda: doc.state in ("done", "cancelled", "failed"), timeout=HANG_MS)
    return doc


def test_drop_shows_a_strip_with_one_item_per_cue(qtbot, video_window, clip, images):
    window, controller = video_window
    photo = images(1)[0]
    with qtbot.waitSignal(controller.scan_done, timeout=HANG_MS):
        drop(window, [clip[0], photo])
    assert [i.path for i in controller.model.items()] == [photo]  # the photo: photo list
    doc = described(qtbot, controller, clip[0])
    assert doc.state == "done", doc.error
    strip = controller.video.panel.strip
    assert controller.video.dock.isVisible()
    assert abs(strip.model().rowCount() - len(SHOTS)) <= 1
    assert strip.model().rowCount() == len(doc.cues)
    for row, cue in enumerate(doc.cues):
        text = strip.model().index(row).data(Qt.ItemDataRole.DisplayRole)
        assert text.startswith(f"{clock(cue.start)}–{clock(cue.end)}\n")
        assert cue.text and cue.text in text
    starts = [c.start for c in doc.cues]
    assert all(min(abs(s - cut) for s in starts) <= 0.5 for cut in clip[1])
    assert re.fullmatch(r"00:12 / 00:12 · \d+ cues · done",
                        controller.video.panel.progress_label.text())


def test_edit_a_cue_then_export_writes_the_edit_and_undo_restores(
    qtbot, video_window, clip, tmp_path
):
    window, controller = video_window
    controller.add_paths([clip[0]])
    doc = described(qtbot, controller, clip[0])
    model = controller.video.panel.strip.model()
    original = doc.cues[1].text
    assert model.setData(model.index(1), "A person walks a dog along the beach.") is False
    assert doc.cues[1].text == "A person walks a dog along the beach."
    assert doc.cues[1].reviewed
    assert "Edited." in model.index(1).data(Qt.ItemDataRole.AccessibleTextRole)
    out = tmp_path / "out" / "walk.descriptions.vtt"
    out.parent.mkdir()
    written = controller.video.export_to(doc, out)
    assert {p.name for p in written} == {
        "walk.descriptions.vtt", "walk.chapters.vtt", "walk.transcript.txt", "walk.html"
    }
    captions = [c.text for c in webvtt.read(str(out))]
    assert captions[1] == "A person walks a dog along the beach."
    assert len(captions) == len(doc.cues)
    transcript = (out.parent / "walk.transcript.txt").read_text()
    assert "] A person walks a dog along the beach.\n" in transcript
    assert 'kind="descriptions"' in (out.parent / "walk.html").read_text()
    assert not doc.unsaved

    window.actions_by_name["undo"].trigger()
    assert doc.cues[1].text == original and not doc.cues[1].reviewed
    assert doc.unsaved  # back to what it was: changed since the export
    controller.video.export_to(doc, out)
    assert [c.text for c in webvtt.read(str(out))][1] == original


def test_enter_edits_a_cue_in_the_strip_from_the_keyboard(qtbot, video_window, clip):
    from PySide6.QtWidgets import QLineEdit

    _window, controller = video_window
    controller.add_paths([clip[0]])
    doc = described(qtbot, controller, clip[0])
    strip = controller.video.panel.strip
    strip.setFocus()
    controller.video.panel.select_row(1)
    qtbot.keyClick(strip, Qt.Key.Key_Return)
    editor = strip.findChild(QLineEdit)
    assert editor is not None and editor.accessibleName() == "Description of cue 2"
    editor.selectAll()
    qtbot.keyClicks(editor, "Two dogs play in the snow.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits on the next event-loop turn
    qtbot.waitUntil(lambda: doc.cues[1].text == "Two dogs play in the snow.", timeout=HANG_MS)
    assert doc.cues[1].reviewed


def test_accept_marks_reviewed_and_moves_on(qtbot, video_window, clip):
    _window, controller = video_window
    controller.add_paths([clip[0]])
    doc = described(qtbot, controller, clip[0])
    panel = controller.video.panel
    panel.select_row(0)
    panel.accept_button.click()
    assert doc.cues[0].reviewed and doc.cues[0].edited is None
    assert panel.current_row == 1
    controller.undo_stack.undo()
    assert not doc.cues[0].reviewed


class HoldingCaptioner:
    """The real captioner, held before its second batch until the run is cancelled (a run
    "in progress" without racing a timer: the tiny model describes the clip in a blink)."""

    def __init__(self, inner, hold_after: int = 1) -> None:
        self.inner, self.hold_after, self.calls = inner, hold_after, 0
        self.spec = inner.spec

    def caption_arrays(self, images, *, beam_size=None, max_length=None, should_cancel=None):
        from capdesk.engine import SearchCancelled

        if self.calls >= self.hold_after:
            while not should_cancel():
                time.sleep(0.005)
            raise SearchCancelled
        self.calls += 1
        return self.inner.caption_arrays(images, beam_size=beam_size, should_cancel=should_cancel)

    def close(self) -> None:
        self.inner.close()


def test_cancel_keeps_the_cues_found_so_far(qtbot, make_window, settings_store, tiny_model_dir,
                                             clip, monkeypatch):
    from capdesk.jobs import video_job

    real = video_job.default_video_engine_factory
    monkeypatch.setattr(video_job, "default_video_engine_factory",
                        lambda config: HoldingCaptioner(real(config)))
    settings_store.setValue("model_dir", str(tiny_model_dir))
    _window, controller = make_window()
    video = controller.video
    video.confirm_discard = lambda _unsaved, _running: True
    video.options = {"batch_size": 1}
    controller.add_paths([clip[0]])
    qtbot.waitUntil(lambda: video.panel.strip.model().rowCount() == 1, timeout=HANG_MS)
    video.panel.cancel_button.click()
    doc = described(qtbot, controller, clip[0])
    assert doc.state == "cancelled"
    assert len(doc.cues) == 1 and doc.cues[0].text
    assert video.panel.strip.model().rowCount() == len(doc.cues)
    assert doc.described is not None and doc.described.cancelled
    assert doc.done < sum(SHOTS) - 1.0
    assert "stopped" in video.panel.progress_label.text()
    assert not video.panel.cancel_button.isEnabled()


def test_strip_items_are_named_for_screen_readers(qtbot, video_window, clip):
    _window, controller = video_window
    controller.add_paths([clip[0]])
    doc = described(qtbot, controller, clip[0])
    strip = controller.video.panel.strip
    third = doc.cues[2]
    expected = f"Cue 3, {clock(third.start)} to {clock(third.end)}: {third.text}"
    assert strip.model().index(2).data(Qt.ItemDataRole.AccessibleTextRole) == expected
    assert re.fullmatch(r"Cue 3, 00:0\d to 00:0\d: .+", expected)
    interface = QAccessible.queryAccessibleInterface(strip)
    names = [interface.child(i).text(QAccessible.Text.Name) for i in range(interface.childCount())]
    assert expected in names
    assert strip.accessibleName() == "Video cues"


def test_a_file_that_is_not_a_video_says_so_and_quit_asks(qtbot, video_window, tmp_path):
    window, controller = video_window
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    asked = []
    controller.video.confirm_discard = lambda unsaved, running: asked.append(unsaved) or False
    controller.add_paths([broken])
    doc = described(qtbot, controller, broken)
    assert doc.state == "failed" and "not a video file" in (doc.error or "")
    assert "not a video file" in controller.video.panel.progress_label.text()
    assert window.close()  # nothing described: nothing to lose, no question
    assert asked == []


def test_quit_with_unexported_descriptions_asks(qtbot, video_window, clip):
    window, controller = video_window
    controller.add_paths([clip[0]])
    doc = described(qtbot, controller, clip[0])
    asked = []
    controller.video.confirm_discard = lambda unsaved, running: asked.append(unsaved) or False
    assert not window.close()  # the person chose to stay
    assert asked == [[doc]]
    controller.video.confirm_discard = lambda _unsaved, _running: True
    assert window.close()


def test_progress_text_is_video_time_done_over_total():
    assert VideoProgress(1, 130.0, 600.0).text == "02:10 / 10:00"
    assert VideoProgress(1, 3725.4, 5400.0).text == "1:02:05 / 1:30:00"
    assert VideoProgress(1, 0.0, 7.9).text == "00:00 / 00:08"


def _cue(start: float, end: float, flags: tuple[str, ...], trust: float | None) -> Cue:
    words = ("a", "dog", "runs")
    caption = Caption("A dog runs.", words, -0.5, -2.0, np.full((3, 2, 2), 0.25, np.float32),
                      trust=trust, flags=flags)
    return Cue(start, end, 0, start, caption, np.zeros((8, 8, 3), np.uint8))


def test_flags_show_in_the_strip_and_the_transcript_until_reviewed(tmp_path):
    from capdesk.video import VideoDescription

    flagged = _cue(0.0, 6.0, ("low_confidence",), 0.2)
    plain = _cue(6.0, 12.0, (), 0.9)
    info = VideoInfo(tmp_path / "v.mp4", 12.0, 320, 180, 25.0, "h264")
    description = VideoDescription(info, [flagged, plain], [(0.0, 12.0)], end=12.0)
    lines = render_transcript(description).splitlines()
    assert "[00:00:00] A dog runs. [low confidence]" in lines
    assert "[00:00:06] A dog runs." in lines
    assert cue_name(1, flagged).startswith("Cue 1, 00:00 to 00:06: A dog runs. Needs a look: ")
    assert "unsure" in cue_name(1, flagged)
    flagged.reviewed = True
    assert "[00:00:00] A dog runs." in render_transcript(description).splitlines()
    assert cue_name(1, flagged) == "Cue 1, 00:00 to 00:06: A dog runs. Reviewed."


def test_flagged_cue_in_the_model(qtbot):
    from capdesk.ui.video_model import CueListModel

    doc = VideoDocument(Path("v.mp4"), 1)
    doc.take(0, _cue(0.0, 6.0, ("low_confidence",), 0.2))
    model = CueListModel()
    model.set_document(doc)
    assert model.index(0).data(Qt.ItemDataRole.DisplayRole) == "00:00–00:06\n⚠ A dog runs."
    tip = model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert "please check it" in tip and "Trust 20 %" in tip
    assert not model.index(0).data(Qt.ItemDataRole.DecorationRole).isNull()
