"""The caption editor of the preview: one tab per chosen language, each edited on its own.

It receives values (the chosen languages, each language's text and state) and emits what
the person did (``committed(code, text)``, ``accept_requested(code)``, and
``language_changed(code)`` when another tab is shown, so the word strip and the heatmap
follow the language). With one language the tab bar hides itself and the editor looks
as it always did.

Each editor is named for the screen reader with its language ("Caption, Arabic") and
carries the language's locale; a right-to-left language (Arabic) gets a right-to-left
editor. QLineEdit ignores ``layoutDirection`` for its text: it takes the paragraph
direction from the first strong character, so an Arabic caption that starts with a Latin
word ("BMX …") would be laid out left to right, the Latin word on the left. The editor's
text direction is therefore fixed with the key Qt reserves for it (``Key_Direction_R`` /
``Key_Direction_L``, what Ctrl+Shift sends on Windows): the base direction, the
alignment and the cursor movement then follow the language, whatever the text.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import Language
from capdesk.domain.languages import DEFAULT_LANGUAGE
from capdesk.ui.items import ImageItem, Status

log = logging.getLogger(__name__)


def direction_of(language: Language) -> Qt.LayoutDirection:
    """The layout direction an editor or word strip of ``language`` uses."""
    return Qt.LayoutDirection.RightToLeft if language.rtl else Qt.LayoutDirection.LeftToRight


def language_texts(
    item: ImageItem | None, languages: tuple[Language, ...]
) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Each chosen language's text of ``item``; where the model captioned it, its state
    in words ("edited", "reviewed", "not reviewed"); and the languages that can be edited:
    the captioned ones, and the item's own when it has text a person can edit (the
    file's alt text, ``ImageItem.editable``)."""
    texts: dict[str, str] = {}
    states: dict[str, str] = {}
    editable: set[str] = set()
    for language in languages if item is not None else ():
        state = item.in_language(language.code)  # type: ignore[union-attr]
        texts[language.code] = state.text
        if language.code == item.language.code and item.editable:  # type: ignore[union-attr]
            editable.add(language.code)
        if state.caption is None:
            continue
        editable.add(language.code)
        states[language.code] = (
            "edited" if state.edited else "reviewed" if state.reviewed else "not reviewed"
        )
    return texts, states, editable


def describe_in(item: ImageItem, code: str) -> str:
    """The details line for a further language's caption: state, score, the model's."""
    state = item.in_language(code)
    said = state.caption.text if state.caption is not None else ""
    what = "edited" if state.edited else "reviewed" if state.reviewed else "not reviewed"
    model = f" Model said: “{said}”." if state.edited and said else ""
    score = f" Score {state.score:.2f}." if state.score is not None else ""
    return f"{item.path.name} in {state.language.name}: {what}.{score}{model}"


def describe_item(item: ImageItem | None, code: str = "") -> str:
    """The details line under the photo: status, why to look, score, where the words
    came from; ``code`` another language than the item's own: that language's."""
    if item is None:
        return ""
    if code and code != item.language.code:
        return describe_in(item, code)
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
    elif item.edited and item.alt_text:
        parts.append(f"The file's alt text was: “{item.alt_text}”; export writes yours.")
    elif item.status is Status.EXISTING:
        parts.append("Alt text found in the file; edit it here to change it.")
    if item.caption is not None and item.caption.attention.size == 0 and item.attention_note:
        parts.append(item.attention_note)
    return " ".join(parts)


def caption_name(language: Language) -> str:
    """The accessible name of a language's caption editor: "Caption, Arabic"."""
    return f"Caption, {language.name}"


class LanguageEditor(QWidget):
    """The "Caption" row: language tabs with an editor each, and the Accept button."""

    committed = Signal(str, str)  # language code, the text the person confirmed
    accept_requested = Signal(str)  # language code of the caption to mark reviewed
    language_changed = Signal(str)  # language code of the tab now shown
    typed = Signal()  # an editor's text changed or was confirmed (the title's [*])

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._languages: tuple[Language, ...] = ()
        self._editors: dict[str, QLineEdit] = {}
        self._states: dict[str, str] = {}
        self._enabled = False
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setAutoHide(True)  # one language: no tab bar
        self.tabs.tabBar().setAccessibleName("Caption language")
        self.tabs.setAccessibleName("Caption languages")
        self.tabs.setAccessibleDescription(
            "One tab per caption language; Ctrl+Page Down and Ctrl+Page Up (or Ctrl+Tab) switch."
        )
        self.tabs.currentChanged.connect(self._on_tab)
        self.label = QLabel("Ca&ption", self)  # Alt+C is the Caption menu
        self.accept_button = QPushButton("&Accept", self)
        self.accept_button.setAccessibleName("Accept caption")
        self.accept_button.setAccessibleDescription(
            "Mark this caption as reviewed and go to the next unreviewed image."
        )
        self.accept_button.clicked.connect(
            lambda: self.accept_requested.emit(self.current_language.code)
        )
        row = QHBoxLayout()
        row.addWidget(self.label)
        row.addWidget(self.tabs, 1)
        row.addWidget(self.accept_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        self.set_languages((DEFAULT_LANGUAGE,))

    # -- values in -----------------------------------------------------------------
    def set_languages(self, languages: tuple[Language, ...]) -> None:
        """One tab per language, in the order chosen; editors of languages that stay
        keep what is typed in them."""
        languages = languages or (DEFAULT_LANGUAGE,)
        if languages == self._languages:
            return
        current = self.current_language.code if self._languages else None
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        kept = {code: e for code, e in self._editors.items() if code in {x.code for x in languages}}
        for code, editor in self._editors.items():
            if code not in kept:
                editor.deleteLater()
        self._editors = {}
        for language in languages:
            editor = kept.get(language.code) or self._make_editor(language)
            self._editors[language.code] = editor
            index = self.tabs.addTab(editor, language.native_name)
            self.tabs.setTabToolTip(index, language.label)
        self._languages = languages
        codes = [x.code for x in languages]
        self.tabs.setCurrentIndex(codes.index(current) if current in codes else 0)
        self.tabs.blockSignals(False)
        self._name_tabs(self._states)
        self._on_tab(self.tabs.currentIndex())

    def show_texts(self, texts: dict[str, str], states: dict[str, str], editable: set[str],
                   enabled: bool) -> None:
        """Each language's text (an editor being typed in keeps its text), its state in
        words ("edited", "reviewed", "not reviewed") for the tab names and Accept (only a
        model's caption is accepted), and which editors take edits (``editable``)."""
        for code, editor in self._editors.items():
            if not editor.isModified():
                editor.setText(texts.get(code, ""))
                editor.setCursorPosition(0)
            editor.setEnabled(enabled and code in editable)
        self._states, self._enabled = dict(states), enabled
        self._name_tabs(states)
        self._update_accept()

    def show_language(self, code: str) -> None:
        """Show the tab of ``code`` (no change when it is not chosen)."""
        codes = [x.code for x in self._languages]
        if code in codes:
            self.tabs.setCurrentIndex(codes.index(code))

    # -- values out ----------------------------------------------------------------
    @property
    def languages(self) -> tuple[Language, ...]:
        return self._languages

    @property
    def current_language(self) -> Language:
        index = self.tabs.currentIndex()
        return self._languages[index] if 0 <= index < len(self._languages) else DEFAULT_LANGUAGE

    @property
    def editor(self) -> QLineEdit:
        """The editor of the language shown now."""
        return self._editors[self.current_language.code]

    def editor_for(self, code: str) -> QLineEdit | None:
        return self._editors.get(code)

    def commit_pending(self) -> None:
        """Confirm every language's text typed but not yet confirmed (the window closes)."""
        for code, editor in self._editors.items():
            if editor.isModified():
                self._commit(code)

    def unconfirmed(self) -> dict[str, str]:
        """Each language's words typed and not yet confirmed with Enter (code → text)."""
        return {
            code: text
            for code, editor in self._editors.items()
            if editor.isModified() and (text := editor.text().strip())
        }

    def forget_typing(self) -> None:
        """Another image is shown: what was typed for the last one is not carried over."""
        for editor in self._editors.values():
            editor.setModified(False)

    # -- behaviour -----------------------------------------------------------------
    def _make_editor(self, language: Language) -> QLineEdit:
        editor = QLineEdit(self)
        editor.setPlaceholderText(f"Caption in {language.name}")
        editor.setAccessibleName(caption_name(language))
        editor.setAccessibleDescription(
            f"Edit the {language.name} caption and press Enter to keep it; Ctrl+Z undoes."
        )
        editor.setLocale(QLocale(language.xml_lang))
        editor.setLayoutDirection(direction_of(language))
        key = Qt.Key.Key_Direction_R if language.rtl else Qt.Key.Key_Direction_L
        QCoreApplication.sendEvent(
            editor, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        )
        editor.setProperty("language", language.code)
        editor.returnPressed.connect(lambda code=language.code: self._commit(code))
        editor.textChanged.connect(self.typed)
        editor.returnPressed.connect(self.typed)
        return editor

    def _commit(self, code: str) -> None:
        editor = self._editors.get(code)
        if editor is None:
            return
        text = editor.text().strip()
        editor.setModified(False)
        if text:
            self.committed.emit(code, text)

    def _name_tabs(self, states: dict[str, str]) -> None:
        bar = self.tabs.tabBar()
        for index, language in enumerate(self._languages):
            state = states.get(language.code, "")
            mark = {"edited": " ✎", "reviewed": " ✓"}.get(state, "")
            bar.setTabText(index, f"{language.native_name}{mark}")
            name = caption_name(language) + (f", {state}" if state else "")
            bar.setAccessibleTabName(index, name)

    def _on_tab(self, index: int) -> None:
        if not 0 <= index < len(self._languages):
            return
        self.label.setBuddy(self.editor)
        self._update_accept()
        self.language_changed.emit(self._languages[index].code)

    def step_tab(self, step: int) -> None:
        """Show the next (1) or previous (-1) language's tab, wrapping, and put the
        cursor in its editor (the next_language / previous_language commands)."""
        count = self.tabs.count()
        if count > 1:
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + step) % count)
            self.editor.setFocus()

    def _update_accept(self) -> None:
        self.accept_button.setEnabled(self._enabled and self.current_language.code in self._states)
