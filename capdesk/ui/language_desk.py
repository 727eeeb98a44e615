"""Which languages captions are written in, and the edits and reviews of each one.

The controller keeps the item's own language (the first chosen: ``CaptionResult.caption``)
on its usual path (:mod:`capdesk.ui.undo`); this object does the same for the further
languages: an edit or an Accept in the Arabic tab is one undoable command on the window's
undo stack that changes the Arabic caption only, repaints the row and is kept in the
library under ``lang = 'ar'``. It also decides which languages are offered and written:
the ones chosen in Settings that the loaded model ships, in the chosen order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from capdesk.domain import Language
from capdesk.domain.languages import DEFAULT_LANGUAGE
from capdesk.ui.image_model import ImageListModel
from capdesk.ui.lang_items import LanguageState, language_of
from capdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

Changed = Callable[[Path, str], None]


class LanguageCommand(QUndoCommand):
    """Change one further language's caption of one image; undo restores its text and
    review as they were (the other languages are not touched)."""

    def __init__(self, model: ImageListModel, path: Path, code: str,
                 change: Callable[[LanguageState], None], label: str, changed: Changed) -> None:
        super().__init__(label)
        self._model, self._path, self._code = model, path, code
        self._change, self._changed = change, changed
        item = model.item(path)
        self._before = item.state_for_edit(code).snapshot() if item is not None else None
        self._after: tuple[str, bool, bool] | None = None

    def _state(self) -> LanguageState | None:
        item = self._model.item(self._path)
        return item.state_for_edit(self._code) if item is not None else None

    def redo(self) -> None:
        state = self._state()
        if state is None:
            return  # the image was removed from the list meanwhile
        if self._after is None:
            self._change(state)
            self._after = state.snapshot()
        else:
            state.restore(self._after)
        self._changed(self._path, self._code)

    def undo(self) -> None:
        state = self._state()
        if state is None or self._before is None:
            return
        state.restore(self._before)
        self._changed(self._path, self._code)


def effective_languages(chosen: tuple[str, ...], available: tuple[Language, ...]
                        ) -> tuple[Language, ...]:
    """The chosen codes the model ships, in the chosen order; the model's first language
    when none of them is (a folder without German must still caption something)."""
    by_code = {language.code: language for language in available}
    picked = tuple(by_code[code] for code in chosen if code in by_code)
    return picked or available[:1] or (DEFAULT_LANGUAGE,)


class LanguageDesk(QObject):
    """See the module docstring. ``current`` gives the image shown in the preview,
    ``select`` shows another, ``accept_own`` is the controller's Accept."""

    languages_changed = Signal(tuple)  # tuple[Language, ...]: what is now written
    person_changed = Signal(object, str)  # path, language code: keep it in the library

    def __init__(self, window: MainWindow, model: ImageListModel, undo_stack: QUndoStack, *,
                 current: Callable[[], Path | None], select: Callable[[Path], None],
                 accept_own: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._model = model
        self._undo = undo_stack
        self._current = current
        self._select = select
        self.accept_own = accept_own
        """Accept in the item's own language (the controller's usual review path)."""
        self.available: tuple[Language, ...] = (DEFAULT_LANGUAGE,)
        """The languages of the loaded model (English only until it has loaded)."""
        self.chosen: tuple[str, ...] = (DEFAULT_LANGUAGE.code,)
        self.languages: tuple[Language, ...] = (DEFAULT_LANGUAGE,)
        window.preview.language_committed.connect(self.edit)
        window.preview.language_accept_requested.connect(self.accept_and_move)
        self.languages_changed.connect(window.preview.captions.set_languages)
        for name, step in (("next_language", 1), ("previous_language", -1)):
            action = window.actions_by_name[name]
            window.addAction(action)  # window-wide keys; the menus belong to main_window
            action.triggered.connect(lambda _=False, s=step: window.preview.captions.step_tab(s))

    # -- which languages --------------------------------------------------------------
    def configure(self, chosen: tuple[str, ...] | None = None,
                  available: tuple[Language, ...] | None = None) -> None:
        """The Settings choice and/or the loaded model's languages changed."""
        self.chosen = chosen if chosen is not None else self.chosen
        self.available = available or self.available
        languages = effective_languages(self.chosen, self.available)
        if languages != self.languages:
            self.languages = languages
            log.info("caption languages: %s", ", ".join(x.code for x in languages))
        self.languages_changed.emit(self.languages)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.languages)

    # -- edits and reviews ------------------------------------------------------------
    def edit(self, code: str, text: str) -> None:
        """The person's words for the shown image in the further language ``code``."""
        path = self._current()
        if path is not None:
            self.edit_at(path, code, text)

    def edit_at(self, path: Path, code: str, text: str) -> None:
        """The person's words for the image at ``path`` in the further language ``code``
        (typed in its tab, kept when another image is shown)."""
        item = self._model.item(path)
        if item is None or not text.strip() or text == item.in_language(code).text:
            return
        words = text.strip()
        name = language_of(code).name
        self._undo.push(LanguageCommand(
            self._model, item.path, code, lambda state: state.set_text(words),
            f"Edit {name} caption of {item.path.name}", self._changed))

    def accept(self, code: str) -> bool:
        """Mark the shown image's caption in ``code`` reviewed; False when there was
        nothing to review (no caption in that language, or already reviewed)."""
        path = self._current()
        item = self._model.item(path) if path is not None else None
        state = item.in_language(code) if item is not None else None
        if item is None or state is None or state.caption is None or state.reviewed:
            return False

        def review(target: LanguageState) -> None:
            target.reviewed = True

        self._undo.push(LanguageCommand(
            self._model, item.path, code, review,
            f"Accept {state.language.name} caption of {item.path.name}", self._changed))
        return True

    def shown_caption(self) -> tuple[str, Language | None]:
        """The caption shown in the preview and its language (what Read caption reads)."""
        path = self._current()
        item = self._model.item(path) if path is not None else None
        language = self._window.preview.language
        return (item.in_language(language.code).text, language) if item else ("", None)

    def accept_shown(self) -> None:
        """The Accept command: review the caption in the language tab shown now."""
        path = self._current()
        item = self._model.item(path) if path is not None else None
        code = self._window.preview.language.code
        if item is None or code == item.language.code:
            self.accept_own()
        else:
            self.accept_and_move(code)

    def accept_and_move(self, code: str) -> None:
        """Review the shown image's caption in ``code``, then show the next image whose
        caption in that language nobody reviewed (as Accept does for the first)."""
        path = self._current()
        if path is None or not self.accept(code):
            return
        items = self._model.items()
        start = next((i for i, item in enumerate(items) if item.path == path), -1)
        later = items[start + 1:] + items[:start + 1]
        target = next((item.path for item in later if item.path != path and (
            state := item.in_language(code)).caption is not None and not state.reviewed), None)
        name = language_of(code).name
        after = f" Next: {target.name}." if target is not None else ""
        self._window.announcer.announce(f"Accepted the {name} caption of {path.name}.{after}")
        if target is not None:
            self._select(target)

    def _changed(self, path: Path, code: str) -> None:
        self._model.refresh(path)
        self.person_changed.emit(path, code)
