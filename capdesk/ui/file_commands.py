"""Commands that talk to the file system through dialogs: open, export, save overlay,
settings, recent folders and the shortcut list.

Each has a dialog-free core (``export_to``, ``save_overlay_to``...) that tests call
directly, and a thin wrapper that asks the person where.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from capdesk.jobs import rgb_to_qimage
from capdesk.ui.controller import WindowController
from capdesk.ui.dialogs import SettingsDialog, ShortcutsDialog
from capdesk.ui.exporting import export_records
from capdesk.ui.overlay import overlay_full_size

log = logging.getLogger(__name__)


class FileCommands(QObject):
    """Connects the File/Help actions of the window to ``controller``."""

    def __init__(self, controller: WindowController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window
        a = self.window.actions_by_name
        a["open_files"].triggered.connect(self.open_files)
        a["open_folder"].triggered.connect(self.open_folder)
        a["export"].triggered.connect(self.export)
        a["save_overlay"].triggered.connect(
            lambda: self.save_overlay(self.window.preview.current_word,
                                      self.window.preview.opacity))
        self.window.preview.save_overlay_requested.connect(self.save_overlay)
        a["settings"].triggered.connect(self.edit_settings)
        a["shortcuts"].triggered.connect(self.show_shortcuts)
        self._rebuild_recent()

    # -- opening ---------------------------------------------------------------------
    def open_files(self) -> None:
        from capdesk.imaging import IMAGE_EXTENSIONS  # noqa: PLC0415

        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        names, _ = QFileDialog.getOpenFileNames(
            self.window, "Open photos", self._start_folder(), f"Images ({patterns})")
        if names:
            self.controller.add_paths([Path(n) for n in names])

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open folder",
                                                  self._start_folder())
        if folder:
            self.open_folder_path(Path(folder))

    def open_folder_path(self, folder: Path) -> None:
        """Add a folder's images and remember the folder in the recent list."""
        self.controller.settings = self.controller.settings.with_recent(folder)
        self._rebuild_recent()
        self.controller.add_paths([folder])

    def _start_folder(self) -> str:
        recent = self.controller.settings.recent_folders
        return recent[0] if recent else str(Path.home())

    def _rebuild_recent(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        for folder in self.controller.settings.recent_folders:
            action = menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.open_folder_path(Path(f)))
        menu.setEnabled(bool(self.controller.settings.recent_folders))

    # -- export ----------------------------------------------------------------------
    def export(self) -> None:
        if not self._records():
            QMessageBox.information(self.window, "Nothing to export",
                                    "Caption some images first.")
            return
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Export captions", str(Path(self._start_folder()) / "captions.csv"),
            "CSV (*.csv)")
        if name:
            self.export_to(Path(name))

    def export_to(self, destination: Path) -> Path | None:
        """Export every captioned image (edited text where edited); None on failure."""
        try:
            written = export_records(self._records(), destination)
        except OSError as exc:
            log.warning("export failed: %s", exc)
            QMessageBox.warning(self.window, "Export failed", f"{destination}: {exc}")
            return None
        self.window.statusBar().showMessage(f"Exported captions to {written}", 6000)
        return written

    def _records(self) -> list:  # type: ignore[type-arg]
        return [i.record() for i in self.controller.model.items() if i.text]

    # -- overlay -----------------------------------------------------------------------
    def save_overlay(self, word: int, opacity: float) -> None:
        item = self.controller.current_item
        if item is None or item.caption is None:
            return
        suggested = item.path.with_name(f"{item.path.stem}-attention.png")
        name, _ = QFileDialog.getSaveFileName(self.window, "Save overlay as PNG",
                                              str(suggested), "PNG image (*.png)")
        if name:
            self.save_overlay_to(Path(name), word, opacity)

    def save_overlay_to(self, destination: Path, word: int, opacity: float) -> bool:
        """Render the current image at full resolution with ``word``'s map and save it."""
        from capdesk.imaging import load_rgb  # noqa: PLC0415

        item = self.controller.current_item
        if item is None or item.caption is None:
            return False
        try:
            rgb = load_rgb(item.path)
            image = rgb_to_qimage(overlay_full_size(rgb, item.caption, word, opacity))
            saved = image.save(str(destination), "PNG")
        except Exception as exc:  # unreadable source or unwritable target: tell, don't crash
            log.warning("saving overlay failed: %s", exc)
            saved = False
        if not saved:
            QMessageBox.warning(self.window, "Could not save", f"Could not write {destination}.")
            return False
        self.window.statusBar().showMessage(f"Saved {destination}", 6000)
        return True

    # -- settings and help ---------------------------------------------------------
    def edit_settings(self) -> None:
        dialog = SettingsDialog(self.controller.settings, self.window)
        if dialog.exec():
            self.controller.apply_settings(dialog.result_settings())

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.window).exec()
