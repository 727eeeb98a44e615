"""Undoable caption edits: each command remembers the item's whole review state."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QUndoCommand

from capdesk.ui.image_model import ImageListModel
from capdesk.ui.items import ImageItem, Status


@dataclass(frozen=True)
class _State:
    text: str
    edited: bool
    reviewed: bool
    status: Status
    person_visible_text: str | None = None

    @classmethod
    def of(cls, item: ImageItem) -> _State:
        return cls(item.text, item.edited, item.reviewed, item.status, item.person_visible_text)

    def restore(self, item: ImageItem) -> None:
        item.text, item.edited, item.reviewed, item.status, item.person_visible_text = (
            self.text,
            self.edited,
            self.reviewed,
            self.status,
            self.person_visible_text,
        )


class _ItemCommand(QUndoCommand):
    """Base: snapshot before, apply a change, restore the snapshot on undo."""

    def __init__(self, model: ImageListModel, path: Path, label: str) -> None:
        super().__init__(label)
        self._model = model
        self._path = path
        item = model.item(path)
        self._before = _State.of(item) if item is not None else None
        self._after: _State | None = None

    def _apply(self, item: ImageItem) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        item = self._model.item(self._path)
        if item is None:
            return
        if self._after is None:
            self._apply(item)
            self._after = _State.of(item)
        else:
            self._after.restore(item)
        self._model.changed_by_person(self._path)

    def undo(self) -> None:
        item = self._model.item(self._path)
        if item is None or self._before is None:
            return  # the image was removed from the list meanwhile
        self._before.restore(item)
        self._model.changed_by_person(self._path)


class EditCaption(_ItemCommand):
    def __init__(self, model: ImageListModel, path: Path, text: str) -> None:
        super().__init__(model, path, f"Edit caption of {path.name}")
        self._text = text

    def _apply(self, item: ImageItem) -> None:
        item.set_text(self._text)


class AcceptCaption(_ItemCommand):
    def __init__(self, model: ImageListModel, path: Path) -> None:
        super().__init__(model, path, f"Accept caption of {path.name}")

    def _apply(self, item: ImageItem) -> None:
        item.reviewed = True


class EditVisibleText(_ItemCommand):
    """The person's correction of the text read in the photo (undoable like a caption edit)."""

    def __init__(self, model: ImageListModel, path: Path, text: str) -> None:
        super().__init__(model, path, f"Edit the text read in {path.name}")
        self._text = text

    def _apply(self, item: ImageItem) -> None:
        item.set_visible_text(self._text)
