"""Where files come in: drag CSV/Excel files from the file manager, or click to choose them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from normdesk.resources import sample_file

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
FILE_FILTER = "Contact files (*.csv *.tsv *.txt *.xlsx *.xlsm *.xls);;All files (*)"


def dropped_files(mime: QMimeData) -> list[str]:
    """Local files of a supported kind among the dropped URLs."""
    if not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [str(p) for p in paths if p.is_file() and p.suffix.lower() in SUFFIXES]


def choose_files(parent: QWidget | None) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Open contact files", "", FILE_FILTER)
    return paths


class DropZone(QFrame):
    """Emits ``files_chosen`` with dropped or chosen paths. ``compact`` is a one-line strip
    above the job table; otherwise it is the empty state that invites the first file."""

    files_chosen = Signal(list)

    def __init__(self, compact: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setObjectName("dropzone")
        self._set_hover(False)
        lay = QVBoxLayout(self)
        lay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if compact:
            text = QLabel("Drop CSV or Excel files here, or click to choose (Ctrl+O)")
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.setContentsMargins(8, 6, 8, 6)
            lay.addWidget(text)
            self.sample_button = None
            return
        title = QLabel("Drop contact files here")
        title.setStyleSheet("font-size: 20px; font-weight: 600;")
        hint = QLabel(
            "CSV, TSV or Excel files with names, emails, phones or US addresses.<br>"
            "normdesk detects each column, shows you a preview, and writes a clean copy.<br>"
            "Your files never leave this computer and are never changed."
        )
        hint.setStyleSheet("color: #5f6368;")
        choose = QPushButton("Choose files…  (Ctrl+O)")
        choose.clicked.connect(self._choose)
        for widget in (title, hint):
            widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(widget)
        lay.addSpacing(12)
        lay.addWidget(choose, 0, Qt.AlignmentFlag.AlignCenter)
        sample = sample_file()
        self.sample_button = QPushButton("Try the sample file")
        self.sample_button.setFlat(True)
        self.sample_button.setStyleSheet("color: palette(link); text-decoration: underline;")
        self.sample_button.setVisible(sample is not None)
        self.sample_button.clicked.connect(lambda: self.files_chosen.emit([str(sample_file())]))
        lay.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignCenter)

    def _set_hover(self, hover: bool) -> None:
        color = "#2563eb" if hover else "#9ca3af"
        background = "#eff6ff" if hover else "transparent"
        self.setStyleSheet(
            f"#dropzone {{ border: 2px dashed {color}; border-radius: 8px; background: {background}; }}"
        )

    def _choose(self) -> None:
        paths = choose_files(self)
        if paths:
            self.files_chosen.emit(paths)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self._choose()
        super().mouseReleaseEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_files(event.mimeData()):
            self._set_hover(True)
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._set_hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        paths = dropped_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_chosen.emit(paths)
