"""The Export dialog: formats, destination, in place or copies, and alt-text checks.

The dialog only builds an :class:`capdesk.export.ExportOptions`; the export itself runs
in :class:`capdesk.jobs.export_job.ExportJob`, so a big alt-text export never freezes
the window.

Nothing is changed that the person did not ask to change: the proposed destination is
never the photos' own folder (copies there would be the originals), a destination that
would put copies over an original disables Export with the reason, and before the
dialog closes it asks (a) to confirm writing into the originals, saying how many change
and how many of those captions nobody has reviewed, and (b) to confirm replacing files
that already exist, and (c) to confirm exporting captions the engine flagged that nobody
reviewed (likely wrong alt text). What would happen is worked out by
:func:`capdesk.export.plan_export` and :func:`capdesk.export.unreviewed_flagged`, the same
rules ``export_records`` and the command line apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import CaptionRecord
from capdesk.export import (
    ExportFormat,
    ExportOptions,
    check_alt_text,
    default_destination,
    flagged_message,
    not_captioned,
    plan_export,
    unreviewed_flagged,
)
from capdesk.ui.announce import Announcer
from capdesk.ui.dialogs import folder_field
from capdesk.ui.settings import AppSettings

_LABELS = {
    ExportFormat.CSV: "CSV table (spreadsheets)",
    ExportFormat.JSONL: "JSON Lines",
    ExportFormat.SIDECAR: "Text sidecar file next to each image",
    ExportFormat.HTML: "HTML page",
    ExportFormat.ALT_TEXT: "Alt text inside each image (IPTC/XMP)",
}


def confirm(parent: QWidget, title: str, text: str, detail: str, proceed: str) -> bool:
    """Ask before changing files; True only when the person chose ``proceed``.

    Cancel is the default button, so Enter never writes by accident. Runs its own event
    loop like any confirmation: the export has not started yet, nothing waits on it.
    """
    box = QMessageBox(
        QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    box.setInformativeText(detail)
    box.setAccessibleName(title)
    box.setAccessibleDescription(f"{text} {detail}")
    ok = box.addButton(QMessageBox.StandardButton.Ok)
    ok.setText(proceed)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Ok


def alt_text_summary(records: Sequence[CaptionRecord], shown: int = 3) -> str:
    """A few sentences about captions that would make poor alt text, or ''."""
    problems = []
    for record in records:
        if not_captioned(record):  # nothing is written for it; the table says why
            continue
        warnings = check_alt_text(record.alt_text)  # what is written: caption + text
        if warnings:
            problems.append(f"{record.path.name}: {warnings[0].message}")
    if not problems:
        return ""
    more = f" …and {len(problems) - shown} more." if len(problems) > shown else ""
    return (
        f"{len(problems)} caption(s) need a look as alt text. " + " ".join(problems[:shown]) + more
    )


def review_summary(records: Sequence[CaptionRecord]) -> str:
    """How many of the captions nobody has reviewed (and of those, flagged), in words."""
    waiting = [r for r in records if not (r.reviewed or r.edited)]
    if not waiting:
        return f"All {len(records)} captions have been reviewed."
    flagged = len(unreviewed_flagged(records))
    of_them = f", {flagged} of them flagged as likely wrong" if flagged else ""
    return (f"{len(waiting)} of {len(records)} captions are not reviewed yet{of_them}. "
            "F8 goes to the next one.")


class ExportDialog(QDialog):
    """Choose what to export where; :meth:`options` returns the validated choice.

    It opens with the choices of the last export (``settings``), and :meth:`remembered`
    gives them back for the settings once the person exports.
    """

    def __init__(
        self,
        records: Sequence[CaptionRecord],
        start_folder: Path,
        parent: QWidget | None = None,
        settings: AppSettings | None = None,
    ) -> None:
        super().__init__(parent)
        settings = settings or AppSettings()
        self._records = list(records)
        self._replace_existing = False
        self.setWindowTitle("Export captions")
        self.setAccessibleName("Export captions")
        self._boxes: dict[ExportFormat, QCheckBox] = {}
        formats = QVBoxLayout()
        for fmt, label in _LABELS.items():
            box = QCheckBox(label, self)
            box.setAccessibleName(label)
            box.setChecked(fmt.value in settings.export_formats)
            box.toggled.connect(self._validate)
            self._boxes[fmt] = box
            formats.addWidget(box)

        self.destination, destination_row = folder_field(
            self,
            str(default_destination(records, Path(settings.export_destination or start_folder))),
            "Destination folder",
            "Folder for the CSV, JSON Lines and HTML files, and for image copies.",
        )
        self.destination.textChanged.connect(self._validate)

        self.in_place = QRadioButton("Write alt text and sidecars into the originals", self)
        self.copies = QRadioButton("Write copies into the destination folder", self)
        (self.in_place if settings.export_in_place else self.copies).setChecked(True)
        for radio in (self.in_place, self.copies):
            radio.setAccessibleName(radio.text())
        self.copies.toggled.connect(self._validate)
        self.skip_existing = QCheckBox(
            "Leave images that already have alt text alone, unless edited here", self)
        self.skip_existing.setAccessibleName(self.skip_existing.text())
        self.skip_existing.setChecked(settings.export_skip_existing)
        self.reviews = QLabel(review_summary(records), self)  # its text is its name
        self.reviews.setWordWrap(True)

        # A label's text is its accessible name; an empty one is hidden, so the screen
        # reader never opens the dialog on a bare "Alt text checks." heading.
        summary = alt_text_summary(records)
        self.checks = QLabel(summary, self)
        self.checks.setWordWrap(True)
        self.checks.setAccessibleDescription("Alt text checks")
        self.checks.setVisible(bool(summary))
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self._announcer = Announcer(self.error)  # a new problem is said at once

        form = QFormLayout()
        form.addRow("Formats", formats)
        destination_label = QLabel("&Destination", self)  # the row is a layout
        destination_label.setBuddy(self.destination)
        form.addRow(destination_label, destination_row)
        form.addRow("", self.in_place)
        form.addRow("", self.copies)
        form.addRow("", self.skip_existing)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.reviews)
        layout.addWidget(self.checks)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._validate()

    def options(self) -> ExportOptions:
        """The chosen export; ``replace_existing`` only once the person agreed to it."""
        folder = Path(self.destination.text().strip()) if self.destination.text().strip() else None
        return ExportOptions(
            formats=frozenset(f for f, box in self._boxes.items() if box.isChecked()),
            destination=folder,
            output_dir=None if self.in_place.isChecked() else folder,
            skip_existing_alt_text=self.skip_existing.isChecked(),
            replace_existing=self._replace_existing,
        )

    def remembered(self, settings: AppSettings) -> AppSettings:
        """``settings`` with this dialog's choices, for the next export."""
        return replace(
            settings,
            export_formats=tuple(f.value for f, box in self._boxes.items() if box.isChecked()),
            export_destination=self.destination.text().strip(),
            export_in_place=self.in_place.isChecked(),
            export_skip_existing=self.skip_existing.isChecked(),
        )

    def _validate(self) -> None:
        try:
            options = self.options()
            options.validate()
            # Only stat() calls (no metadata reads), so it can follow every keystroke.
            quick = replace(options, skip_existing_alt_text=False)
            message = plan_export(self._records, quick).refusal() or ""
        except ValueError as exc:
            message = str(exc).capitalize() + "."
        self._show_problem(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not message)

    def _show_problem(self, message: str) -> None:
        """Show (and announce, assertively, once) what stops the export; hide when none."""
        if message == self.error.text():
            return
        self.error.setVisible(bool(message))
        if message:
            self._announcer.error(message)
        else:
            self.error.setText("")
            self.error.setAccessibleName("")

    def accept(self) -> None:
        """Close and export, once any change to the originals or existing files is agreed."""
        try:
            options = replace(self.options(), replace_existing=False)
            options.validate()
            plan = plan_export(self._records, options)
        except ValueError as exc:
            self._show_problem(str(exc).capitalize() + ".")
            return
        refusal = plan.refusal()
        if refusal:
            self._show_problem(refusal)
            return
        flagged = [p for p in unreviewed_flagged(self._records) if p not in plan.skipped]
        if flagged and not confirm(
            self,
            "Export flagged captions?",
            flagged_message(flagged),
            "Flagged captions are likely wrong; review them first (F8 goes to the next one), "
            "or export them as they are.",
            "Export",
        ):
            return
        if plan.changed_originals and not confirm(
            self,
            "Write into the original photos?",
            f"Alt text will be written into {len(plan.changed_originals)} original photo(s).",
            plan.in_place_message(),
            "Write into originals",
        ):
            return
        if plan.existing and not confirm(
            self,
            "Replace existing files?",
            plan.existing_message(),
            "Replace them, or Cancel and choose another destination.",
            "Replace",
        ):
            return
        self._replace_existing = bool(plan.existing)
        super().accept()
