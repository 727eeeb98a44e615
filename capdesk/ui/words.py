"""The caption as a row of word buttons: hover or click one to see where the model looked.

The buttons are plain push buttons, not checkable ones: Qt reports a checkable tool
button as a check box over AT-SPI, and Orca then said "check box not checked" for each
word. The shown word is marked by a raised, bold button and by its description.
"""

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
        self._group.idClicked.connect(self.select)
        self._group.idClicked.connect(self.selected)
        self._current = ALL_WORDS
        self._places: dict[int, str] = {}
        self._buttons: list[QToolButton] = []
        self._layout.addStretch(1)

    @property
    def buttons(self) -> list[QToolButton]:
        """All buttons, "all words" first (index ALL_WORDS), then one per word."""
        return list(self._buttons)

    def set_words(self, words: tuple[str, ...], places: dict[int, str] | None = None) -> None:
        """One button per word; ``places`` says in words where each one's attention lies
        (by word index, ALL_WORDS included), for people who cannot see the heatmap."""
        self._places = dict(places or {})
        for button in self._buttons:
            self._group.removeButton(button)
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        if not words:
            return
        self._add("All words", ALL_WORDS, "Show where the model looked for the whole caption")
        for index, word in enumerate(words):
            self._add(word, index, f"Show where the model looked for '{word}'")
        self.select(ALL_WORDS)

    @property
    def current(self) -> int:
        """The index of the word whose map is shown (ALL_WORDS for the whole caption)."""
        return self._current

    def select(self, index: int) -> None:
        """Mark ``index``'s button as the shown one (raised, bold, described as shown)."""
        self._current = index
        for button in self._buttons:
            shown = int(button.property("word_index")) == index
            font = button.font()
            font.setBold(shown)
            button.setFont(font)
            button.setAutoRaise(not shown)
            button.setDown(False)
            number = int(button.property("word_index"))
            which = "the whole caption" if number == ALL_WORDS else f"word {number + 1}"
            place = self._places.get(number)
            where = f"; attention: {place}" if place else ""
            button.setAccessibleDescription(f"{'Shown now. ' if shown else ''}{which}{where}")

    def _add(self, text: str, index: int, name: str) -> None:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(name)
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
