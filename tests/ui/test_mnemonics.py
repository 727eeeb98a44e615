"""No two Alt+letter mnemonics in one scope, no two actions on one shortcut, no literal "&".

Walks every QAction and every widget text with a mnemonic in the main window and its
dialogs. A clash is not a cosmetic problem: Qt makes a clashing Alt+letter cycle the focus
between the two owners instead of doing either (Alt+H focused the Heatmap check box
instead of opening Help), and a shortcut two actions share does nothing at all.

Scopes, as Qt resolves them: the menu bar's titles together with the window's own widgets
(buttons, check boxes, labels with a buddy, group boxes, tabs); each menu on its own; each
dialog on its own. Standard dialog buttons are counted with the mnemonics the GNOME theme
gives them ("&OK", "&Cancel", "&Close"): the offscreen platform used by the tests shows
them without one, a person's desktop does not.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QMenu,
    QTabBar,
    QWidget,
)

from tests.ui.test_library import _caption_folder, _wait_library

GNOME_BUTTONS = {"OK": "&OK", "Cancel": "&Cancel", "Close": "&Close", "Yes": "&Yes",
                 "No": "&No", "Save": "&Save", "Apply": "&Apply"}


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' (Qt's rule: '&&' is a literal ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def widget_texts(top: QWidget) -> list[tuple[str, str]]:
    """(owner, text) of every widget of ``top``'s own window that can carry a mnemonic."""
    found: list[tuple[str, str]] = []
    for widget in top.findChildren(QWidget):
        if widget.window() is not top:
            continue  # a dialog or a menu: its own scope
        name = f"{type(widget).__name__} {widget.accessibleName() or widget.objectName()}"
        if isinstance(widget, QAbstractButton):
            text = widget.text()
            if isinstance(widget.parent(), QDialogButtonBox):
                text = GNOME_BUTTONS.get(text, text)
            found.append((name, text))
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            found.append((name, widget.text()))
        elif isinstance(widget, QGroupBox):
            found.append((name, widget.title()))
        elif isinstance(widget, QTabBar):
            found += [(f"{name} tab {i}", widget.tabText(i)) for i in range(widget.count())]
    return found


def clashes(texts: list[tuple[str, str]]) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = defaultdict(list)
    for owner, text in texts:
        letter = mnemonic(text)
        if letter is not None:
            by_letter[letter].append(f"{owner}: {text!r}")
    return {letter: owners for letter, owners in by_letter.items() if len(owners) > 1}


def menu_clashes(menu: QMenu) -> dict[str, dict[str, list[str]]]:
    """Clashes inside ``menu`` and, recursively, inside its submenus."""
    found = {}
    texts = [(f"action {a.objectName()}", a.text()) for a in menu.actions() if not a.isSeparator()]
    if inner := clashes(texts):
        found[menu.title()] = inner
    for action in menu.actions():
        if action.menu() is not None:
            found.update(menu_clashes(action.menu()))
    return found


def literal_ampersands(top: QWidget) -> list[str]:
    """Labels that would draw their '&' (no buddy: Qt shows a mnemonic only with one), and
    a window title with one (titles never have mnemonics)."""
    bad = [f"title: {top.windowTitle()!r}"] if mnemonic(top.windowTitle()) else []
    for label in top.findChildren(QLabel):
        text = label.text()
        if (label.buddy() is None and mnemonic(text) is not None
                and label.textFormat() is not Qt.TextFormat.RichText):
            bad.append(f"{label.accessibleName() or label.objectName()}: {text!r}")
    return bad


def assert_no_clash(top: QWidget, extra: list[tuple[str, str]] = ()) -> None:
    assert clashes([*extra, *widget_texts(top)]) == {}
    assert literal_ampersands(top) == []


def test_the_window_its_menus_and_dialogs_have_no_clashes(qtbot, make_window, images, tmp_path):
    window, controller, _engine = _caption_folder(qtbot, make_window, images(2)[0].parent)
    controller.select(controller.model.paths()[0])
    bar = window.menuBar()
    titles = [(f"menu {a.text()}", a.text()) for a in bar.actions()]
    assert_no_clash(window, titles)
    for action in bar.actions():
        assert menu_clashes(action.menu()) == {}

    shortcuts: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            shortcuts[key.toString()].append(action.objectName() or action.text())
    assert {k: v for k, v in shortcuts.items() if len(v) > 1} == {}
    alt_keys = [(f"shortcut {k}", f"&{k[4:]}") for k in shortcuts
                if k.startswith("Alt+") and len(k) == 5]  # Alt+letter: a mnemonic's key
    assert_no_clash(window, titles + alt_keys)

    for dialog in (controller.files.edit_settings(), controller.files.export(),
                   controller.files.show_shortcuts()):
        assert_no_clash(dialog)
        dialog.close()
    with qtbot.waitSignal(controller.keeping.keeper.folders_listed, timeout=60_000):
        controller.keeping.show_library()
    assert_no_clash(controller.keeping.library_dialog)
    controller.keeping.library_dialog.close()


def test_alt_h_opens_help_and_alt_c_the_caption_menu(qtbot, make_window, images):
    window, controller = make_window()
    _wait_library(qtbot, controller)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=60_000)
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    for key, title in ((Qt.Key.Key_H, "Help"), (Qt.Key.Key_C, "Caption")):
        window.list_view.setFocus()
        qtbot.keyClick(window.list_view, key, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(menus[title].isVisible, timeout=10_000)
        assert QApplication.focusWidget() is not window.preview.overlay_check
        menus[title].hide()
