"""Why a caption may be wrong, shown beside it: one line per flag, and the trust estimate.

Each flag is a warning icon *and* its message (never colour alone), and every line's
accessible name is the message itself, so a screen reader says the reason rather than
"image". The flags stay visible after a review: they describe the photo and the model's
guess, which a review does not change (docs/TRUST.md).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget

from capdesk.domain import Flag
from capdesk.ui.items import trust_text

ICON_SIDE = 16


class FlagList(QWidget):
    """The flags of the current caption plus its trust, hidden when there are neither."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[tuple[Flag, ...], float | None] | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.rows: list[QLabel] = []  # the message labels, in flag order
        self.trust_label = QLabel(self)
        self.trust_label.setAccessibleName("Trust")
        self._layout.addWidget(self.trust_label)
        self.setAccessibleName("Reasons to check this caption")
        self.show_flags((), None)

    def show_flags(self, flags: tuple[Flag, ...], trust: float | None) -> None:
        """Show ``flags`` and ``trust``; rebuilt only when they change (this is called on
        every update of the current row)."""
        if self._shown == (flags, trust):
            return
        self._shown = (flags, trust)
        while self._layout.count() > 1:
            taken = self._layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for position, flag in enumerate(flags):
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            picture = QLabel(row)
            picture.setPixmap(icon.pixmap(ICON_SIDE, ICON_SIDE))
            picture.setAccessibleName("Warning")
            text = QLabel(flag.message, row)
            text.setWordWrap(True)
            text.setAccessibleName(flag.message)
            text.setAccessibleDescription(f"Flag {flag.code}")
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
            line.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(text, 1)
            self._layout.insertWidget(position, row)
            self.rows.append(text)
        words = trust_text(trust)
        self.trust_label.setText(words)
        self.trust_label.setVisible(bool(words))
        self.trust_label.setAccessibleDescription(
            f"Estimated chance a person would accept this caption: {words[6:]}" if words else ""
        )
        self.setAccessibleDescription(" ".join(f.message + "." for f in flags) or words)
        self.setVisible(bool(flags) or bool(words))

    @property
    def messages(self) -> list[str]:
        """The messages shown, in order (what tests and the read-aloud text use)."""
        return [row.text() for row in self.rows]
