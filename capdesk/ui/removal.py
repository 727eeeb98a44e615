"""Delete: images leave the list, undoably, and the focus stays where the person was.

Removing is only about the list: the files are untouched and so is the caption library
(an image removed and opened again shows its kept caption at once). Undo (Ctrl+Z) puts
the very same items back at their rows, so their captions, edits, review and attention
maps return as they were, and so does every earlier edit on the undo stack (those commands
find the item by path again). Images that were waiting for a caption are queued again.

After a removal the row that took the first removed row's place becomes current (the
next image), or the new last row when the end of the list was removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QUndoCommand, QUndoStack

from capdesk.jobs import CaptionQueue
from capdesk.ui.image_model import CaptionFilter, ImageListModel
from capdesk.ui.intake import AltTextGate
from capdesk.ui.items import ImageItem, Status
from capdesk.ui.main_window import MainWindow
from capdesk.ui.settings import AppSettings
from capdesk.ui.thumbnails import ThumbnailCache

_WAITING = (Status.QUEUED, Status.CAPTIONING)


class RemovalHost(Protocol):
    """What removing needs from the controller (satisfied structurally, no import)."""

    window: MainWindow
    model: ImageListModel
    filter: CaptionFilter
    undo_stack: QUndoStack
    queue: CaptionQueue
    intake: AltTextGate
    thumbnails: ThumbnailCache
    settings: AppSettings


class RemoveImages(QUndoCommand):
    """One Delete; see the module docstring."""

    def __init__(self, host: RemovalHost, paths: list[Path]) -> None:
        name = paths[0].name if len(paths) == 1 else f"{len(paths)} images"
        super().__init__(f"Remove {name} from the list")
        self._host = host
        self._paths = paths
        self._placed: list[tuple[int, ImageItem]] = []

    def redo(self) -> None:
        host, model = self._host, self._host.model
        self._placed = [(model.index_of(p).row(), item) for p in self._paths
                        if (item := model.item(p)) is not None]
        view = host.window.list_view
        rows = [host.filter.mapFromSource(model.index_of(p)).row() for p in self._paths]
        visible = [r for r in rows if r >= 0]
        anchor = min(visible) if visible else view.currentIndex().row()
        _drop(host, [item.path for _, item in self._placed])
        _make_current(host, [min(anchor, host.filter.rowCount() - 1)])
        host.window.announcer.announce(f"Removed {self._what()} from the list. Ctrl+Z puts "
                                       f"{'it' if len(self._placed) == 1 else 'them'} back.")

    def undo(self) -> None:
        host = self._host
        back = host.model.insert_items(self._placed)
        _requeue(host, [p for p in back if (i := host.model.item(p)) and i.status in _WAITING])
        rows = [host.filter.mapFromSource(host.model.index_of(p)).row() for p in back]
        _make_current(host, [r for r in rows if r >= 0])
        host.window.announcer.announce(f"Put {self._what()} back in the list.")

    def _what(self) -> str:
        count = len(self._placed)
        return self._placed[0][1].path.name if count == 1 else f"{count} images"


def _drop(host: RemovalHost, paths: list[Path]) -> None:
    """Take ``paths`` out of the list and the waiting queue (the preview follows the new
    current row, through the selection model)."""
    host.queue.discard(paths)
    host.intake.forget(paths)
    host.model.remove_paths(paths)
    for path in paths:
        host.thumbnails.forget(path)


def _requeue(host: RemovalHost, paths: list[Path]) -> None:
    """Queue again the images put back that were waiting for a caption (one in flight is
    not queued twice). Their items keep what they know about edits typed while they
    waited: ``mark_queued`` is not called, it would let the result replace such an edit."""
    if paths:
        host.queue.enqueue(paths, host.settings.beam_size)


def _make_current(host: RemovalHost, rows: list[int]) -> None:
    """Select ``rows`` of the (filtered) list, the first one current (the keyboard focus
    stays where it was: on the list after Delete); nothing to do on an empty list."""
    view = host.window.list_view
    selection = view.selectionModel()
    rows = [r for r in rows if 0 <= r < host.filter.rowCount()]
    if not rows:
        return
    first = host.filter.index(rows[0], 0)
    selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    for row in rows[1:]:
        selection.select(host.filter.index(row, 0), QItemSelectionModel.SelectionFlag.Select)
    view.scrollTo(first)


def remove_images(host: RemovalHost, paths: Iterable[Path]) -> None:
    """Delete ``paths`` from the list as one undoable step (nothing when none are listed)."""
    listed = [p for p in dict.fromkeys(paths) if host.model.item(p) is not None]
    if listed:
        host.undo_stack.push(RemoveImages(host, listed))

