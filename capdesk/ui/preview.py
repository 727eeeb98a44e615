"""The preview pane: the photo with the attention heatmap, the caption's words, the
player, the overlay controls and the caption editor.

It receives values (an image array, an :class:`ImageItem`) and emits what the person
asked for; saving, undo and the item model belong to the controller.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from capdesk.ui.flag_view import FlagList
from capdesk.ui.items import ImageItem, Status
from capdesk.ui.overlay import ALL_WORDS, OverlayRenderer, attention_places, paint_layer
from capdesk.ui.text_view import VisibleTextView
from capdesk.ui.words import WordBar

log = logging.getLogger(__name__)

PLAY_INTERVAL_MS = 700


class ImageCanvas(QWidget):
    """Paints a photo scaled to fit (aspect kept) with an optional heat layer, or a message.

    The layer is painted at display size, so moving between words or the opacity slider
    never copies the full-resolution photo.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._layer: QImage | None = None
        self._message = "Select an image to preview it."
        self.setMinimumSize(QSize(240, 180))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Image preview")
        self.setAccessibleDescription("The selected photo, with the attention heatmap on top.")

    def set_image(
        self, image: QImage | None, layer: QImage | None = None, message: str = ""
    ) -> None:
        self._image = image
        self._layer = layer
        self._message = message
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._image is None or self._image.isNull():
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
            return
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        target = QRect(x, y, size.width(), size.height())
        painter.drawImage(target, self._image)
        if self._layer is not None:
            paint_layer(painter, target, self._layer)


class PreviewPanel(QWidget):
    """See the module docstring."""

    text_committed = Signal(str)  # the person's edit of the caption
    visible_text_committed = Signal(str)  # their correction of the text read in the photo
    accept_requested = Signal()
    save_overlay_requested = Signal(int, float)  # word index, opacity 0..1
    overlay_settings_changed = Signal(int, bool)  # opacity percent, shown

    def __init__(
        self, opacity: int = 50, show_overlay: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._renderer: OverlayRenderer | None = None
        self._item: ImageItem | None = None
        self._selected = ALL_WORDS
        self._hovered: int | None = None
        self._colours = "classic"
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(self._step)
        self._build(opacity, show_overlay)
        self._update_controls()

    # -- construction --------------------------------------------------------------
    def _build(self, opacity: int, show_overlay: bool) -> None:
        self.canvas = ImageCanvas(self)
        self.words = WordBar(self)
        self.words.selected.connect(self.select_word)
        self.words.hovered.connect(self._on_hover)

        # Not checkable: Qt reports a checkable push button as a check box over AT-SPI.
        self.play_button = QPushButton("▶ Play", self)
        self.play_button.setAccessibleName("Play words")
        self.play_button.setAccessibleDescription(
            "Step through the caption word by word, showing each word's attention map."
        )
        self.play_button.clicked.connect(self.toggle_play)
        self._playing = False

        self.overlay_check = QCheckBox("&Heatmap", self)
        self.overlay_check.setChecked(show_overlay)
        self.overlay_check.setAccessibleName("Show heatmap")
        self.overlay_check.setAccessibleDescription("Show or hide the attention heatmap.")
        self.overlay_check.toggled.connect(self._overlay_changed)

        self.opacity_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(opacity)
        self.opacity_slider.setAccessibleName("Heatmap opacity")
        self.opacity_slider.setAccessibleDescription(
            "How strongly the heatmap is drawn, 0 to 100 percent."
        )
        self.opacity_slider.valueChanged.connect(self._overlay_changed)
        opacity_label = QLabel("&Opacity", self)
        opacity_label.setBuddy(self.opacity_slider)

        self.save_button = QPushButton("Save overlay as PNG…", self)
        self.save_button.setAccessibleName("Save overlay as PNG")
        self.save_button.setAccessibleDescription(
            "Save the photo with the current word's heatmap as a PNG file."
        )
        self.save_button.clicked.connect(
            lambda: self.save_overlay_requested.emit(self.current_word, self.opacity)
        )

        controls = QHBoxLayout()
        for widget in (
            self.play_button,
            self.overlay_check,
            opacity_label,
            self.opacity_slider,
            self.save_button,
        ):
            controls.addWidget(widget)

        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setAccessibleName("Caption details")
        self.info.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.flag_list = FlagList(self)  # why the caption may be wrong, and its trust

        self.editor = QLineEdit(self)
        self.editor.setPlaceholderText("Caption")
        self.editor.setAccessibleName("Caption text")
        self.editor.setAccessibleDescription(
            "Edit the caption and press Enter to keep it; Ctrl+Z undoes."
        )
        self.editor.returnPressed.connect(self._commit)
        caption_label = QLabel("&Caption", self)
        caption_label.setBuddy(self.editor)
        self.accept_button = QPushButton("&Accept", self)
        self.accept_button.setAccessibleName("Accept caption")
        self.accept_button.setAccessibleDescription(
            "Mark this caption as reviewed and go to the next unreviewed image."
        )
        self.accept_button.clicked.connect(self.accept_requested)
        edit_row = QHBoxLayout()
        edit_row.addWidget(caption_label)
        edit_row.addWidget(self.editor, 1)
        edit_row.addWidget(self.accept_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.canvas, 1)
        words_scroll = QScrollArea(self)
        words_scroll.setWidget(self.words)
        words_scroll.setWidgetResizable(True)
        words_scroll.setFrameShape(QFrame.Shape.NoFrame)
        words_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        words_scroll.setFixedHeight(self.words.sizeHint().height() + 34)
        words_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(words_scroll)
        layout.addLayout(controls)
        layout.addWidget(self.info)
        layout.addWidget(self.flag_list)
        layout.addLayout(edit_row)
        self.text_view = VisibleTextView(self)  # the text read in the photo, editable
        self.text_view.committed.connect(self.visible_text_committed)
        layout.addWidget(self.text_view)

    # -- values in -----------------------------------------------------------------
    def show_item(self, item: ImageItem | None, rgb: np.ndarray | None, message: str = "") -> None:
        """Show ``item``; ``rgb`` is its decoded preview (None while still decoding)."""
        same_image = (
            item is not None
            and self._item is not None
            and item.path == self._item.path
            and self._renderer is not None
            and rgb is self._renderer.rgb
        )
        self._item = item
        caption = item.caption if item is not None else None
        if not same_image or self._renderer is None or self._renderer.caption is not caption:
            self._renderer = (
                OverlayRenderer(rgb, caption, self._colours) if rgb is not None else None
            )
            self._selected = ALL_WORDS
            self._hovered = None
            self.words.set_words(
                caption.words if caption is not None else (), attention_places(caption)
            )
            self._stop()
        if not same_image or not self.editor.isModified():  # keep what is being typed
            self.editor.setText(item.text if item is not None else "")
        self.info.setText(self._describe(item))
        self.flag_list.show_flags(*((item.flags, item.trust) if item is not None else ((), None)))
        self.text_view.show_item(item)
        self._update_controls()
        if rgb is None:
            self.canvas.set_image(
                None, None, message or ("Loading…" if item else "Select an image to preview it.")
            )
        else:
            self._redraw()

    # -- values out ----------------------------------------------------------------
    def set_colours(self, colours: str) -> None:
        """Use another heatmap colour map (a Settings choice) from the next redraw on."""
        if colours == self._colours:
            return
        self._colours = colours
        if self._renderer is not None:
            self._renderer = OverlayRenderer(self._renderer.rgb, self._renderer.caption, colours)
            self._redraw()

    @property
    def colours(self) -> str:
        return self._colours

    @property
    def current_word(self) -> int:
        return self._hovered if self._hovered is not None else self._selected

    @property
    def opacity(self) -> float:
        return self.opacity_slider.value() / 100.0

    def current_overlay(self) -> np.ndarray | None:
        """The array currently drawn (for tests and for saving what is seen)."""
        if self._renderer is None:
            return None
        return self._renderer.render(
            self.current_word, self.opacity, self.overlay_check.isChecked()
        )

    # -- behaviour -----------------------------------------------------------------
    def select_word(self, index: int) -> None:
        self._selected = index
        self.words.select(index)
        self._redraw()

    @property
    def is_playing(self) -> bool:
        return self._playing

    def play(self, on: bool = True) -> None:
        self._toggle_play(on)

    def toggle_play(self) -> None:
        self._toggle_play(not self._playing)

    def _on_hover(self, index: int | None) -> None:
        self._hovered = index
        self._redraw()

    def _toggle_play(self, on: bool) -> None:
        if on and self._renderer is not None and self._renderer.word_count:
            self._playing = True
            self.play_button.setText("⏸ Pause")
            self.play_button.setAccessibleName("Pause words")
            self.select_word(0 if self._selected == ALL_WORDS else self._selected)
            self._timer.start()
        else:
            self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        self._playing = False
        self.play_button.setText("▶ Play")
        self.play_button.setAccessibleName("Play words")

    def _step(self) -> None:
        count = self._renderer.word_count if self._renderer is not None else 0
        following = self._selected + 1
        if following >= count:
            self._stop()
            self.select_word(ALL_WORDS)
        else:
            self.select_word(following)

    def _overlay_changed(self) -> None:
        self.overlay_settings_changed.emit(
            self.opacity_slider.value(), self.overlay_check.isChecked()
        )
        self._redraw()

    def commit_pending(self) -> None:
        """Keep text typed in the caption field but not yet confirmed (the window closes)."""
        self._commit()
        self.text_view.commit()

    def _commit(self) -> None:
        text = self.editor.text().strip()
        if self._item is not None and text and text != self._item.text:
            self.text_committed.emit(text)

    def _redraw(self) -> None:
        self._describe_canvas()
        if self._renderer is not None:
            layer = self._renderer.layer(
                self.current_word, self.opacity, self.overlay_check.isChecked()
            )
            self.canvas.set_image(self._renderer.photo, layer)

    def _describe_canvas(self) -> None:
        """The heatmap in words on the preview's description (Orca reads it on focus)."""
        caption = self._item.caption if self._item is not None else None
        place = attention_places(caption).get(self.current_word)
        if caption is None or place is None:
            text = "The selected photo."
        else:
            word = self.current_word
            what = "the whole caption" if word == ALL_WORDS else f"'{caption.words[word]}'"
            text = f"The selected photo. For {what} the model looked at: {place}."
        self.canvas.setAccessibleDescription(text)

    def _update_controls(self) -> None:
        has_map = self._renderer is not None and self._renderer.word_count > 0
        for widget in (self.play_button, self.save_button, self.opacity_slider, self.overlay_check):
            widget.setEnabled(has_map)
        has_caption = self._item is not None and self._item.caption is not None
        self.editor.setEnabled(has_caption)
        self.accept_button.setEnabled(has_caption)

    @staticmethod
    def _describe(item: ImageItem | None) -> str:
        if item is None:
            return ""
        parts = [f"{item.path.name}: {item.status.value}"]
        if item.status is Status.ERROR and item.error:
            parts.append(item.error)
        if item.flags and item.check_reason:
            parts.append("⚠ Needs a look (reasons below).")
        elif item.check_reason:
            parts.append(f"⚠ Check this: {item.check_reason}.")
        elif item.reviewed:
            parts.append("Reviewed.")
        if item.caption is not None and not item.edited:
            parts.append(f"Score {item.caption.score:.2f}.")
        if item.edited and item.caption is not None:
            parts.append(f"Model said: “{item.caption.text}”.")
        return " ".join(parts)
