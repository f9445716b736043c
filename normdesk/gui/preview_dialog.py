"""The column preview dialog shown when files are dropped: one tab per file, or one tab for
files with the same columns (one shared plan), and the run options below."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine import InputError, Plan
from normdesk.engine.reader import EXCEL_SUFFIXES
from normdesk.gui.run_options import RunOptionWidgets
from normdesk.resources import sample_file
from normdesk.gui.file_preview import FilePreview, LoadedFile, load_preview
from normdesk.settings import Settings
from normdesk.gui.tasks import run_task
from normdesk.jobs.queue import default_output_path
from normdesk.paths import data_dir


def documents_folder() -> Path:
    """Documents/normdesk: where outputs go when they cannot go beside their input."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return (Path(documents) if documents else Path.home() / "Documents") / "normdesk"


def _app_managed(path: Path) -> bool:
    """The bundled sample (maybe read-only inside an installed app) or a file downloaded from S3
    into the data folder: never write beside these."""
    return path == sample_file() or path.is_relative_to(data_dir().resolve())


def output_path_for(input_path: Path, folder: str, output_format: str, taken: set[Path]) -> Path:
    """``<stem>.normalized.<ext>`` in ``folder``, else beside the input (in Documents/normdesk for
    the bundled sample, an S3 download or a read-only folder); a number is added when that file
    exists or another job of this batch writes there."""
    base = default_output_path(input_path, output_format)
    if folder:
        base = Path(folder) / base.name
    elif _app_managed(input_path) or not os.access(input_path.parent, os.W_OK):
        base = documents_folder() / base.name
    candidate, n = base, 2
    while candidate in taken or candidate.exists():
        candidate = base.with_name(f"{input_path.stem}.normalized-{n}.{output_format}")
        n += 1
    taken.add(candidate)
    return candidate


def initial_format(paths: list[Path], settings: Settings) -> str:
    """Excel inputs give Excel output; other files the format last queued, else the default one."""
    if paths and all(p.suffix.lower() in EXCEL_SUFFIXES for p in paths):
        return "xlsx"
    return settings.last_output_format or settings.output_format


def app_managed_folder(paths: list[Path]) -> str:
    """Documents/normdesk when no input may have its output beside it (the bundled sample, an S3
    download), so that the field shows where the outputs go; else "" (beside each input)."""
    cannot = [p for p in paths if _app_managed(p) or not os.access(p.parent, os.W_OK)]
    return str(documents_folder()) if paths and len(cannot) == len(paths) else ""


class PreviewDialog(QDialog):
    """``jobs()`` after ``accept``: a list of (input path, output path, plan)."""

    def __init__(self, paths: list[str | Path], settings: Settings, parent: QWidget | None = None,
                 plan: Plan | None = None) -> None:
        """``plan``: applied once the files are read (a job's plan, for "Re-run with changes…")."""
        super().__init__(parent)
        self._plan = plan
        self._values = plan.values if plan is not None else ()  # value overrides: kept for the jobs
        self.setWindowTitle("Preview columns")
        self.resize(1100, 760)
        self.paths = [Path(p).resolve() for p in paths]
        self._loaded: dict[Path, LoadedFile] = {}
        self._errors: dict[Path, str] = {}

        self.stack = QStackedWidget()
        self.loading = QLabel(f"Reading {len(self.paths)} file{'s' if len(self.paths) > 1 else ''}…")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.stack.addWidget(self.loading)
        self.stack.addWidget(self.tabs)

        self.options = RunOptionWidgets(settings, self, "Output folder")
        self.country, self.accents = self.options.country, self.options.accents
        self.format, self.folder = self.options.format, self.options.folder
        self._initial_format = initial_format(self.paths, settings)
        self.format.setCurrentText(self._initial_format)
        self.folder.setText(settings.last_output_folder or settings.output_folder or app_managed_folder(self.paths))
        self.safe_formulas = self.options.formulas_box()
        self.address_line = QCheckBox("Add a one-line address column for each address group")
        self.address_line.setToolTip("After the last column of each split address (street, city, state, ZIP...),\n"
                                     "a column with the whole standardized address on one line")
        folder_row = self.options.folder_row()

        options = QFormLayout()
        options.addRow("Default country:", self.country)
        self.country.setToolTip("For files whose data shows no country; each file's tab shows its own")
        options.addRow("", self.accents)
        options.addRow("", self.address_line)
        left = QWidget()
        left.setLayout(options)
        options2 = QFormLayout()
        options2.addRow("Output format:", self.format)
        options2.addRow("", self.safe_formulas)
        options2.addRow("Output folder:", folder_row)
        right = QWidget()
        right.setLayout(options2)
        option_row = QHBoxLayout()
        option_row.addWidget(left, 1)
        option_row.addWidget(right, 1)

        self.save_plan_button = QPushButton("Save plan…")
        self.load_plan_button = QPushButton("Load plan…")
        for button in (self.save_plan_button, self.load_plan_button):  # Return queues, whatever has the focus
            button.setAutoDefault(False)
        self.save_plan_button.clicked.connect(self._save_plan)
        self.load_plan_button.clicked.connect(self._load_plan)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = self.buttons.addButton("Queue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setDefault(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)  # never the default by focus
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_plan_button)
        bottom.addWidget(self.load_plan_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)

        self.not_queued_note = QLabel(wordWrap=True, visible=False,
                                      styleSheet="color: #8a5a00; background: #fff4d6; padding: 6px;")
        lay = QVBoxLayout(self)
        lay.addWidget(self.not_queued_note)
        lay.addWidget(self.stack, 1)
        lay.addLayout(option_row)
        lay.addLayout(bottom)

        self.country.country_changed.connect(lambda _c: self._options_changed())
        self.accents.toggled.connect(lambda _c: self._options_changed())
        self._set_ready(False)
        for path in self.paths:
            run_task(load_preview, path,
                     on_done=self._file_loaded,
                     on_error=lambda msg, p=path: self._file_failed(p, msg), context=self)

    # -- results ------------------------------------------------------------------------------
    def not_queued(self) -> dict[Path, str]:
        """The files that cannot be read (so are not queued), with why."""
        return dict(self._errors)

    def previews(self) -> list[FilePreview]:
        return [w for i in range(self.tabs.count()) if isinstance(w := self.tabs.widget(i), FilePreview)]

    def jobs(self) -> list[tuple[Path, Path, Plan]]:
        """(input, output, plan) of each file; the output folders exist (created when missing)."""
        taken: set[Path] = set()
        out = []
        fmt = self.format.currentText()
        for preview in self.previews():
            plan = preview.plan(fmt).with_options(safe_formulas=self.safe_formulas.isChecked(), values=self._values,
                                                  address_line=self.address_line.isChecked())
            for path in preview.paths:
                out.append((path, output_path_for(path, self.folder.text().strip(), fmt, taken), plan))
        for folder in {output.parent for _, output, _ in out}:
            folder.mkdir(parents=True, exist_ok=True)
        return out

    def overrides(self) -> dict[Path, dict[str, str]]:
        """Each input's column choices changed from the detection (the job keeps them, marked)."""
        return {path: preview.columns_model.overrides() for preview in self.previews() for path in preview.paths}

    def remembered(self) -> dict[str, str]:
        """What the next preview starts with: this folder, and this format unless it was only the
        automatic "Excel in, Excel out"."""
        fmt = self.format.currentText()
        keep = {"last_output_folder": self.folder.text().strip()}
        if not (fmt == "xlsx" and self._initial_format == "xlsx"):
            keep["last_output_format"] = fmt
        return keep

    def accept(self) -> None:
        try:
            self.jobs()  # creates the output folders now, so that a problem is said here
        except OSError as err:
            QMessageBox.warning(self, "normdesk", f"Cannot create the output folder: {err.strerror or err} "
                                f"({err.filename or self.folder.text().strip()})")
            return
        super().accept()

    # -- loading ------------------------------------------------------------------------------
    def _file_loaded(self, loaded: LoadedFile) -> None:
        self._loaded[loaded.path] = loaded
        self._maybe_build()

    def _file_failed(self, path: Path, message: str) -> None:
        self._errors[path] = message
        self._maybe_build()

    def _maybe_build(self) -> None:
        if len(self._loaded) + len(self._errors) < len(self.paths):
            return
        groups: dict[tuple, list[Path]] = {}
        for path in self.paths:  # files with the same columns share one plan; a workbook with sheets to pick, its own
            if path in self._loaded:
                loaded = self._loaded[path]
                key = (tuple(loaded.columns), loaded.sheet, path if len(loaded.sheets) > 1 else None)
                groups.setdefault(key, []).append(path)
        for paths in groups.values():
            self._add_preview(self._loaded[paths[0]], paths[1:])
        for path, message in self._errors.items():
            label = QLabel(f"<b>{path.name}</b> cannot be read:<br>{message}")
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.tabs.addTab(label, f"⚠ {path.name}")
        self.stack.setCurrentIndex(1)
        self._set_ready(bool(groups))
        if self._plan is not None and groups:
            self.apply_plan(self._plan)
        if self._errors:
            self.not_queued_note.setText(not_queued_text(self._errors, len(self.paths)))
            self.not_queued_note.setVisible(True)
            queued = len(self.paths) - len(self._errors)
            self.run_button.setText(f"Queue {queued} of {len(self.paths)} files" if queued else "Queue")

    def _add_preview(self, loaded: LoadedFile, extra: list[Path], index: int | None = None) -> FilePreview:
        preview = FilePreview(loaded, extra)
        preview.set_options(self.country.country(), self.accents.isChecked())
        preview.sheet_chosen.connect(lambda sheet, p=preview: self._load_sheet(p, sheet))
        paths = preview.paths
        title = paths[0].name + (f" + {len(paths) - 1} more" if len(paths) > 1 else "")
        index = self.tabs.insertTab(self.tabs.count() if index is None else index, preview, title)
        self.tabs.setTabToolTip(index, "\n".join(str(p) for p in paths))
        return preview

    def _load_sheet(self, preview: FilePreview, sheet: str) -> None:
        """Read another sheet of the preview's workbook in the background, then show it in its tab."""
        self._set_ready(False)
        run_task(load_preview, preview.file.path, sheet,
                 on_done=lambda loaded: self._sheet_loaded(preview, loaded),
                 on_error=lambda msg: self._sheet_failed(preview, msg), context=self)

    def _sheet_loaded(self, old: FilePreview, loaded: LoadedFile) -> None:
        index = self.tabs.indexOf(old)
        if index >= 0:
            self.tabs.removeTab(index)
            self.tabs.setCurrentWidget(self._add_preview(loaded, old.paths[1:], index))
            old.deleteLater()
        self._set_ready(True)

    def _sheet_failed(self, preview: FilePreview, message: str) -> None:
        self._set_ready(True)
        preview.sheet_combo.blockSignals(True)
        preview.sheet_combo.setCurrentText(preview.file.sheet or "")
        preview.sheet_combo.blockSignals(False)
        preview.sheet_combo.setEnabled(True)
        QMessageBox.warning(self, "normdesk", message)

    def _set_ready(self, ready: bool) -> None:
        for widget in (self.run_button, self.save_plan_button, self.load_plan_button):
            widget.setEnabled(ready)
        if ready:
            self.run_button.setDefault(True)  # Return queues

    # -- options and plans --------------------------------------------------------------------
    def _options_changed(self) -> None:
        for preview in self.previews():
            preview.set_options(self.country.country(), self.accents.isChecked())

    def _current_preview(self) -> FilePreview | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, FilePreview) else (self.previews() or [None])[0]

    def _save_plan(self) -> None:
        preview = self._current_preview()
        if preview is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save plan", str(preview.file.path.with_suffix(".plan.json")), "normdesk plan (*.json)"
        )
        if path:
            self.save_plan(Path(path))

    def _load_plan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load plan", "", "normdesk plan (*.json)")
        if path:
            self.load_plan(Path(path))

    def save_plan(self, path: Path) -> None:
        preview = self._current_preview()
        try:
            preview.plan(self.format.currentText()).with_options(
                safe_formulas=self.safe_formulas.isChecked()).save(path)
        except (OSError, InputError) as err:
            QMessageBox.warning(self, "normdesk", f"Cannot save the plan: {err}")

    def load_plan(self, path: Path) -> bool:
        """Apply a saved plan to the current tab (and its options to the dialog)."""
        preview = self._current_preview()
        try:
            plan = Plan.load(path)
            plan.check_columns(preview.file.columns)
        except InputError as err:
            QMessageBox.warning(self, "normdesk", str(err))
            return False
        self.apply_plan(plan)
        return True

    def apply_plan(self, plan: Plan) -> None:
        """A plan's columns to the current tab, its options (and value overrides) to the dialog."""
        self._values = plan.values
        preview = self._current_preview()
        preview.apply_plan(plan)
        preview.set_country(plan.country)
        self.accents.setChecked(plan.preserve_accents)
        self.format.setCurrentText(plan.output_format)
        self.safe_formulas.setChecked(plan.safe_formulas)


def not_queued_text(errors: dict[Path, str], total: int) -> str:
    """The dialog's note on the files it will not queue: each name and its one-line reason."""
    files = "file" if len(errors) == 1 else "files"
    head = f"{len(errors)} of {total} {files} cannot be read and will not be queued:" if total > 1 else \
        "This file cannot be read and will not be queued:"
    return head + "".join(f"<br>• <b>{escape(p.name)}</b>: {escape(m)}" for p, m in errors.items())
