"""Alt text an image already carries is shown on load and, by default, not captioned over."""

from __future__ import annotations

from dataclasses import replace

import pytest

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
