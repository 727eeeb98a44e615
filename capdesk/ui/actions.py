"""Every command of the window with its shortcut, declared once.

The same table builds the QActions (so menus, toolbar and keyboard agree) and the F1
shortcut list (so the help can never drift from the real keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True)
class Command:
    name: str
    text: str
    shortcut: str
    description: str


COMMANDS: tuple[Command, ...] = (
    Command("open_files", "&Open files…", "Ctrl+O", "Add photos to the list"),
    Command("open_folder", "Open &folder…", "Ctrl+Shift+O", "Add every photo in a folder"),
    Command("export", "&Export captions…", "Ctrl+E", "Write the captions to a file"),
    Command("quit", "&Quit", "Ctrl+Q", "Close capdesk (asks first while captioning)"),
    Command("undo", "&Undo", "Ctrl+Z", "Undo the last caption edit, review or removal"),
    Command("redo", "&Redo", "Ctrl+Shift+Z", "Redo the caption edit"),
    Command("edit", "&Edit caption", "Return", "Edit the selected caption in the list"),
    Command(
        "accept",
        "&Accept caption",
        "Ctrl+Return",
        "Mark the caption reviewed and go to the next unreviewed image",
    ),
    Command(
        "next_unreviewed",
        "&Next unreviewed",
        "F8",
        "Go to the next caption nobody has reviewed, flagged ones first",
    ),
    Command("remove", "Re&move from list", "Delete", "Remove the selected images from the list"),
    Command("caption_all", "&Caption new images", "F5", "Caption every image without a caption"),
    Command(
        "recaption",
        "&Re-caption selected",
        "Shift+F5",
        "Caption the selected images again with the current beam size",
    ),
    Command("cancel", "C&ancel", "Escape", "Stop captioning; finished captions are kept"),
    Command(
        "search",
        "&Search captions",
        "Ctrl+F",
        "Show only images whose caption has words; Enter searches every folder in the library",
    ),
    Command(
        "library", "&Library…", "Ctrl+L", "The folders the caption library knows, with counts"
    ),
    Command("grid_view", "&Grid view", "Ctrl+G", "Show the photos as a grid of thumbnails"),
    Command("play", "&Play words", "Ctrl+Shift+P", "Step through the caption's attention maps"),
    Command(
        "video_panel", "&Video descriptions", "Ctrl+Shift+V",
        "Show the video strip: key frames, time codes and descriptions of dropped videos",
    ),
    Command("toggle_heatmap", "&Heatmap", "Ctrl+H", "Show or hide the attention heatmap"),
    Command(
        "next_language", "Next caption &language", "Ctrl+PgDown",
        "Show the caption in the next chosen language (its words and heatmap)",
    ),
    Command(
        "previous_language", "Previous caption language", "Ctrl+PgUp",
        "Show the caption in the previous chosen language",
    ),
    Command(
        "save_overlay", "&Save overlay as PNG…", "Ctrl+Shift+S", "Save the photo with the heatmap"
    ),
    Command(
        "read_caption",
        "Rea&d caption",
        "Ctrl+R",
        "Read the caption aloud: to the screen reader, or with the built-in voice",
    ),
    Command("stop_reading", "St&op reading", "Ctrl+Shift+R", "Stop reading the caption aloud"),
    Command("settings", "Se&ttings…", "Ctrl+,", "Model folder, provider, beam size and more"),
    Command("shortcuts", "&Keyboard shortcuts", "F1", "List every shortcut"),
)
"""Arrow keys and Page Up/Down move between images in the list (Qt's own keys)."""


CHECKABLE = frozenset({"grid_view"})
"""Commands that are an on/off state rather than a one-off action."""


def build_actions(parent: QWidget) -> dict[str, QAction]:
    """One QAction per command, with its shortcut, tooltip and status tip."""
    actions: dict[str, QAction] = {}
    for command in COMMANDS:
        action = QAction(command.text, parent)
        action.setObjectName(command.name)
        if command.name != "edit":  # Return is handled by the list, not window-wide
            action.setShortcut(QKeySequence(command.shortcut))
        action.setToolTip(f"{command.description} ({command.shortcut})")
        action.setStatusTip(command.description)
        action.setCheckable(command.name in CHECKABLE)
        actions[command.name] = action
    return actions


def shortcut_rows() -> list[tuple[str, str]]:
    """(keys, what they do) rows for the F1 list."""
    rows = [("Up / Down", "Move between images")]
    rows += [
        (c.shortcut, f"{c.text.replace('&', '').rstrip('…')} — {c.description}") for c in COMMANDS
    ]
    return rows
