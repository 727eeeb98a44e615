"""The caption as a row of word buttons: hover or click one to see where the model looked."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QToolButton, QWidget

from capdesk.ui.overlay import ALL_WORDS


class WordBar(QWidget):
    """Buttons for "all words" and each word; receives words, emits word indexes.

    ``hovered`` carries the index under the mouse or keyboard focus, and None when it
    leaves, so the preview can show a word's map temporarily without losing the
    selected one.
    """

    selected = Signal(int)
    hovered = Signal(object)  # int | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Caption words")
        self.setAccessibleDescription(
            "Each word of the caption. Choose a word to see which part of the photo "
            "the model looked at when it wrote that word."
        )
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.idClicked.connect(self.selected)
        self._buttons: list[QToolButton] = []
        self._layout.addStretch(1)

    @property
    def buttons(self) -> list[QToolButton]:
        """All buttons, "all words" first (index ALL_WORDS), then one per word."""
        return list(self._buttons)

    def set_words(self, words: tuple[str, ...]) -> None:
        for button in self._buttons:
            self._group.removeButton(button)
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        if not words:
            return
        self._add("All words", ALL_WORDS, "Show attention for the whole caption")
        for index, word in enumerate(words):
            self._add(word, index, f"Show attention for word {index + 1}, {word}")
        self._buttons[0].setChecked(True)

    def select(self, index: int) -> None:
        button = self._group.button(index)
        if button is not None:
            button.setChecked(True)

    def _add(self, text: str, index: int, description: str) -> None:
        button = QToolButton(self)
        button.setText(text)
        button.setCheckable(True)
        button.setAccessibleName(text)
        button.setAccessibleDescription(description)
        button.setToolTip(description)
        button.setProperty("word_index", index)
        button.installEventFilter(self)
        self._group.addButton(button, index)
        self._layout.insertWidget(self._layout.count() - 1, button)
        self._buttons.append(button)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in (QEvent.Type.Enter, QEvent.Type.FocusIn):
            self.hovered.emit(int(watched.property("word_index")))
        elif kind in (QEvent.Type.Leave, QEvent.Type.FocusOut):
            self.hovered.emit(None)
        return False
