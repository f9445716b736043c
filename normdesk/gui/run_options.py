"""The options of a run that both the preview dialog and the settings dialog edit: default country,
preserve accents, output format and output folder (with a Browse button)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QToolButton, QWidget

from normdesk.gui.country_combo import CountryCombo
from normdesk.settings import OUTPUT_FORMATS, Settings


class RunOptionWidgets:
    """The four editors, filled from ``settings``; lay them out with ``folder_row``."""

    def __init__(self, settings: Settings, parent: QWidget, folder_title: str) -> None:
        self._parent, self._folder_title = parent, folder_title
        self.country = CountryCombo(settings.country)
        self.accents = QCheckBox("Preserve accents in names")
        self.accents.setChecked(settings.preserve_accents)
        self.format = QComboBox()
        self.format.addItems(OUTPUT_FORMATS)
        self.format.setCurrentText(settings.output_format)
        self.folder = QLineEdit(settings.output_folder)
        self.folder.setPlaceholderText("beside each input file")
        self.browse = QToolButton()
        self.browse.setText("…")
        self.browse.setToolTip(f"Choose the {folder_title.lower()}")
        self.browse.clicked.connect(self.choose_folder)

    def folder_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        return row

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._parent, self._folder_title, self.folder.text())
        if folder:
            self.folder.setText(folder)
