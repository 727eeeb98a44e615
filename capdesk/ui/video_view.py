"""The video view: a strip of key frames with time codes and descriptions, and the selected cue.

Widgets only (the dock's contents): it receives a :class:`CueListModel` and cue values
and emits what the person asked for; the controller (``video_controller.py``) owns the
documents, the worker and the undo stack. The selected cue's frame is shown at the
video's aspect ratio with the attention heatmap of the whole description or of one word
over it (the same renderer and word bar as photos), its trust flags, and an editor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import make_flag
from capdesk.jobs.video_job import clock
from capdesk.ui.flag_view import FlagList
from capdesk.ui.overlay import ALL_WORDS, OverlayRenderer, attention_places
from capdesk.ui.preview import ImageCanvas
from capdesk.ui.video_model import THUMB_HEIGHT, CueListModel, unsquash
from capdesk.ui.words import WordBar

if TYPE_CHECKING:
    from capdesk.video import Cue

FRAME_HEIGHT = 224  # the detail frame: the model's input height, shown at the video's aspect
OPACITY = 0.5


class CueDelegate(QStyledItemDelegate):
    """The strip's inline editor: named for the screen reader, and never reset while
    typing (the worker may move the cue's end, which re-reads the row into the editor)."""

    def createEditor(  # noqa: N802
        self, parent: QWidget, option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = super().createEditor(parent, option, index)
        editor.setAccessibleName(f"Description of cue {index.row() + 1}")
        editor.setAccessibleDescription("Type the description; Enter keeps it, Escape cancels.")
        return editor

    def setEditorData(  # noqa: N802
        self, editor: QWidget, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if isinstance(editor, QLineEdit) and editor.isModified():
            return
        super().setEditorData(editor, index)


class CueStrip(QListView):
    """The key frames left to right; Enter edits the selected cue's description."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setItemDelegate(CueDelegate(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.setIconSize(QSize(round(THUMB_HEIGHT * 16 / 9), THUMB_HEIGHT))
        self.setWordWrap(True)
        line = self.fontMetrics().lineSpacing()
        self.setGridSize(QSize(200, THUMB_HEIGHT + 4 * line + 12))
        self.setFixedHeight(THUMB_HEIGHT + 4 * line + 40)
        self.setAccessibleName("Video cues")
        self.setAccessibleDescription(
            "One key frame per description, in time order. Left and Right move, Enter edits "
            "the description, Ctrl+Return accepts it."
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier,
        )
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
            index = self.currentIndex()
            if index.isValid() and self.state() != QAbstractItemView.State.EditingState:
                self.edit(index)
                return
        super().keyPressEvent(event)


class VideoPanel(QWidget):
    """See the module docstring."""

    video_chosen = Signal(int)  # position in the video picker
    cue_selected = Signal(int)  # row, or -1
    text_committed = Signal(int, str)  # row, the person's words
    accept_requested = Signal(int)  # row
    export_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, model: CueListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._cue: Cue | None = None
        self._aspect = 16 / 9
        self._renderer: OverlayRenderer | None = None
        self._colours = "classic"
        self._build()
        self.show_cue(None)

    def _build(self) -> None:
        self.picker = QComboBox(self)
        self.picker.setAccessibleName("Video")
        self.picker.setAccessibleDescription("The video whose descriptions are shown.")
        self.picker.view().setAccessibleName("Videos")  # the popup list
        self.picker.currentIndexChanged.connect(self.video_chosen)
        picker_label = QLabel("V&ideo", self)
        picker_label.setBuddy(self.picker)
        self.progress_label = QLabel("", self)
        self.progress_label.setAccessibleName("Describing progress")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setAccessibleName("Describing progress")
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumWidth(220)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel describing")
        self.cancel_button.setAccessibleDescription(
            "Stop describing this video; the descriptions found so far are kept."
        )
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.export_button = QPushButton("Export descriptions…", self)
        self.export_button.setAccessibleName("Export video descriptions")
        self.export_button.setAccessibleDescription(
            "Write the descriptions track, chapters, transcript and an HTML page."
        )
        self.export_button.clicked.connect(self.export_requested)
        top = QHBoxLayout()
        top.addWidget(picker_label)
        top.addWidget(self.picker)
        top.addWidget(self.progress_label, 1)
        top.addWidget(self.progress_bar)
        top.addWidget(self.cancel_button)
        top.addWidget(self.export_button)

        self.strip = CueStrip(self)
        self.strip.setModel(self.model)
        self.strip.selectionModel().currentChanged.connect(self._on_current)

        self.canvas = ImageCanvas(self)
        self.canvas.setAccessibleName("Key frame")
        self.canvas.setMinimumSize(QSize(240, 135))
        self.words = WordBar(self)
        self.words.selected.connect(self._on_word)
        self.heatmap_check = QCheckBox("Heatmap on the f&rame", self)
        self.heatmap_check.setChecked(True)
        self.heatmap_check.setAccessibleName("Show heatmap on the key frame")
        self.heatmap_check.toggled.connect(self._redraw)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setAccessibleName("Cue details")
        self.flag_list = FlagList(self)
        self.editor = QLineEdit(self)
        self.editor.setAccessibleName("Description text")
        self.editor.setAccessibleDescription(
            "Edit the description of this cue and press Enter to keep it; Ctrl+Z undoes."
        )
        self.editor.returnPressed.connect(self._commit)
        editor_label = QLabel("&Description", self)
        editor_label.setBuddy(self.editor)
        self.accept_button = QPushButton("Accept c&ue", self)
        self.accept_button.setAccessibleName("Accept description")
        self.accept_button.setAccessibleDescription(
            "Mark this description reviewed and go to the next cue."
        )
        self.accept_button.clicked.connect(lambda: self.accept_requested.emit(self.current_row))

        side = QVBoxLayout()
        side.addWidget(self.info)
        side.addWidget(self.words)
        side.addWidget(self.heatmap_check)
        side.addWidget(self.flag_list)
        edit_row = QHBoxLayout()
        edit_row.addWidget(editor_label)
        edit_row.addWidget(self.editor, 1)
        edit_row.addWidget(self.accept_button)
        side.addLayout(edit_row)
        side.addStretch(1)
        detail = QHBoxLayout()
        detail.addWidget(self.canvas, 2)
        detail.addLayout(side, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.strip)
        layout.addLayout(detail, 1)
        self.setAccessibleName("Video descriptions")

    # -- values in -----------------------------------------------------------------
    @property
    def current_row(self) -> int:
        index = self.strip.currentIndex()
        return index.row() if index.isValid() else -1

    def set_videos(self, labels: list[str], current: int) -> None:
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(labels)
        self.picker.setCurrentIndex(current)
        self.picker.blockSignals(False)

    def set_progress(self, text: str, done: float, total: float, running: bool) -> None:
        """``02:10 / 10:00`` and a bar; Cancel only while this video is being described."""
        self.progress_label.setText(text)
        self.progress_label.setAccessibleDescription(text)
        self.progress_bar.setVisible(running)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(round(1000 * done / total) if total > 0 else 0)
        self.progress_bar.setAccessibleDescription(f"{clock(done)} of {clock(total)} described")
        self.cancel_button.setEnabled(running)

    def set_colours(self, colours: str) -> None:
        """The heatmap colour map chosen in Settings (as the photo preview uses)."""
        if colours != self._colours:
            self._colours = colours
            if self._renderer is not None:
                self._renderer = OverlayRenderer(self._renderer.rgb, self._renderer.caption,
                                                 colours)
                self._redraw()

    def set_aspect(self, aspect: float) -> None:
        self._aspect = aspect

    def select_row(self, row: int) -> None:
        self.strip.setCurrentIndex(self.model.index(row))

    def show_cue(self, cue: Cue | None) -> None:
        """Show ``cue`` beside the strip (called on selection and whenever it changes)."""
        same = cue is not None and self._cue is not None and cue.frame is self._cue.frame
        same_caption = same and self._cue is not None and cue is not None and (
            cue.caption is self._cue.caption
        )
        self._cue = cue
        if cue is None:
            self._renderer = None
            self.words.set_words(())
            self.canvas.set_image(None, None, "Drop a video to see its key frames here.")
        elif not same_caption:
            frame = np.ascontiguousarray(unsquash(cue.frame, self._aspect, FRAME_HEIGHT))
            self._renderer = OverlayRenderer(frame, cue.caption, self._colours)
            words = cue.caption.words if cue.caption is not None else ()
            self.words.set_words(words, attention_places(cue.caption))
        if not same or not self.editor.isModified():
            self.editor.setText(cue.text if cue is not None else "")
            self.editor.setModified(False)
        flags = tuple(make_flag(code) for code in cue.flags) if cue is not None else ()
        self.flag_list.show_flags(flags, cue.trust if cue is not None else None)
        self.editor.setEnabled(cue is not None and bool(cue.text))
        self.accept_button.setEnabled(cue is not None and bool(cue.text))
        self.info.setText(self._describe(cue))
        self._redraw()

    def commit_pending(self) -> None:
        """Keep words typed but not confirmed (the window is closing)."""
        self._commit()

    # -- behaviour -----------------------------------------------------------------
    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.cue_selected.emit(current.row() if current.isValid() else -1)

    def _on_word(self, _index: int) -> None:
        self._redraw()

    def _commit(self) -> None:
        text = self.editor.text().strip()
        if self._cue is not None and text and text != self._cue.text:
            self.text_committed.emit(self.current_row, text)
        self.editor.setModified(False)

    def _redraw(self) -> None:
        if self._renderer is None:
            return
        word = self.words.current
        layer = self._renderer.layer(word, OPACITY, self.heatmap_check.isChecked())
        self.canvas.set_image(self._renderer.photo, layer)
        caption = self._cue.caption if self._cue is not None else None
        place = attention_places(caption).get(word)
        which = "the whole description" if word == ALL_WORDS or caption is None else (
            f"'{caption.words[word]}'"
        )
        looked = f" For {which} the model looked at: {place}." if place else ""
        self.canvas.setAccessibleDescription(f"The key frame of this cue.{looked}")

    @staticmethod
    def _describe(cue: Cue | None) -> str:
        if cue is None:
            return ""
        parts = [f"{clock(cue.start)} to {clock(cue.end)}, frame at {clock(cue.frame_time)}."]
        if cue.edited is not None and cue.caption is not None:
            parts.append(f"Model said: “{cue.caption.text}”.")
        elif cue.reviewed:
            parts.append("Reviewed.")
        elif cue.caption is not None and cue.trust is None:
            parts.append(f"Score {cue.caption.score:.2f}.")
        return " ".join(parts)
