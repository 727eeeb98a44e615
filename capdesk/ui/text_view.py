"""The text read in the photo, under the caption, where a person can correct it.

Accessibility guidance asks that the alt text of a photo of text says the text, so what the
reader found is part of what gets exported (caption + " Text: " + the text, composed by
:func:`capdesk.domain.compose_alt_text`). OCR makes mistakes a person can see at a glance,
so the text is editable: a multi-line field (the reader's lines stay lines), kept with
Ctrl+Enter, the "Keep text" button, or when focus leaves the field. A correction is not a
review of the caption (the caption may still be wrong) and is undoable like a caption edit.
The field is shown only for photos whose text was read: most photos have none, and an
empty field on every photo would be one more stop for a screen reader user.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import compose_alt_text
from capdesk.ui.items import ImageItem
from capdesk.ui.keys import OWN_KEYS

LINES_SHOWN = 4


def _is_keep(event: QKeyEvent) -> bool:
    return (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier))


class _TextField(QPlainTextEdit):
    """Enter starts a new line and Ctrl+Enter keeps the text (inside this field it is not
    the window's "Accept caption"); Tab leaves the field; leaving it keeps the text too."""

    left = Signal()
    kept = Signal()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and _is_keep(event):
            event.accept()  # the window's Ctrl+Return action does not fire while typing here
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if _is_keep(event):
            self.kept.emit()
            return
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            event.ignore()  # let Qt move the focus
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.left.emit()


class VisibleTextView(QWidget):
    """See the module docstring; ``committed`` carries the corrected text."""

    committed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._item: ImageItem | None = None
        self._shown: str | None = None  # the text last put into the field
        self.field = _TextField(self)
        self.field.setTabChangesFocus(True)
        self.field.setProperty(OWN_KEYS, [  # Ctrl+Enter here keeps the text (keys.py)
            QKeyCombination(Qt.KeyboardModifier.ControlModifier, key).toCombined()
            for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)])
        self.field.setAccessibleName("Text in the photo")
        # Its scroll bars are objects of their own to a screen reader: named, not "scroll bar".
        self.field.verticalScrollBar().setAccessibleName("Scroll the text in the photo")
        self.field.horizontalScrollBar().setAccessibleName(
            "Scroll the text in the photo sideways")
        self.field.setAccessibleDescription(
            "The text read in the photo, added to the alt text after the caption. Correct "
            "it and press Ctrl+Enter to keep it; Ctrl+Z undoes."
        )
        self.field.setPlaceholderText("No text was found in this photo")
        metrics = self.field.fontMetrics()
        self.field.setFixedHeight(metrics.lineSpacing() * LINES_SHOWN + 12)
        self.field.left.connect(self.commit)
        label = QLabel("Te&xt in the photo", self)
        label.setBuddy(self.field)
        self.keep_button = QPushButton("&Keep text", self)
        self.keep_button.setAccessibleName("Keep the corrected text")
        self.keep_button.clicked.connect(self.commit)
        self.field.kept.connect(self.commit)
        self.alt_preview = QLabel(self)  # the composed alt text, as it will be written
        self.alt_preview.setWordWrap(True)
        self.alt_preview.setAccessibleName("Alt text to be written")
        self.alt_preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(label, 1)
        head.addWidget(self.keep_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.field)
        layout.addWidget(self.alt_preview)
        self.show_item(None)

    def show_item(self, item: ImageItem | None) -> None:
        """Show ``item``'s read text; what is being typed for the same photo is kept."""
        same = item is not None and self._item is not None and item.path == self._item.path
        self._item = item
        text = item.visible_text if item is not None else None
        if not (same and self.field.document().isModified()):
            self._shown = text
            self.field.setPlainText(text or "")
            self.field.document().setModified(False)
        corrected = item is not None and item.person_visible_text is not None
        self.keep_button.setEnabled(item is not None)
        self.field.setToolTip("Corrected by you" if corrected else "As read in the photo")
        self.alt_preview.setText(
            "Alt text: " + compose_alt_text(item.text, text).alt_text if item is not None else "")
        self.setVisible(text is not None)

    def commit(self) -> None:
        """Hand on the field's text when it differs from what the photo has now."""
        if self._item is None or not self.field.document().isModified():
            return
        text = self.field.toPlainText().strip()
        self.field.document().setModified(False)
        if text != (self._item.visible_text or ""):
            self.committed.emit(text)
