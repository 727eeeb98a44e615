"""Run ``capdesk.export.export_records`` off the GUI thread, with progress and Cancel.

Embedding alt text decodes every photo twice (pixel verification), so a large export
takes seconds to minutes; like captioning it reports through signals and stops on a
thread-safe flag.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from capdesk.domain import CaptionRecord
from capdesk.export import ExportOptions, ExportReport, export_records

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(int, int)  # done, total
    finished = Signal(object)  # ExportReport
    failed = Signal(str)  # options that don't fit together, or an unexpected error


class _ExportTask(QRunnable):
    def __init__(
        self, job: ExportJob, records: Sequence[CaptionRecord], options: ExportOptions
    ) -> None:
        super().__init__()
        self._job = job
        self._records = list(records)
        self._options = options

    def run(self) -> None:
        signals = self._job.signals
        try:
            report = export_records(
                self._records,
                self._options,
                progress=signals.progress.emit,
                should_cancel=self._job.cancel_event.is_set,
            )
        except Exception as exc:  # ValueError for bad options; anything else: say so
            log.warning("export failed: %s", exc)
            signals.failed.emit(str(exc))
            return
        signals.finished.emit(report)


class ExportJob(QObject):
    """One export at a time; ``signals`` report progress, the report or a failure."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.signals = _Signals(self)
        self.cancel_event = threading.Event()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)

    def start(self, records: Sequence[CaptionRecord], options: ExportOptions) -> None:
        self.cancel_event.clear()
        self._pool.start(_ExportTask(self, records, options))

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def busy(self) -> bool:
        """Whether an export is writing files now."""
        return self._pool.activeThreadCount() > 0

    def wait(self) -> None:
        """Block until the running export is done (for shutdown and tests)."""
        self._pool.waitForDone()


def run_export(records: Sequence[CaptionRecord], options: ExportOptions) -> ExportReport:
    """Synchronous export, for scripts and quick single-file exports."""
    return export_records(list(records), options)
