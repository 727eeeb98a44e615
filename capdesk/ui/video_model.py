"""A described video in the app: its cues as a Qt list model, and undoable cue edits.

A :class:`VideoDocument` holds one video's cues as the worker sends them (each a copy
the worker no longer touches) plus what people did to them: ``Cue.edited`` (their words)
and ``Cue.reviewed``. A cue the worker sends again (its end moved) keeps both. The
:class:`CueListModel` shows one document in the strip; edits typed in the strip go
through ``edit_requested`` so the controller can put them on the window's undo stack,
next to photo edits (one Ctrl+Z for both).

The descriptions are not written to the caption library: it keeps one row per image file
(path + content fingerprint), and a cue is a time span whose boundaries change when the
video is described again. They live in the document until exported; quitting with
descriptions never exported, or edited since, asks first (``VideoController.may_close``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QPixmap, QUndoCommand

from capdesk.domain import make_flag
from capdesk.jobs import rgb_to_qimage
from capdesk.jobs.video_job import clock
from capdesk.ui.items import trust_text

if TYPE_CHECKING:
    from capdesk.video import Cue, VideoDescription, VideoInfo

Index = QModelIndex | QPersistentModelIndex
CueRole = Qt.ItemDataRole.UserRole + 11
THUMB_HEIGHT = 72


def flag_messages(cue: Cue) -> list[str]:
    """The trust estimate's flags on a cue, in words, and the estimate itself."""
    lines = [make_flag(code).message for code in cue.flags]
    if cue.trust is not None:
        lines.append(trust_text(cue.trust))
    return lines


def cue_name(number: int, cue: Cue) -> str:
    """What a screen reader says for a strip item: "Cue 3, 00:12 to 00:18: A dog runs."."""
    text = cue.text or "no description"
    parts = [f"Cue {number}, {clock(cue.start)} to {clock(cue.end)}: {text}"]
    if cue.flags and not cue.reviewed:
        parts.append("Needs a look: " + "; ".join(make_flag(c).message for c in cue.flags) + ".")
    if cue.edited is not None:
        parts.append("Edited.")
    elif cue.reviewed:
        parts.append("Reviewed.")
    return " ".join(parts)


def unsquash(frame: np.ndarray, aspect: float, height: int | None = None) -> np.ndarray:
    """The model's square input frame back at the video's aspect ratio (for people)."""
    rows = height or frame.shape[0]
    width = max(2, round(rows * aspect))
    if (rows, width) == frame.shape[:2]:
        return frame
    return np.asarray(Image.fromarray(frame).resize((width, rows), Image.Resampling.BILINEAR))


@dataclass
class VideoDocument:
    """One video in the app: its cues, how far describing got and what it said."""

    path: Path
    job_id: int
    info: VideoInfo | None = None
    cues: list[Cue] = field(default_factory=list)
    state: str = "waiting"  # waiting, describing, done, cancelled, failed
    error: str | None = None
    described: VideoDescription | None = None
    progress_text: str = ""
    done: float = 0.0  # seconds of video described so far
    changed_since_export: bool = False
    exported: list[Path] = field(default_factory=list)

    @property
    def aspect(self) -> float:
        if self.info is None or not self.info.height:
            return 16 / 9
        return self.info.width / self.info.height

    @property
    def edited_count(self) -> int:
        return sum(1 for cue in self.cues if cue.edited is not None)

    @property
    def unsaved(self) -> bool:
        """Descriptions found but never exported, or changed by a person since."""
        return bool(self.cues) and (not self.exported or self.changed_since_export)

    def take(self, index: int, cue: Cue) -> bool:
        """Store the worker's cue ``index`` (True when it is new), keeping a person's edit."""
        if index < len(self.cues):
            old = self.cues[index]
            self.cues[index] = replace(cue, edited=old.edited, reviewed=old.reviewed)
            return False
        self.cues.append(cue)
        return True

    def description(self) -> VideoDescription:
        """The cues as the writers take them, with people's edits (for Export)."""
        from capdesk.video import VideoDescription  # noqa: PLC0415  (loads the engine)

        base = self.described
        if base is not None:
            return replace(base, cues=list(self.cues))
        assert self.info is not None, "a video with cues has its info"
        spans: dict[int, tuple[float, float]] = {}
        for cue in self.cues:
            start = spans.get(cue.shot, (cue.start, cue.end))[0]
            spans[cue.shot] = (start, cue.end)
        end = self.cues[-1].end if self.cues else 0.0
        return VideoDescription(self.info, list(self.cues), list(spans.values()),
                                cancelled=True, end=end)

    def label(self) -> str:
        state = {"describing": self.progress_text or "describing…"}.get(self.state, self.state)
        return f"{self.path.name} — {len(self.cues)} cues, {state}"


class CueListModel(QAbstractListModel):
    """One document's cues for the strip: thumbnail, time codes, description, flags."""

    edit_requested = Signal(int, str)  # row, text typed in the strip

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document: VideoDocument | None = None
        self._thumbs: dict[int, tuple[int, QPixmap]] = {}

    def set_document(self, document: VideoDocument | None) -> None:
        self.beginResetModel()
        self.document = document
        self._thumbs = {}
        self.endResetModel()

    def cue_changed(self, document: VideoDocument, row: int, *, added: bool) -> None:
        """The worker (or an undo command) changed cue ``row`` of ``document``."""
        if document is not self.document:
            return
        if added:
            self.beginInsertRows(QModelIndex(), row, row)
            self.endInsertRows()
        else:
            self._thumbs.pop(row, None)
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() or self.document is None:
            return 0
        return len(self.document.cues)

    def cue(self, row: int) -> Cue | None:
        if self.document is None or not 0 <= row < len(self.document.cues):
            return None
        return self.document.cues[row]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        cue = self.cue(index.row()) if index.isValid() else None
        if cue is not None and cue.text:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cue = self.cue(index.row()) if index.isValid() else None
        if cue is None:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(index.row(), cue)
        if role == CueRole:
            return cue
        return self._texts(index.row(), cue).get(role)

    @staticmethod
    def _texts(row: int, cue: Cue) -> dict[int, str]:
        mark = "⚠ " if cue.flags and not cue.reviewed else ("✓ " if cue.reviewed else "")
        return {
            Qt.ItemDataRole.DisplayRole: f"{clock(cue.start)}–{clock(cue.end)}\n{mark}{cue.text}",
            Qt.ItemDataRole.EditRole: cue.text,
            Qt.ItemDataRole.AccessibleTextRole: cue_name(row + 1, cue),
            Qt.ItemDataRole.ToolTipRole: "\n".join([cue.text, *flag_messages(cue)]),
        }

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.edit_requested.emit(index.row(), str(value))
        return False  # the undo command changes the cue and says so

    def _thumbnail(self, row: int, cue: Cue) -> QPixmap:
        cached = self._thumbs.get(row)
        if cached is not None and cached[0] == id(cue.frame):
            return cached[1]
        aspect = self.document.aspect if self.document is not None else 16 / 9
        small = unsquash(cue.frame, aspect, THUMB_HEIGHT)
        pixmap = QPixmap.fromImage(rgb_to_qimage(np.ascontiguousarray(small)))
        self._thumbs[row] = (id(cue.frame), pixmap)
        return pixmap


class CueCommand(QUndoCommand):
    """Edit or accept one cue; undo restores its words and review exactly."""

    def __init__(
        self,
        document: VideoDocument,
        row: int,
        notify: Callable[[VideoDocument, int], None],
        *,
        text: str | None = None,
    ) -> None:
        cue = document.cues[row]
        what = "Edit" if text is not None else "Accept"
        super().__init__(f"{what} description at {clock(cue.start)} in {document.path.name}")
        self._document, self._row, self._notify = document, row, notify
        self._before = (cue.edited, cue.reviewed)
        model_text = cue.caption.text if cue.caption is not None else ""
        if text is None:
            self._after = (cue.edited, True)
        else:
            self._after = (None if text == model_text else text, True)

    def _set(self, edited: str | None, reviewed: bool) -> None:
        cue = self._document.cues[self._row]
        cue.edited, cue.reviewed = edited, reviewed
        self._document.changed_since_export = True  # undone or not, unlike the last export
        self._notify(self._document, self._row)

    def redo(self) -> None:
        self._set(*self._after)

    def undo(self) -> None:
        self._set(*self._before)
