"""A folder appears before its existing alt text is read, and no image is captioned over
alt text it might have: each is queued once its own read says it has none."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from capdesk.ui.items import Status
from capdesk.ui.settings import load_settings, save_settings

GUARD = 30.0


@pytest.fixture
def held_reads(monkeypatch):
    """Existing alt text is read for real, but only once the returned Event is set."""
    from capdesk.jobs import scanner

    release = threading.Event()
    real = scanner.read_existing_alt_text

    def held(path: Path) -> str | None:
        assert release.wait(GUARD), "reads never released"
        return real(path)

    monkeypatch.setattr(scanner, "read_existing_alt_text", held)
    yield release
    release.set()


def test_images_appear_at_once_and_wait_for_their_read(qtbot, make_window, images, held_reads):
    described, plain = images(2)
    described.with_suffix(".txt").write_text("Our words, written earlier.")
    _window, controller = make_window()
    controller.add_paths([described, plain])
    qtbot.waitUntil(lambda: len(controller.model.items()) == 2, timeout=int(GUARD * 1000))
    assert [i.status for i in controller.model.items()] == [Status.NEW, Status.NEW]
    assert controller.current_item is not None  # the first image is shown already
    with qtbot.waitSignal(controller.queue.finished, timeout=int(GUARD * 1000)):
        held_reads.set()
    assert controller.model.item(described).status is Status.EXISTING
    assert controller.model.item(described).text == "Our words, written earlier."
    assert controller.model.item(plain).status is Status.DONE


def test_when_not_kept_captioning_does_not_wait(
    qtbot, make_window, images, held_reads, settings_store
):
    save_settings(replace(load_settings(settings_store), skip_existing_alt_text=False),
                  settings_store)
    described, plain = images(2)
    described.with_suffix(".txt").write_text("An older description.")
    _window, controller = make_window()
    with qtbot.waitSignal(controller.queue.finished, timeout=int(GUARD * 1000)):
        controller.add_paths([described, plain])  # reads still held
    captioned = controller.model.item(described).text
    with qtbot.waitSignal(controller.scan_done, timeout=int(GUARD * 1000)):
        held_reads.set()
    item = controller.model.item(described)
    assert item.status is Status.DONE and item.text == captioned  # not replaced afterwards
    assert captioned != "An older description."


def test_caption_all_before_the_reads_waits_for_them(qtbot, make_window, images, held_reads):
    described, plain, removed = images(3)
    described.with_suffix(".txt").write_text("Kept as it is.")
    _window, controller = make_window()
    controller.add_paths([described, plain, removed], caption=False)
    qtbot.waitUntil(lambda: len(controller.model.items()) == 3, timeout=int(GUARD * 1000))
    controller.caption_new()
    controller.remove([removed])
    assert [i.status for i in controller.model.items()] == [Status.NEW, Status.NEW]
    with qtbot.waitSignal(controller.queue.finished, timeout=int(GUARD * 1000)):
        held_reads.set()
    assert controller.model.item(described).status is Status.EXISTING
    assert controller.model.item(plain).status is Status.DONE
    assert controller.model.item(removed) is None
