"""Accepting captions and going on to the next one to review (Ctrl+Enter, F8).

Kept apart from the controller so it stays small; the controller decides *which* images
(the selection or the current one) and these do the accepting, undoably, and say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtGui import QUndoStack

from capdesk.ui.image_model import ImageListModel
from capdesk.ui.main_window import MainWindow
from capdesk.ui.undo import AcceptCaption


def accept_captions(model: ImageListModel, undo_stack: QUndoStack,
                    paths: Iterable[Path]) -> list[str]:
    """Mark each captioned, unreviewed image of ``paths`` reviewed (one undo step each);
    the names of those accepted."""
    accepted = []
    for path in paths:
        item = model.item(path)
        if item is not None and item.caption is not None and not item.reviewed:
            undo_stack.push(AcceptCaption(model, path))
            accepted.append(path.name)
    return accepted


def announce_accepted(window: MainWindow, accepted: list[str], target: Path | None) -> None:
    """Tell a screen reader what was accepted and where the selection went."""
    if accepted:
        what = accepted[0] if len(accepted) == 1 else f"{len(accepted)} captions"
        after = f" Next: {target.name}." if target is not None else ""
        window.announcer.announce(f"Accepted {what}.{after}")


def say_all_reviewed(window: MainWindow) -> None:
    window.statusBar().showMessage("Every caption has been reviewed.", 4000)
    window.announcer.announce("Every caption has been reviewed.")
