"""The results of a finished job: its output as a table (raw values beside the typed columns),
filters, search, export of the rows shown, and fixes that become value overrides of the job's plan
for a re-run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine import ColumnPlan, ColumnType, InputError, Plan
from normdesk.engine.results import ResultLayout, RowFilter, SheetRows, export_rows, input_index, open_input
from normdesk.engine.output_rows import OutputFrame, open_output
from normdesk.engine.row_index import RowIndex
from normdesk.gui.results_model import ResultsModel
from normdesk.gui.tasks import run_task
from normdesk.jobs.runner import resolve_plan

SEARCH_DELAY_MS = 300  # typing in the search box filters once the typing pauses
ANY = "Any column"


@dataclass(frozen=True, slots=True)
class LoadedResults:
    plan: Plan
    layout: ResultLayout
    output: RowIndex | OutputFrame
    before: RowIndex | SheetRows | None


def ran_plan(job: Any) -> Plan:
    """The plan the job ran with: its typed columns from its report (no detection again), the
    options and value overrides from its config; ``resolve_plan`` for a job without a report."""
    columns = (job.report or {}).get("columns")
    if not columns:
        return resolve_plan(job)
    config = {k: v for k, v in job.config.items() if k not in ("detect", "overrides")}
    return Plan.from_dict(config).with_options(
        columns={k: ColumnPlan(ColumnType(c["type"]), c.get("part")) for k, c in columns.items()})


def load_results(job: Any) -> LoadedResults:
    """The job's plan and the layout of its output (reads the headers only; off the GUI thread)."""
    output = Path(job.output_path)
    if not output.is_file():
        raise InputError(f"the output is not there any more: {output}")
    plan = ran_plan(job)
    index = open_output(output, plan.output_format, job.total_rows)
    source = open_input(plan, job.input_path)
    layout = ResultLayout.of(plan, source, index.read_header())
    return LoadedResults(plan, layout, index, input_index(source, plan.sheet) if layout.typed else None)


class ResultsView(QDialog):
    """A window of its own (not modal). ``rerun`` carries the plan with the fixes made here;
    ``rerun_with_changes`` asks for the preview with that plan."""

    rerun = Signal(object, object)  # job, Plan
    rerun_with_changes = Signal(object, object)  # job, Plan

    def __init__(self, job: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.model: ResultsModel | None = None
        self.setWindowFlag(Qt.WindowType.Window)
        self.setWindowTitle(f"Results: {Path(job.input_path).name}")
        self.resize(1200, 720)

        self.summary = QLabel(f"Opening {Path(job.output_path).name}…")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.issues_box = QCheckBox("Rows with issues")
        self.changed_box = QCheckBox("Changed only")
        self.column_combo = QComboBox()
        self.column_combo.setToolTip("Rows whose issues name this column")
        self.column_combo.addItem(ANY)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Reason contains…")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Search…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_in = QComboBox()
        self.search_in.addItem("in every column")
        self.export_button = QPushButton("Export rows…")
        self.export_button.setToolTip("Write the rows shown (with the filter) to a CSV file")

        filters = QHBoxLayout()
        for widget in (self.issues_box, self.column_combo, self.reason_edit, self.changed_box):
            filters.addWidget(widget)
        filters.addSpacing(12)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.search_in)
        filters.addWidget(self.export_button)

        self.table = QTableView()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setWordWrap(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # 10,000,000 rows: never measured one by one
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setDefaultSectionSize(150)

        self.hint = QLabel("Double-click a typed value to fix it; right-click to keep it as is. "
                           "Fixes go into the job's plan and apply when you re-run.")
        self.hint.setWordWrap(True)
        self.keep_button = QPushButton("Keep as is")
        self.keep_button.setToolTip("Treat the selected value as valid and leave it unchanged in the re-run")
        self.unfix_button = QPushButton("Undo fix")
        self.rerun_button = QPushButton("Re-run with fixes")
        self.rerun_button.setDefault(False)
        self.changes_button = QPushButton("Re-run with changes…")
        self.changes_button.setToolTip("Open the preview with this job's plan (and the fixes made here)")
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint, 1)
        for button in (self.keep_button, self.unfix_button, self.rerun_button, self.changes_button, close):
            bottom.addWidget(button)

        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        for box in (self.issues_box, self.changed_box):
            box.toggled.connect(self.apply_filter)
        for combo in (self.column_combo, self.search_in):
            combo.currentIndexChanged.connect(self.apply_filter)
        for edit in (self.reason_edit, self.search_edit):
            edit.textChanged.connect(lambda _t: self._search_timer.start())
        self.export_button.clicked.connect(self._choose_export)
        self.keep_button.clicked.connect(lambda: self.fix_selected(None))
        self.unfix_button.clicked.connect(self.unfix_selected)
        self.rerun_button.clicked.connect(lambda: self.rerun.emit(self.job, self.model.plan))
        self.changes_button.clicked.connect(lambda: self.rerun_with_changes.emit(self.job, self.plan()))
        self._set_enabled(False)
        run_task(load_results, job, on_done=self._loaded, on_error=self._failed, context=self)

    def plan(self) -> Plan | None:
        return self.model.plan if self.model is not None else None

    # -- loading ------------------------------------------------------------------------------
    def _loaded(self, loaded: LoadedResults) -> None:
        self.model = ResultsModel(loaded.output, loaded.before, loaded.layout, loaded.plan,
                                  self.job.input_path, self)
        self.table.setModel(self.model)
        self.table.selectionModel().currentChanged.connect(lambda *_a: self._update_buttons())
        for typed in loaded.layout.typed:
            self.column_combo.addItem(loaded.layout.header[typed.output])
        for title in loaded.layout.header:
            self.search_in.addItem(f"in {title}")
        self.model.indexed.connect(lambda _n: self._show_summary())
        self.model.filtered.connect(lambda _n: self._show_summary())
        self.model.filter_failed.connect(lambda msg: self.summary.setText(f"Cannot filter: {msg}"))
        self.model.before_dropped.connect(self._before_dropped)
        self.model.fixes_changed.connect(self._update_buttons)
        self.changed_box.setEnabled(loaded.before is not None)
        if loaded.before is None:
            self.changed_box.setToolTip("Needs the input file (it is gone or changed)")
        self._set_enabled(True)
        self.model.start()

    def _failed(self, message: str) -> None:
        self.summary.setText(f"Cannot show the results: {message}")

    def _before_dropped(self, why: str) -> None:
        self.changed_box.setChecked(False)
        self.changed_box.setEnabled(False)
        self.summary.setText(f"The input changed since the run ({why}): its values are not shown.")

    def _set_enabled(self, on: bool) -> None:
        for widget in (self.issues_box, self.changed_box, self.column_combo, self.reason_edit, self.search_edit,
                       self.search_in, self.export_button, self.changes_button):
            widget.setEnabled(on)
        self._update_buttons()

    def _show_summary(self) -> None:
        model = self.model
        total = model.total_rows()
        text = f"{Path(self.job.output_path).name}: {total:,} rows" + ("" if model.done else " so far (reading…)")
        text += f", {self.job.invalid_rows:,} with issues" if self.job.invalid_rows is not None else ""
        if model.row_filter.active():
            text += f". Shown: {model.rowCount():,}"
        self.summary.setText(text)

    # -- filters ------------------------------------------------------------------------------
    def current_filter(self) -> RowFilter:
        column = self.column_combo.currentText()
        where = self.search_in.currentIndex()
        return RowFilter(
            issues_only=self.issues_box.isChecked(),
            column=None if self.column_combo.currentIndex() <= 0 else column,
            reason=self.reason_edit.text().strip(),
            changed_only=self.changed_box.isChecked(),
            text=self.search_edit.text().strip(),
            search_in=where - 1 if where > 0 else None,
        )

    def apply_filter(self) -> None:
        if self.model is not None:
            flt = self.current_filter()
            if flt.active():
                self.summary.setText(f"{self.summary.text().split('. Shown:')[0]}. Filtering…")
            self.model.set_filter(flt)

    # -- export -------------------------------------------------------------------------------
    def _choose_export(self) -> None:
        suggested = Path(self.job.output_path).with_name(f"{Path(self.job.output_path).stem}.rows.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export rows", str(suggested), "CSV (*.csv)")
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        """Write the rows shown to ``path`` in the background; says how many in the summary."""
        model = self.model
        self.export_button.setEnabled(False)
        run_task(export_rows, model.output, model.visible_rows(), path, model.layout.header, ",",
                 on_done=lambda n: self._exported(path, n), on_error=self._export_failed, context=self)

    def _exported(self, path: Path, rows: int) -> None:
        self.export_button.setEnabled(True)
        self.summary.setText(f"Exported {rows:,} rows to {path}")

    def _export_failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        QMessageBox.warning(self, "normdesk", f"Cannot export: {message}")

    # -- fixes --------------------------------------------------------------------------------
    def _current(self) -> QModelIndex:
        return self.table.currentIndex()

    def fix_selected(self, replacement: str | None) -> bool:
        index = self._current()
        return index.isValid() and self.model.fix(index.row(), index.column(), replacement)

    def unfix_selected(self) -> bool:
        index = self._current()
        return index.isValid() and self.model.unfix(index.row(), index.column())

    def _update_buttons(self) -> None:
        model, index = self.model, self._current()
        typed = model is not None and index.isValid() and model.raw_value(index.row(), index.column()) is not None
        self.keep_button.setEnabled(typed)
        self.unfix_button.setEnabled(typed and model.fix_of(index.row(), index.column()) is not False)
        fixes = model.new_fixes() if model is not None else 0
        self.rerun_button.setEnabled(fixes > 0)
        self.rerun_button.setText(f"Re-run with {fixes} fix{'es' if fixes != 1 else ''}" if fixes else "Re-run with fixes")

    def _context_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid() or self.model.raw_value(index.row(), index.column()) is None:
            return
        self.table.setCurrentIndex(index)
        menu = QMenu(self)
        menu.addAction("Fix value…", lambda: self.table.edit(index))
        menu.addAction("Keep as is", lambda: self.fix_selected(None))
        if self.model.fix_of(index.row(), index.column()) is not False:
            menu.addAction("Undo fix", self.unfix_selected)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def closeEvent(self, event) -> None:
        if self.model is not None:
            self.model.stop()
        super().closeEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Find):
            self.search_edit.setFocus()
            return
        super().keyPressEvent(event)
