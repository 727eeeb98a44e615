"""Attention maps for captions restored from the library, worked out when they are looked at.

The library keeps a caption's words, not its maps, so a photo captioned in an earlier
session comes back without a heatmap. When such a photo becomes the current one, the
caption worker recomputes the maps (one encoder run and the stored words fed through the
decoder, ``capdesk.engine.attend``) between two caption batches, never on the GUI thread.
Meanwhile, and when it cannot be done, the preview says so in words (``attention_note``)
instead of showing an empty heatmap without a reason.

Only the model that wrote the caption can say where it looked for those words: with
another model loaded the note says that rather than showing another model's maps.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject

from capdesk.domain import Caption
from capdesk.domain.languages import DEFAULT_LANGUAGE
from capdesk.jobs import CaptionQueue
from capdesk.ui.image_model import ImageListModel, ItemRole
from capdesk.ui.items import ImageItem
from capdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

WORKING = "Working out where the model looked…"


def needs_maps(item: ImageItem | None) -> bool:
    """A model caption (restored from the library) whose words have no maps yet."""
    return item is not None and item.caption is not None and item.caption.attention.size == 0


class AttentionFiller(QObject):
    """Asks the worker for missing maps of the current photo (see the module docstring)."""

    def __init__(self, window: MainWindow, model: ImageListModel, queue: CaptionQueue) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self.queue = queue
        self._asked: set[Path] = set()
        self._failed: dict[Path, str] = {}  # path: caption text it failed for
        queue.attention_ready.connect(self._on_ready)
        queue.engine_ready.connect(lambda _info: self._check_current())
        window.list_view.selectionModel().currentChanged.connect(self._check_current)
        model.dataChanged.connect(self._on_changed)  # a library caption arriving on it

    def _current(self) -> ImageItem | None:
        item = self.window.list_view.currentIndex().data(ItemRole)
        return item if isinstance(item, ImageItem) else None

    def _on_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        item = self._current()
        if item is None or not needs_maps(item):
            return
        if top.row() <= self.model.index_of(item.path).row() <= bottom.row():
            self._check_current()

    def _check_current(self, *_args: object) -> None:
        item = self._current()
        if item is None or item.caption is None or not needs_maps(item):
            return
        text = item.caption.text
        if item.path in self._asked or self._failed.get(item.path) == text:
            return
        note = self._cannot(item)
        if note:
            self._note(item, note)
            return
        self._asked.add(item.path)
        self._note(item, WORKING)
        self.queue.attend(item.path, text)

    def _cannot(self, item: ImageItem) -> str:
        """Why the maps cannot be recomputed now ('' when they can)."""
        info = self.queue.engine_info
        if info is None:
            return "The heatmap is worked out once the model has loaded."
        if item.model_name and item.model_name != info.model_name:
            return (
                f"No heatmap: the caption was written by the model {item.model_name}, "
                f"and {info.model_name} is loaded; re-caption the photo to see one."
            )
        if item.language.code != DEFAULT_LANGUAGE.code:
            # forced decoding runs the top-level (English) decoder and its vocabulary
            return (
                f"No heatmap: maps are worked out again for English captions only; "
                f"re-caption the photo to see where the model looked for the "
                f"{item.language.name} words."
            )
        return ""

    def _on_ready(self, path: Path, text: str, caption: Caption | None, why: str) -> None:
        self._asked.discard(path)
        item = self.model.item(path)
        if item is None or item.caption is None or item.caption.text != text:
            return  # re-captioned or removed meanwhile: nothing to fill
        if caption is None:
            self._failed[path] = text
            self._note(item, f"No heatmap for this caption: {why}.")
            return
        if needs_maps(item):
            item.caption = caption
            item.attention_note = ""
            self.model.refresh(path)

    def _note(self, item: ImageItem, note: str) -> None:
        if item.attention_note != note:
            item.attention_note = note
            self.model.refresh(item.path)
