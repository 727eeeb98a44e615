"""Commands that talk to the file system through dialogs: open, export, save overlay,
settings, recent folders and the shortcut list.

Each has a dialog-free core (``export_to``, ``save_overlay_to``...) that tests call
directly, and a thin wrapper that asks the person where.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from capdesk.domain import CaptionRecord
from capdesk.export import ExportFormat, ExportOptions, ExportReport, OutcomeStatus
from capdesk.jobs import rgb_to_qimage
from capdesk.jobs.export_job import ExportJob, run_export
from capdesk.ui.dialogs import SettingsDialog, ShortcutsDialog, show_message
from capdesk.ui.exporting import ExportDialog
from capdesk.ui.image_model import ImageListModel
from capdesk.ui.items import ImageItem, Status
from capdesk.ui.language_desk import LanguageDesk
from capdesk.ui.main_window import MainWindow
from capdesk.ui.overlay import overlay_full_size
from capdesk.ui.settings import AppSettings
from capdesk.ui.speech import CaptionReader

log = logging.getLogger(__name__)


class FileHost(Protocol):
    """What the file commands need from the window's controller.

    ``WindowController`` creates the commands and satisfies this structurally, so this
    module never imports the controller: imports point one way (controller -> here).
    """

    window: MainWindow
    settings: AppSettings
    model: ImageListModel

    @property
    def current_item(self) -> ImageItem | None: ...

    def add_paths(self, paths: Iterable[Path], *, caption: bool = True) -> int: ...

    def apply_settings(self, settings: AppSettings) -> None: ...

    @property
    def reader(self) -> CaptionReader: ...

    languages: LanguageDesk

    def exported(self, paths: list[Path], destination: Path, formats: list[str]) -> None: ...

    def save(self) -> None: ...


class FileCommands(QObject):
    """Connects the File/Help actions of the window to ``controller``."""

    def __init__(self, controller: FileHost, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.window = controller.window
        a = self.window.actions_by_name
        a["open_files"].triggered.connect(self.open_files)
        a["open_folder"].triggered.connect(self.open_folder)
        a["export"].triggered.connect(self.export)
        self.export_job = ExportJob(self)
        self._options: ExportOptions | None = None
        self.export_job.signals.finished.connect(self._on_export_finished)
        self.export_job.signals.failed.connect(self._on_export_failed)
        self.export_job.signals.progress.connect(
            lambda done, total: self.window.statusBar().showMessage(f"Exporting… {done} / {total}")
        )
        a["save_overlay"].triggered.connect(
            lambda: self.save_overlay(self.window.preview.current_word, self.window.preview.opacity)
        )
        self.window.preview.save_overlay_requested.connect(self.save_overlay)
        a["settings"].triggered.connect(self.edit_settings)
        a["shortcuts"].triggered.connect(self.show_shortcuts)
        self._rebuild_recent()

    # -- opening ---------------------------------------------------------------------
    def open_files(self) -> None:
        from capdesk.imaging import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS  # noqa: PLC0415

        patterns = " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS))
        videos = " ".join(f"*{ext}" for ext in sorted(VIDEO_EXTENSIONS))
        names, _ = QFileDialog.getOpenFileNames(
            self.window, "Open photos or videos", self._start_folder(),
            f"Images and videos ({patterns} {videos});;Images ({patterns});;Videos ({videos})",
        )
        if names:
            self.controller.add_paths([Path(n) for n in names])

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Open folder", self._start_folder())
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
    def export(self) -> ExportDialog | None:
        """Open the Export dialog; the export runs in the background when accepted."""
        records = self._records()
        if not records:
            show_message(self.window, "Nothing to export", "Caption some images first.")
            return None
        dialog = ExportDialog(
            records, Path(self._start_folder()), self.window, self.controller.settings
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._exporting(dialog))
        dialog.open()
        return dialog

    def _exporting(self, dialog: ExportDialog) -> None:
        """Remember the dialog's choices for next time, then export."""
        self.controller.settings = dialog.remembered(self.controller.settings)
        self.controller.save()
        self.start_export(dialog.options())

    def start_export(self, options: ExportOptions) -> None:
        """Export every captioned image (the edited text where edited) in the background."""
        self.window.statusBar().showMessage("Exporting…")
        self._options = options
        self.export_job.start(self._records(), options)

    def export_to(self, destination: Path) -> Path | None:
        """Write a CSV of every captioned image right now (Ctrl+E's quickest path)."""
        options = ExportOptions(formats=frozenset({ExportFormat.CSV}), destination=destination)
        try:
            report = run_export(self._records(), options)
        except ValueError as exc:  # ExportRefused: the file exists, nothing was written
            show_message(self.window, "Not exported", str(exc))
            return None
        if report.errors:
            show_message(self.window, "Export failed", "\n".join(report.errors))
            return None
        self._keep_export(report, options)
        self.window.statusBar().showMessage(f"Exported captions to {destination}", 6000)
        self.window.announcer.announce(f"Exported captions to {destination.name}.")
        return destination

    def may_close(self) -> bool:
        """Closing while an export writes files asks first: stopping leaves it half done."""
        return not self.export_job.busy or self.confirm_export_stop()

    def confirm_export_stop(self) -> bool:
        """Ask; tests replace this method (a modal box would wait for a click)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Quit capdesk", "Stop the export and quit?",
                          QMessageBox.StandardButton.Cancel, self.window)
        box.setInformativeText("The files written so far are complete and kept; the others "
                               "are not written. Export again later to finish.")
        stop = box.addButton("Stop and quit", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is stop

    def stop_export(self) -> None:
        """The window closes: stop a running export between two files, and still tell the
        library which images it wrote (its report is delivered now, no event loop will)."""
        self.export_job.cancel()
        self.export_job.wait()
        for receiver in (self, self.export_job.signals):  # its queued signals wait there
            QCoreApplication.sendPostedEvents(receiver)

    def _keep_export(self, report: ExportReport, options: ExportOptions | None) -> None:
        """Tell the library which images this export wrote, where, in which formats."""
        if options is None:
            return
        done = [o.path for o in report.outcomes if o.status is OutcomeStatus.OK]
        where = options.output_dir or options.destination or Path("in place")
        self.controller.exported(done, where, sorted(str(f) for f in options.formats))

    def _on_export_finished(self, report: ExportReport) -> None:
        self._keep_export(report, self._options)
        lines = [f"Export finished: {report.summary()}."]
        lines += [f"{o.path.name}: {o.message}" for o in report.failed[:10]]
        lines += list(report.errors)
        self.window.statusBar().showMessage(lines[0], 8000)
        self.window.announcer.announce(lines[0], assertive=not report.ok)
        if not report.ok:
            show_message(self.window, "Export finished with problems", "\n".join(lines))

    def _on_export_failed(self, message: str) -> None:
        self.window.statusBar().clearMessage()
        self.window.announcer.error(f"Export failed: {message}")
        show_message(self.window, "Export failed", message)

    def _records(self) -> list[CaptionRecord]:
        """Every image with a caption, and every one that failed (its row says why), the
        chosen languages in order (first = x-default)."""
        order = self.controller.languages.codes
        return [
            i.record(order)
            for i in self.controller.model.items()
            if i.text or i.status is Status.ERROR
        ]

    # -- overlay -----------------------------------------------------------------------
    def save_overlay(self, word: int, opacity: float) -> None:
        item = self.controller.current_item
        if item is None or item.caption is None:
            return
        suggested = item.path.with_name(f"{item.path.stem}-attention.png")
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Save overlay as PNG", str(suggested), "PNG image (*.png)"
        )
        if name:
            self.save_overlay_to(Path(name), word, opacity)

    def save_overlay_to(self, destination: Path, word: int, opacity: float) -> bool:
        """Render the current image at full resolution with ``word``'s map and save it."""
        from capdesk.imaging import load_rgb  # noqa: PLC0415

        item = self.controller.current_item
        shown = self.window.preview.language.code  # the language tab's words and maps
        caption = item.in_language(shown).caption if item is not None else None
        if item is None or caption is None:
            return False
        try:
            rgb = load_rgb(item.path)
            colours = self.controller.settings.heatmap_colours
            image = rgb_to_qimage(overlay_full_size(rgb, caption, word, opacity, colours))
            # The stubs say bytes, but PySide6 6.12 only accepts str for the format.
            saved = image.save(str(destination), "PNG")  # type: ignore[call-overload]
        except Exception as exc:  # unreadable source or unwritable target: tell, don't crash
            log.warning("saving overlay failed: %s", exc)
            saved = False
        if not saved:
            show_message(self.window, "Could not save", f"Could not write {destination}.")
            return False
        self.window.statusBar().showMessage(f"Saved {destination}", 6000)
        return True

    # -- settings and help ---------------------------------------------------------
    def edit_settings(self) -> SettingsDialog:
        """Open the settings dialog (window-modal, not blocking the worker's updates)."""
        reader = self.controller.reader
        engine = reader.engine() if self.controller.settings.read_mode != "off" else None
        voices = engine.voice_names() if engine is not None else []
        dialog = SettingsDialog(self.controller.settings, self.window, voices, reader.unavailable,
                                self.controller.languages.available)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.controller.apply_settings(dialog.result_settings()))
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
