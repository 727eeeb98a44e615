"""Small dialogs: settings, the shortcut list, and the model error message."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capdesk.domain import Language
from capdesk.domain.decoding import MAX_BEAM_SIZE, MIN_BEAM_SIZE, PROVIDER_CHOICES
from capdesk.domain.languages import DEFAULT_LANGUAGE
from capdesk.ui.actions import shortcut_rows
from capdesk.ui.language_settings import LanguageChooser
from capdesk.ui.settings import AppSettings
from capdesk.ui.speech import READ_MODE_LABELS, ReadMode


def folder_field(
    parent: QWidget, text: str, name: str, description: str
) -> tuple[QLineEdit, QHBoxLayout]:
    """A folder path field with its "Browse…" button, named for screen readers.

    Returns the field and the row holding both, ready for a form layout.
    """
    field = QLineEdit(text, parent)
    field.setAccessibleName(name)
    field.setAccessibleDescription(description)
    browse = QPushButton("Browse…", parent)
    browse.setAccessibleName(f"Browse for {name[:1].lower()}{name[1:]}")

    def choose() -> None:
        folder = QFileDialog.getExistingDirectory(parent, name, field.text())
        if folder:
            field.setText(folder)

    browse.clicked.connect(choose)
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(browse)
    return field, row


class SettingsDialog(QDialog):
    """Edit a copy of the settings; :meth:`result_settings` returns the edited copy."""

    def __init__(
        self,
        settings: AppSettings,
        parent: QWidget | None = None,
        voices: list[str] | None = None,
        voice_problem: str = "",
        languages: tuple[Language, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("capdesk settings")
        self.setAccessibleName("Settings")
        self._settings = settings

        self.model_dir, model_row = folder_field(
            self,
            settings.model_dir,
            "Model folder",
            "Folder with the caption model; leave empty for the built-in default.",
        )
        self.model_dir.setPlaceholderText("Default model folder")
        self.library_path = QLineEdit(settings.library_path, self)
        self.library_path.setPlaceholderText("Default: library.sqlite3 in the app's data folder")
        self.library_path.setAccessibleName("Caption library file")
        self.library_path.setAccessibleDescription(
            "The SQLite file that keeps every caption and edit; leave empty for the default."
        )

        self.provider = QComboBox(self)
        for name in PROVIDER_CHOICES:
            self.provider.addItem({"auto": "Auto", "cpu": "CPU", "cuda": "CUDA"}[name], name)
        self.provider.setCurrentIndex(PROVIDER_CHOICES.index(settings.provider))
        self.provider.setAccessibleName("Provider")
        self.provider.setAccessibleDescription(
            "Where the model runs. Auto uses the graphics card when one is usable."
        )
        self.provider.view().setAccessibleName("Provider choices")

        self.beam_size = QSpinBox(self)
        self.beam_size.setRange(MIN_BEAM_SIZE, MAX_BEAM_SIZE)
        self.beam_size.setValue(settings.beam_size)
        self.beam_size.setAccessibleName("Beam size")
        self.beam_size.setAccessibleDescription(
            "How many candidate captions the model weighs; higher is slower, often better."
        )

        self.recursive = QCheckBox("Include sub-folders when opening a folder", self)
        self.recursive.setChecked(settings.recursive)
        self.recursive.setAccessibleName("Include sub-folders")

        self.skip_existing = QCheckBox("Don't caption images that already have alt text", self)
        self.skip_existing.setChecked(settings.skip_existing_alt_text)
        self.skip_existing.setAccessibleName("Skip images that already have alt text")
        self.skip_existing.setAccessibleDescription(
            "Images whose metadata or sidecar file already holds alt text are listed with "
            "that text and not captioned; Re-caption selected still captions them."
        )

        self.thumbnail_size = QSpinBox(self)
        self.thumbnail_size.setRange(32, 256)
        self.thumbnail_size.setSingleStep(16)
        self.thumbnail_size.setSuffix(" px")
        self.thumbnail_size.setValue(settings.thumbnail_size)
        self.thumbnail_size.setAccessibleName("Thumbnail size")

        self._build_reading(settings, voices or [], voice_problem)
        # Only the languages the loaded model ships are offered (English before it loads).
        self.languages = LanguageChooser(
            settings.caption_languages, languages or (DEFAULT_LANGUAGE,), self
        )
        form = QFormLayout()
        model_label = QLabel("&Model folder", self)  # the row is a layout: buddy by hand
        model_label.setBuddy(self.model_dir)
        form.addRow(model_label, model_row)
        form.addRow("&Provider", self.provider)
        form.addRow("Librar&y file", self.library_path)
        form.addRow("&Beam size", self.beam_size)
        form.addRow("Caption &languages", self.languages)
        form.addRow("", self.recursive)
        form.addRow("", self.skip_existing)
        form.addRow("&Thumbnail size", self.thumbnail_size)
        form.addRow("&Heatmap colours", self.heatmap_colours)
        form.addRow("&Read captions with", self.read_mode)
        form.addRow("&Voice", self.voice)
        form.addRow("Speech r&ate", self.speech_rate)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _build_reading(self, settings: AppSettings, voices: list[str], problem: str) -> None:
        """Colour map and "Read caption" settings (each combo's popup named too)."""
        self.heatmap_colours = QComboBox(self)
        for key, label in (
            ("cividis", "Cividis (readable with colour blindness)"),
            ("viridis", "Viridis (readable with colour blindness)"),
            ("classic", "Classic blue to red"),
        ):
            self.heatmap_colours.addItem(label, key)
        self.heatmap_colours.setCurrentIndex(
            max(0, self.heatmap_colours.findData(settings.heatmap_colours))
        )
        self.heatmap_colours.setAccessibleName("Heatmap colours")
        self.heatmap_colours.view().setAccessibleName("Heatmap colour choices")

        self.read_mode = QComboBox(self)
        for mode, label in READ_MODE_LABELS.items():
            self.read_mode.addItem(label, mode.value)
        self.read_mode.setCurrentIndex(max(0, self.read_mode.findData(settings.read_mode)))
        self.read_mode.setAccessibleName("Read captions with")
        self.read_mode.setAccessibleDescription(
            "Where Read caption (Ctrl+R) sends the caption: the screen reader, "
            "the built-in voice, or nowhere."
        )
        self.read_mode.view().setAccessibleName("Read captions with: choices")

        self.voice = QComboBox(self)
        self.voice.addItem("System default voice", "")
        for name in voices:
            self.voice.addItem(name, name)
        self.voice.setCurrentIndex(max(0, self.voice.findData(settings.voice)))
        self.voice.setAccessibleName("Voice")
        self.voice.setAccessibleDescription(problem or "The built-in voice's voice.")
        self.voice.setToolTip(problem)
        self.voice.view().setAccessibleName("Voice choices")

        self.speech_rate = QSlider(Qt.Orientation.Horizontal, self)
        self.speech_rate.setRange(-100, 100)
        self.speech_rate.setSingleStep(10)
        self.speech_rate.setPageStep(25)
        self.speech_rate.setValue(settings.speech_rate)
        self.speech_rate.setAccessibleName("Speech rate")
        self.speech_rate.setAccessibleDescription("From slowest to fastest; the middle is normal.")

    def result_settings(self) -> AppSettings:
        return replace(
            self._settings,
            model_dir=self.model_dir.text().strip(),
            library_path=self.library_path.text().strip(),
            provider=str(self.provider.currentData()),
            beam_size=self.beam_size.value(),
            recursive=self.recursive.isChecked(),
            skip_existing_alt_text=self.skip_existing.isChecked(),
            thumbnail_size=self.thumbnail_size.value(),
            heatmap_colours=str(self.heatmap_colours.currentData()),
            read_mode=ReadMode(self.read_mode.currentData()).value,
            voice=str(self.voice.currentData()),
            speech_rate=self.speech_rate.value(),
            caption_languages=self.languages.chosen(),
        ).validated()


class ShortcutsDialog(QDialog):
    """The F1 list of shortcuts, as a table a screen reader can walk cell by cell.

    Sized from its text, not a guess: every column as wide as its longest cell, the whole
    list tall enough for every row, as far as the screen allows. On a narrow screen the
    descriptions wrap onto more lines instead of being cut off with "…".
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows()
        self.table = table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.setAccessibleName("Keyboard shortcuts")
        table.setAccessibleDescription("Each row is a key and what it does.")
        for row, (keys, text) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(text))
        table.verticalHeader().setVisible(False)  # row numbers say nothing here
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideNone)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self._fit_table(layout)

    def _fit_table(self, layout: QVBoxLayout) -> None:
        """Columns and rows from the text, then the dialog from the table (see class)."""
        table = self.table
        table.resizeColumnsToContents()
        frame = 2 * table.frameWidth()
        bar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, table)
        margins = layout.contentsMargins()
        outside = margins.left() + margins.right() + frame + bar
        screen = self.screen().availableGeometry()
        keys, action = table.columnWidth(0), table.columnWidth(1)
        room = int(screen.width() * 0.9) - outside - keys
        if action > room:  # a narrow screen: wrap the descriptions rather than cut them
            table.setColumnWidth(1, max(room, 200))
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeRowsToContents()
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        width = table.columnWidth(0) + table.columnWidth(1) + frame + bar
        height = table.horizontalHeader().height() + rows + frame
        table.setMinimumWidth(width)
        table.setMinimumHeight(min(height, int(screen.height() * 0.8) - 120))
        self._content = QSize(width, height)
        self.resize(self.sizeHint().boundedTo(screen.size()))

    def content_size(self) -> QSize:
        """The table's columns and rows at their fitted size (what the text needs)."""
        return QSize(self._content)


def model_error_box(message: str, parent: QWidget | None = None) -> QMessageBox:
    """A non-blocking warning naming the model file and what to do (ModelError's text)."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "The caption model could not be loaded",
        message,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setInformativeText("You can choose another model folder in Settings (Ctrl+,).")
    box.setAccessibleName("Model error")
    box.setAccessibleDescription(message)
    return box


def show_message(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A window-modal message that doesn't block the event loop (the worker keeps
    reporting while it is open, and tests never hang on it)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent
    )
    box.setAccessibleName(title)
    box.setAccessibleDescription(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
