"""The preview pane: the photo with the attention heatmap, the caption's words, the
player, the overlay controls and the caption editor.

It receives values (an image array, an :class:`ImageItem`) and emits what the person
asked for; saving, undo and the item model belong to the controller.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import Caption, Language
from capdesk.ui.canvas import ImageCanvas
from capdesk.ui.flag_view import FlagList
from capdesk.ui.items import ImageItem
from capdesk.ui.language_editor import (
    LanguageEditor,
    describe_item,
    direction_of,
    language_texts,
)
from capdesk.ui.overlay import ALL_WORDS, OverlayRenderer, attention_places
from capdesk.ui.text_view import VisibleTextView
from capdesk.ui.words import WordBar

log = logging.getLogger(__name__)

PLAY_INTERVAL_MS = 700


class PreviewPanel(QWidget):
    """See the module docstring. The item's own language (its first chosen) goes through
    ``text_committed`` and ``accept_requested``; the others through the ``language_``
    signals, with their code."""

    text_committed = Signal(str)  # the person's edit of the caption
    visible_text_committed = Signal(str)  # their correction of the text read in the photo
    accept_requested = Signal()
    language_committed = Signal(str, str)  # language code, the person's edit
    language_accept_requested = Signal(str)  # language code
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
        self.play_button = QPushButton("Play", self)
        self._play_icon(False)
        self.play_button.setAccessibleName("Play words")
        self.play_button.setAccessibleDescription(
            "Step through the caption word by word, showing each word's attention map."
        )
        self.play_button.clicked.connect(self.toggle_play)
        self._playing = False

        self.overlay_check = QCheckBox("Heat&map", self)  # Alt+H is the Help menu
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

        self.captions = LanguageEditor(self)  # one tab per chosen language
        self.captions.committed.connect(self._on_committed)
        self.captions.accept_requested.connect(self._on_accept)
        self.captions.language_changed.connect(self._on_language)

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
        layout.addWidget(self.captions)
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
        caption = self._caption()
        if not same_image or self._renderer is None or self._renderer.caption is not caption:
            self._renderer = (
                OverlayRenderer(rgb, caption, self._colours) if rgb is not None else None
            )
            self._selected = ALL_WORDS
            self._hovered = None
            self.words.set_words(
                caption.words if caption is not None else (), attention_places(caption)
            )
            self.words.setLayoutDirection(direction_of(self.captions.current_language))
            self._stop()
        if not same_image:
            self.captions.forget_typing()  # keep what is being typed, for this image only
        self._show_texts(item)
        self.info.setText(describe_item(item, self.language.code))
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
            self._play_icon(True)
            self.play_button.setText("Pause")
            self.play_button.setAccessibleName("Pause words")
            self.select_word(0 if self._selected == ALL_WORDS else self._selected)
            self._timer.start()
        else:
            self._stop()

    def _stop(self) -> None:
        self._timer.stop()
        self._playing = False
        self._play_icon(False)
        self.play_button.setText("Play")
        self.play_button.setAccessibleName("Play words")

    def _play_icon(self, playing: bool) -> None:
        """The style's own media icons: the "⏸" character is missing from many fonts and
        showed as an empty box; an icon the style draws always renders."""
        pixmap = (
            QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        )
        self.play_button.setIcon(self.style().standardIcon(pixmap))

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
        """Keep text typed in the caption fields but not yet confirmed (the window closes)."""
        self.captions.commit_pending()
        self.text_view.commit()

    def pending(self) -> tuple[Path, str] | None:
        """(image, words) typed in the caption field of the image's own language and not
        confirmed with Enter, or None (the further languages: :meth:`pending_languages`)."""
        own = self._item.language.code if self._item is not None else ""
        text = self.captions.unconfirmed().get(own)
        if self._item is None or not text or text == self._item.text:
            return None
        return self._item.path, text

    def pending_languages(self) -> tuple[Path | None, dict[str, str]]:
        """The image shown and the words typed for it in further languages, not confirmed."""
        if self._item is None:
            return None, {}
        item = self._item
        typed = self.captions.unconfirmed()
        return item.path, {
            code: text for code, text in typed.items()
            if code != item.language.code and text != item.in_language(code).text
        }

    @property
    def editor(self) -> QLineEdit:
        """The caption editor of the language shown now."""
        return self.captions.editor

    @property
    def language(self) -> Language:
        """The language whose caption, words and heatmap are shown."""
        return self.captions.current_language

    def _caption(self) -> Caption | None:
        if self._item is None:
            return None
        return self._item.in_language(self.language.code).caption

    def _show_texts(self, item: ImageItem | None) -> None:
        texts, states, editable = language_texts(item, self.captions.languages)
        self.captions.show_texts(texts, states, editable, item is not None)

    def _on_committed(self, code: str, text: str) -> None:
        if self._item is None or text == self._item.in_language(code).text:
            return
        if code == self._item.language.code:
            self.text_committed.emit(text)
        else:
            self.language_committed.emit(code, text)

    def _on_accept(self, code: str) -> None:
        if self._item is not None and code != self._item.language.code:
            self.language_accept_requested.emit(code)
        else:
            self.accept_requested.emit()

    def _on_language(self, _code: str) -> None:
        """Another language tab: its words, heatmap and details (the photo stays)."""
        if self._renderer is not None:
            self._renderer = OverlayRenderer(self._renderer.rgb, self._caption(), self._colours)
        caption = self._caption()
        self._selected, self._hovered = ALL_WORDS, None
        self.words.set_words(caption.words if caption else (), attention_places(caption))
        self.words.setLayoutDirection(direction_of(self.language))
        self._stop()
        self._show_texts(self._item)  # new tabs (Settings changed) get their texts too
        self.info.setText(describe_item(self._item, self.language.code))
        self._update_controls()
        self._redraw()

    def _redraw(self) -> None:
        self._describe_canvas()
        if self._renderer is not None:
            layer = self._renderer.layer(
                self.current_word, self.opacity, self.overlay_check.isChecked()
            )
            self.canvas.set_image(self._renderer.photo, layer)

    def _describe_canvas(self) -> None:
        """The heatmap in words on the preview's description (Orca reads it on focus)."""
        caption = self._caption()
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
