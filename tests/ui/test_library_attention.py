"""A photo restored from the library gets its heatmap back when it is looked at.

The library keeps words, not maps: selecting such a photo asks the caption worker for
them (forced decoding, ``capdesk.engine.attend``) and the preview says meanwhile, or when
it cannot be done, why there is no heatmap. Waits are hang guards only.
"""

from __future__ import annotations

from pathlib import Path

from capdesk.ui.attention_fill import WORKING
from capdesk.ui.items import Status
from tests.support.fake_engine import FakeCaptioner

HANG_MS = 60_000


def _wait_library(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: controller.keeping.label.text() == "Library", timeout=HANG_MS)


def _captioned_before(qtbot, make_window, images) -> list[Path]:
    paths = images(3)
    window, controller = make_window(FakeCaptioner())
    _wait_library(qtbot, controller)
    with qtbot.waitSignal(controller.queue.finished, timeout=HANG_MS):
        controller.add_paths([paths[0].parent])
    window.close()
    return paths


def _restored(qtbot, make_window, paths, engine):
    window, controller = make_window(engine)
    _wait_library(qtbot, controller)
    controller.add_paths([paths[0].parent])
    qtbot.waitUntil(
        lambda: (
            len(controller.model.items()) == len(paths)
            and all(i.status is Status.DONE for i in controller.model.items())
        ),
        timeout=HANG_MS,
    )
    return window, controller


def test_selected_library_photo_gets_its_maps_from_the_worker(qtbot, make_window, images):
    paths = _captioned_before(qtbot, make_window, images)
    engine = FakeCaptioner()
    window, controller = _restored(qtbot, make_window, paths, engine)
    assert engine.calls == []  # nothing captioned again
    item = controller.model.item(paths[1])
    assert item.caption is not None and item.caption.attention.size == 0  # words only
    controller.select(paths[1])
    qtbot.waitUntil(lambda: item.caption.attention.size > 0, timeout=HANG_MS)
    assert (paths[1], item.text) in engine.attended
    assert item.caption.attention.shape[0] == len(item.caption.words)
    assert item.attention_note == ""
    preview = window.preview
    qtbot.waitUntil(preview.play_button.isEnabled, timeout=HANG_MS)
    assert len(preview.words.buttons) == len(item.caption.words) + 1  # "All words" first
    assert WORKING not in preview.info.text()
    untouched = controller.model.item(paths[2])
    assert untouched.caption.attention.size == 0  # only the photos looked at
    assert all(p != paths[2] for p, _ in engine.attended)


class _OtherModel(FakeCaptioner):
    def __init__(self) -> None:
        super().__init__()
        self.model_name = "another-model"


class _Failing(FakeCaptioner):
    def attend(self, path, text):
        raise RuntimeError("the decoder is out of order")


def test_no_map_says_why_another_model_or_a_failure(qtbot, make_window, images):
    paths = _captioned_before(qtbot, make_window, images)
    other = _OtherModel()
    window, controller = _restored(qtbot, make_window, paths, other)
    controller.select(paths[0])
    qtbot.waitUntil(
        lambda: "another-model is loaded" in window.preview.info.text(), timeout=HANG_MS
    )
    assert "written by the model fake" in window.preview.info.text()
    assert other.attended == []  # another model's maps would not be where "fake" looked
    window.close()

    failing = _Failing()
    window, controller = _restored(qtbot, make_window, paths, failing)
    controller.select(paths[2])
    qtbot.waitUntil(
        lambda: (
            "No heatmap for this caption: the decoder is out of order."
            in window.preview.info.text()
        ),
        timeout=HANG_MS,
    )
    assert not window.preview.play_button.isEnabled()
