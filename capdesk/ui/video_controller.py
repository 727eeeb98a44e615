"""Videos in the app: a dropped or opened video is described in the background and shown
as a strip of key frames in the "Video descriptions" dock.

The window controller hands videos here (photos in the same drop go to the photo list
as before); each becomes a :class:`VideoDocument`, described one after the other by the
:class:`capdesk.jobs.video_job.VideoJob` worker. Cues appear as they are captioned;
Cancel stops within one frame and keeps the cues found so far. A description is edited
and accepted like a photo's caption, through the window's undo stack. Export writes the
descriptions VTT, chapters VTT, transcript and HTML page with the same writer as
``capdesk video describe`` (:func:`capdesk.video.write_outputs`).

Where the descriptions are kept: in the document until exported (not in the caption
library: see ``video_model.py``). Closing the window while a video is being described,
or with descriptions never exported or edited since the last export, asks first.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QAbstractItemDelegate, QDockWidget, QFileDialog, QMessageBox

from capdesk.jobs import EngineConfig
from capdesk.jobs.video_job import (
    CueFound,
    VideoEngineFactory,
    VideoFinished,
    VideoJob,
    VideoProgress,
    VideoStarted,
    clock,
)
from capdesk.ui.main_window import MainWindow
from capdesk.ui.video_model import CueCommand, CueListModel, VideoDocument
from capdesk.ui.video_view import VideoPanel

log = logging.getLogger(__name__)

APP_BATCH = 4
"""Key frames captioned together in the app: cues appear every 4 segments rather than the
command line's 8, so the strip fills as it goes (what smaller batches cost is not
measured); at a Cancel the key frames chosen but not captioned yet (up to 3) are dropped."""

SUFFIXES = {
    "vtt": ".descriptions.vtt",
    "chapters": ".chapters.vtt",
    "transcript": ".transcript.txt",
    "html": ".html",
}
"""The four files Export writes, named from the video (``talk.mp4`` → ``talk.html``...)."""


def export_targets(vtt: Path) -> dict[str, Path]:
    """The four outputs beside the chosen descriptions file ``<stem>.descriptions.vtt``."""
    name = vtt.name
    stem = name[: -len(SUFFIXES["vtt"])] if name.endswith(SUFFIXES["vtt"]) else vtt.stem
    return {kind: vtt if kind == "vtt" else vtt.with_name(stem + suffix)
            for kind, suffix in SUFFIXES.items()}


class VideoController(QObject):
    """See the module docstring."""

    def __init__(
        self,
        window: MainWindow,
        undo_stack: QUndoStack,
        config: EngineConfig,
        factory: VideoEngineFactory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.window = window
        self.undo_stack = undo_stack
        self.documents: list[VideoDocument] = []
        self.current: VideoDocument | None = None
        self.lang = "en"
        self.options: dict[str, Any] = {"batch_size": APP_BATCH}
        """``DescribeOptions`` fields for the next videos (plain values: the worker builds
        the options, so the GUI thread never imports the engine)."""
        self.job = VideoJob(config, factory, self)
        self.model = CueListModel(self)
        self.panel = VideoPanel(self.model)
        self.dock = QDockWidget("Video descriptions", window)
        self.dock.setObjectName("video_dock")
        self.dock.setAccessibleName("Video descriptions")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self._connect()

    def _connect(self) -> None:
        self.job.started.connect(self._on_started)
        self.job.cue_found.connect(self._on_cue)
        self.job.progress.connect(self._on_progress)
        self.job.finished.connect(self._on_finished)
        self.model.edit_requested.connect(self.edit_cue)
        p = self.panel
        p.video_chosen.connect(lambda i: self.show_document(self.documents[i]))
        p.cue_selected.connect(self._on_cue_selected)
        p.text_committed.connect(self.edit_cue)
        p.accept_requested.connect(self.accept_cue)
        p.export_requested.connect(self.export)
        p.cancel_requested.connect(self.cancel)
        action = self.window.actions_by_name.get("video_panel")
        if action is not None:
            action.triggered.connect(self.show_panel)

    # -- videos in -------------------------------------------------------------------
    def add_videos(self, paths: list[Path]) -> list[VideoDocument]:
        """Describe each video not open yet (one at a time, in order); show the first."""
        added = []
        for path in paths:
            known = next((d for d in self.documents if d.path == path), None)
            if known is not None:
                self.show_document(known)
                continue
            document = VideoDocument(path, self.job.describe(path, dict(self.options)))
            self.documents.append(document)
            added.append(document)
        if added:
            self.show_document(added[0])
            names = ", ".join(d.path.name for d in added)
            self.window.announcer.announce(f"Describing {names}; key frames appear below.")
        return added

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()
        self.panel.strip.setFocus()

    def show_document(self, document: VideoDocument) -> None:
        self.current = document
        self.panel.set_aspect(document.aspect)
        self.model.set_document(document)
        self._refresh_picker()
        self._refresh_progress()
        self.panel.show_cue(None)
        if document.cues:
            self.panel.select_row(0)
        self.dock.show()
        self.dock.raise_()

    def _refresh_picker(self) -> None:
        current = self.documents.index(self.current) if self.current in self.documents else -1
        self.panel.set_videos([d.label() for d in self.documents], current)

    def _refresh_progress(self) -> None:
        doc = self.current
        if doc is None:
            return
        running = doc.state in ("waiting", "describing")
        total = doc.info.duration if doc.info is not None else 0.0
        text = doc.progress_text
        if doc.state == "waiting":
            text = "waiting for the video before it"
        elif doc.state == "failed":
            text = doc.error or "could not be described"
        elif doc.state in ("done", "cancelled") and doc.described is not None:
            note = doc.described.fault or ("stopped" if doc.state == "cancelled" else "done")
            text = f"{doc.progress_text} · {len(doc.cues)} cues · {note}"
        done = total if doc.state == "done" else doc.done
        self.panel.set_progress(text, done, total, running)
        self.panel.export_button.setEnabled(bool(doc.cues))

    def _document(self, job_id: int) -> VideoDocument | None:
        return next((d for d in self.documents if d.job_id == job_id), None)

    # -- worker signals ------------------------------------------------------------
    @Slot(object)
    def _on_started(self, started: VideoStarted) -> None:
        doc = self._document(started.job_id)
        if doc is None:
            return
        doc.info, doc.state = started.info, "describing"
        doc.progress_text = f"{clock(0)} / {clock(started.info.duration)}"
        if doc is self.current:
            self.panel.set_aspect(doc.aspect)
            self._refresh_progress()

    @Slot(object)
    def _on_cue(self, found: CueFound) -> None:
        doc = self._document(found.job_id)
        if doc is None:
            return
        added = doc.take(found.index, found.cue)
        self.model.cue_changed(doc, found.index, added=added)
        if doc is self.current:
            if added and found.index == 0:
                self.panel.select_row(0)
            elif found.index == self.panel.current_row:
                self.panel.show_cue(doc.cues[found.index])

    @Slot(object)
    def _on_progress(self, progress: VideoProgress) -> None:
        doc = self._document(progress.job_id)
        if doc is None:
            return
        doc.progress_text, doc.done = progress.text, progress.done
        if doc is self.current:
            self._refresh_progress()

    @Slot(object)
    def _on_finished(self, finished: VideoFinished) -> None:
        doc = self._document(finished.job_id)
        if doc is None:
            return
        doc.described = finished.description
        doc.error = finished.error
        if finished.error is not None:
            doc.state = "failed"
            self.window.announcer.error(f"{doc.path.name}: {finished.error}")
        else:
            doc.state = "cancelled" if finished.cancelled else "done"
            fault = finished.description.fault if finished.description else None
            said = f"{doc.path.name}: {len(doc.cues)} descriptions"
            said += f"; {fault}" if fault else (", stopped" if finished.cancelled else ".")
            (self.window.announcer.error if fault else self.window.announcer.announce)(said)
        self._refresh_picker()
        self._refresh_progress()

    # -- commands ------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the shown video (within one frame); its cues so far are kept."""
        if self.current is not None:
            self.job.cancel(self.current.job_id)

    def _on_cue_selected(self, row: int) -> None:
        self.panel.show_cue(self.model.cue(row))

    def edit_cue(self, row: int, text: str) -> None:
        doc, cue = self.current, self.model.cue(row)
        if doc is not None and cue is not None and text.strip() and text.strip() != cue.text:
            self.undo_stack.push(CueCommand(doc, row, self._changed, text=text.strip()))

    def accept_cue(self, row: int) -> None:
        """Mark the cue reviewed and move to the next one."""
        doc, cue = self.current, self.model.cue(row)
        if doc is None or cue is None or not cue.text:
            return
        if not cue.reviewed:
            self.undo_stack.push(CueCommand(doc, row, self._changed))
        if row + 1 < len(doc.cues):
            self.panel.select_row(row + 1)
        self.window.announcer.announce(f"Accepted cue {row + 1}.")

    def _changed(self, doc: VideoDocument, row: int) -> None:
        self.model.cue_changed(doc, row, added=False)
        if doc is self.current and row == self.panel.current_row:
            self.panel.show_cue(doc.cues[row])

    # -- export ----------------------------------------------------------------------
    def export(self, document: VideoDocument | None = None) -> list[Path]:
        """Ask where, then write the four files; returns them ([] when not written)."""
        doc = document or self.current
        if doc is None or not doc.cues:
            return []
        suggested = doc.path.with_name(doc.path.stem + SUFFIXES["vtt"])
        name, _ = QFileDialog.getSaveFileName(
            self.window, f"Export descriptions of {doc.path.name}", str(suggested),
            "WebVTT descriptions (*.vtt)",
        )
        if not name:
            return []
        targets = export_targets(Path(name))
        others = [p for kind, p in targets.items() if kind != "vtt" and p.exists()]
        if others and not self.confirm_replace(others):
            return []
        return self.export_to(doc, Path(name))

    def export_to(self, doc: VideoDocument, vtt: Path) -> list[Path]:
        """Write ``vtt`` and the chapters, transcript and page beside it (replacing them)."""
        from capdesk.video import write_outputs  # noqa: PLC0415  (loads the engine)

        targets = export_targets(vtt)
        if any(p.exists() and p.samefile(doc.path) for p in targets.values()):
            self._tell(f"{doc.path.name}: an export would overwrite the video; choose another name")
            return []
        try:
            write_outputs(doc.description(), targets, lang=self.lang)
        except OSError as exc:
            self._tell(f"Export of {doc.path.name} failed: {exc}")
            return []
        doc.exported, doc.changed_since_export = list(targets.values()), False
        self.window.announcer.announce(f"Exported the descriptions of {doc.path.name}.")
        self.window.statusBar().showMessage(f"Wrote {', '.join(p.name for p in targets.values())}",
                                            8000)
        return doc.exported

    def confirm_replace(self, paths: list[Path]) -> bool:
        """Ask before replacing files the person did not name; tests replace this."""
        answer = QMessageBox.question(
            self.window, "Replace files?",
            "These files exist and will be replaced:\n" + "\n".join(str(p) for p in paths),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _tell(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10_000)
        self.window.announcer.error(message)

    # -- closing ---------------------------------------------------------------------
    def may_close(self) -> bool:
        """Before the window closes: keep typed words, and ask when descriptions would be lost."""
        strip = self.panel.strip
        editor = strip.indexWidget(strip.currentIndex())
        if editor is not None:
            strip.commitData(editor)
            strip.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        self.panel.commit_pending()
        unsaved = [d for d in self.documents if d.unsaved]
        if not unsaved and not self.job.busy:
            return True
        return self.confirm_discard(unsaved, self.job.busy)

    def confirm_discard(self, unsaved: list[VideoDocument], running: bool) -> bool:
        """Ask (Save exports each video first); tests replace this method."""
        lines = [f"{d.path.name}: {len(d.cues)} descriptions"
                 + (f", {d.edited_count} edited" if d.edited_count else "") for d in unsaved]
        what = "Video descriptions are not kept after capdesk closes unless exported."
        if running:
            what = "A video is still being described. " + what
        box = QMessageBox(QMessageBox.Icon.Question, "Quit capdesk",
                          what + ("\n" + "\n".join(lines) if lines else ""),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Discard:
            return True
        if answer == QMessageBox.StandardButton.Save:
            return all(self.export(doc) for doc in unsaved)
        return False

    def reconfigure(self, config: EngineConfig) -> None:
        self.job.reconfigure(config)

    def shutdown(self) -> None:
        self.job.shutdown()
