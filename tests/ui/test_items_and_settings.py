"""Review rules and the settings table, without a window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings

from capdesk.domain import Caption, CaptionResult
from capdesk.ui.items import ImageItem, Status, unsure_reason
from capdesk.ui.settings import AppSettings, load_settings, save_settings


def caption(text: str, score: float = -0.3) -> Caption:
    words = tuple(text.split())
    return Caption(text, words, score, score * len(words), np.ones((len(words), 2, 2)) / 4)


def test_unsure_reasons():
    assert unsure_reason(caption("a dog runs")) is None
    assert "unsure" in (unsure_reason(caption("a dog runs", score=-2.0)) or "")
    assert "unknown" in (unsure_reason(caption("a <unk> on grass")) or "")
    assert unsure_reason(None) is None


def test_item_edit_and_review_cycle():
    item = ImageItem(Path("a.jpg"))
    item.apply(CaptionResult(Path("a.jpg"), caption("a cat", -2.0), None, "cpu", 1.0), "m")
    assert item.status is Status.DONE and item.flagged
    item.set_text("a grey cat on a sofa")
    assert item.edited and item.reviewed and not item.flagged
    assert item.status is Status.EDITED
    record = item.record()
    assert record.caption == "a grey cat on a sofa" and record.edited and record.score is None
    item.apply(CaptionResult(Path("a.jpg"), None, "corrupt image data", "cpu", 1.0))
    assert item.status is Status.ERROR and item.error == "corrupt image data"


def test_settings_round_trip_and_validation(tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert load_settings(store) == AppSettings()
    settings = AppSettings(
        model_dir="/m",
        provider="cuda",
        beam_size=5,
        recursive=False,
        thumbnail_size=64,
        overlay_opacity=30,
        show_overlay=False,
    )
    settings = settings.with_recent(Path("/a")).with_recent(Path("/b")).with_recent(Path("/a"))
    save_settings(settings, store)
    again = load_settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again == settings
    assert again.recent_folders == ("/a", "/b")
    store.setValue("beam_size", "999")
    store.setValue("provider", "tpu")
    store.setValue("thumbnail_size", "not a number")
    broken = load_settings(store)
    assert broken.beam_size == 10
    assert broken.provider == "auto"
    assert broken.thumbnail_size == AppSettings().thumbnail_size


def test_result_keeps_an_edit_typed_while_queued_but_replaces_an_older_one():
    path = Path("a.jpg")
    item = ImageItem(path)
    item.apply(CaptionResult(path, caption("a cat"), None, "cpu", 1.0), "m")
    item.set_text("my words")
    item.mark_queued()  # re-caption asked for after the edit: the new caption replaces it
    item.apply(CaptionResult(path, caption("a dog on grass"), None, "cpu", 1.0), "m")
    assert item.text == "a dog on grass" and not item.edited and item.status is Status.DONE

    item.mark_queued()
    item.set_text("typed while it waited")
    fresh = caption("a brown dog on grass")
    item.apply(CaptionResult(path, fresh, None, "cpu", 1.0), "m")
    assert item.text == "typed while it waited" and item.edited and item.reviewed
    assert item.status is Status.EDITED
    assert item.caption is fresh  # its attention maps are still shown

    item.mark_queued()
    item.set_text("typed again")
    item.apply(CaptionResult(path, None, "unreadable", "cpu", 1.0))
    assert item.text == "typed again" and item.status is Status.EDITED


def test_cancelled_run_keeps_an_edit_typed_while_queued():
    waited, untouched = ImageItem(Path("a.jpg")), ImageItem(Path("b.jpg"))
    for item in (waited, untouched):
        item.apply(CaptionResult(item.path, caption("a cat"), None, "cpu", 1.0), "m")
        item.mark_queued()
    waited.set_text("a person's caption")
    waited.cancel()
    untouched.cancel()
    assert waited.status is Status.EDITED and waited.text == "a person's caption"
    assert untouched.status is Status.CANCELLED
