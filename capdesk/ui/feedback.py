"""What the window tells the person about a run, and "Read caption": the progress bar,
the status bar and the screen reader (via the window's :class:`Announcer`).

Kept out of the controller so the wording and pacing of announcements live in one
place; the controller forwards the queue's signals and asks for the current caption.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot

from capdesk.domain import Language
from capdesk.jobs import Progress, RunFinished
from capdesk.ui.announce import ProgressPacer
from capdesk.ui.image_model import ImageListModel
from capdesk.ui.items import Status
from capdesk.ui.main_window import MainWindow
from capdesk.ui.settings import AppSettings
from capdesk.ui.speech import CaptionReader, ReadMode


class Feedback(QObject):
    """Run progress and results in words; ``current_text`` gives the caption to read and
    its language."""

    def __init__(
        self,
        window: MainWindow,
        model: ImageListModel,
        current_text: Callable[[], tuple[str, Language | None]],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = model
        self._current_text = current_text
        self._pacer = ProgressPacer()
        self._run_paths: set[Path] = set()
        self.reader = CaptionReader(window.announcer)
        actions = window.actions_by_name
        actions["read_caption"].triggered.connect(self.read_caption)
        actions["stop_reading"].triggered.connect(self.stop_reading)

    # -- a run ---------------------------------------------------------------------
    def started(self, paths: list[Path]) -> None:
        self._run_paths.update(paths)
        self.model.set_status(paths, Status.CAPTIONING)

    def run_summary(self, finished: RunFinished) -> str:
        """What a run did, as the screen reader says it: "Finished: 3 captioned, 1 need a
        look, 0 failed." (counted over the images this run touched)."""
        items = [i for p in self._run_paths if (i := self.model.item(p)) is not None]
        failed = sum(i.status is Status.ERROR for i in items)
        done = [i for i in items if i.caption is not None and i.status is not Status.ERROR]
        look = sum(i.flagged for i in done)
        verb = "Cancelled" if finished.cancelled else "Finished"
        text = f"{verb}: {len(done)} captioned, {look} need a look, {failed} failed"
        if finished.unfinished:
            text += f", {len(finished.unfinished)} not done"
        return text + "."

    @Slot(object)
    def progress(self, progress: Progress) -> None:
        """The bar's value and its text on one line: elided to the bar's width (a
        48,000-photo run's text is long), the whole of it in the tooltip and for the
        screen reader."""
        bar = self.window.progress
        bar.setMaximum(max(progress.total, 1))
        bar.setValue(progress.done)
        text = progress.text
        room = max(40, bar.contentsRect().width() - 12)
        bar.setFormat(bar.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, room))
        bar.setToolTip(text)
        bar.setAccessibleDescription(text)
        if self._pacer.due(progress.done, progress.total):
            self.window.announcer.announce(f"Captioning: {progress.done} of {progress.total} done.")

    def finished(self, finished: RunFinished) -> None:
        summary = self.run_summary(finished)
        self._run_paths.clear()
        self.window.statusBar().showMessage(summary, 6000)
        self.window.announcer.announce(summary)

    @Slot(bool)
    def busy(self, busy: bool) -> None:
        self.window.progress.setVisible(busy)
        self.window.cancel_button.setVisible(busy)
        self.window.actions_by_name["cancel"].setEnabled(busy)
        if busy:
            self._pacer.reset()

    # -- reading aloud -------------------------------------------------------------
    def configure(self, settings: AppSettings) -> None:
        self.reader.configure(
            ReadMode(settings.read_mode), settings.voice, settings.speech_rate / 100.0
        )

    def read_caption(self) -> str:
        """Read the caption shown (the edited text where edited, in the language tab shown,
        with a voice of that language); says what happened."""
        status = self.reader.read(*self._current_text())
        self.window.statusBar().showMessage(status, 6000)
        return status

    def stop_reading(self) -> str:
        status = self.reader.stop()
        self.window.statusBar().showMessage(status, 3000)
        return status
