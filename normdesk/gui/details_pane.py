"""The details of the selected job: per-column chart, column profile, invalid samples, the plan,
open buttons and "Export report..." (the HTML quality report)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine.errors import NormdeskError
from normdesk.engine.quality_report import write_report
from normdesk.engine.report import Report
from normdesk.gui.column_chart import ColumnChart
from normdesk.gui.profile_view import ProfileView, set_rows
from normdesk.gui.job_model import duration_of, format_duration, status_of, sync_of, sync_sentence
from normdesk.settings import DEFAULTS


_WARNING = "color: #8a5a00; background: #fff4d6; padding: 6px;"


def dedupe_sentence(report: dict) -> str:
    """What a finished dedupe job found ("" for other jobs)."""
    if report.get("kind") != "dedupe":
        return ""
    return (f"{report['rows']:,} rows → {report['clusters']:,} clusters ({report['rows_in_clusters']:,} rows share "
            f"one); {report['pairs_compared']:,} pairs compared, {report['links']:,} links ≥ {report['threshold']}. "
            "Find duplicates (Ctrl+D) opens the clusters.")


def formula_sentence(report: dict) -> str:
    """The window's warning about cells a spreadsheet would run as formulas ("" when none)."""
    cells = report.get("formula_cells") or {}
    if not cells:
        return ""
    total = sum(cells.values())
    where = ", ".join(f"{name} ({n:,})" for name, n in cells.items())
    cells_word, them = ("cell", "it") if total == 1 else ("cells", "them")
    if report.get("safe_formulas"):
        return (f"⚠ {total:,} {cells_word} began like a spreadsheet formula in {where}: prefixed with ' so "
                "that a spreadsheet shows them as text.")
    return (f"⚠ {total:,} {cells_word} {'begins' if total == 1 else 'begin'} like a spreadsheet formula in "
            f"{where}. Excel or LibreOffice may run {them} when the output is opened: queue it again with "
            "\"Protect against spreadsheet formulas\".")


class PathLabel(QLabel):
    """A path that fits its width: elided in the middle, the whole path in the tool tip."""

    def __init__(self) -> None:
        super().__init__()
        self._path = ""
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_path(self, path: str) -> None:
        self._path = path
        self.setToolTip(path)
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._path, Qt.TextElideMode.ElideMiddle, max(self.width(), 40)))


MAX_COLUMN_WIDTH = 120


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; margin-top: 8px;")
    return label


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.verticalHeader().setDefaultSectionSize(22)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    set_rows(table, rows)
    table.resizeColumnsToContents()
    for c in range(table.columnCount() - 1):  # the last column (the reason) keeps room; the cut text is in the tooltips
        table.setColumnWidth(c, min(table.columnWidth(c), MAX_COLUMN_WIDTH))
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(len(rows))) + 4
    table.setFixedHeight(min(max(height, 60), 240))


class JobDetails(QWidget):
    """Shows one job (``show_job``), or an invitation to select one."""

    open_output = Signal(str)
    show_folder = Signal(str)
    retry_upload = Signal(str)  # job id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._job: Any = None
        self.stack = QStackedWidget()
        empty = QLabel("Select a job to see its report.")
        empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty.setStyleSheet("color: #5f6368;")
        self.stack.addWidget(empty)

        body = QWidget()
        lay = QVBoxLayout(body)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = QFormLayout()
        self.facts.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._fact_labels: dict[str, QLabel] = {}
        self.input_label, self.output_label = PathLabel(), PathLabel()
        for key in ("Status", "Input", "Output", "Rows", "Duration", "Error", "Sync"):
            value = {"Input": self.input_label, "Output": self.output_label}.get(key) or QLabel()
            if key not in ("Input", "Output"):
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._fact_labels[key] = value
            self.facts.addRow(key + ":", value)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open output")
        self.folder_button = QPushButton("Show in folder")
        self.open_button.clicked.connect(lambda: self.open_output.emit(self._job.output_path))
        self.folder_button.clicked.connect(lambda: self.show_folder.emit(self._job.output_path))
        self.retry_upload_button = QPushButton("Retry upload")
        self.retry_upload_button.setToolTip("Upload this job's files to S3 again now")
        self.retry_upload_button.clicked.connect(lambda: self.retry_upload.emit(self._job.id))
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.folder_button)
        self.export_button = QPushButton("Export report...")
        self.export_button.setToolTip("Save this job's data quality report as one HTML file (charts included)")
        self.export_button.clicked.connect(self._ask_export)
        buttons.addWidget(self.retry_upload_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)

        self.formula_note = QLabel(wordWrap=True, styleSheet=_WARNING)
        self.dedupe_note = QLabel(wordWrap=True)
        self.chart_title = _section("Columns")
        self.chart = ColumnChart()
        self.profile_title = _section("Column profile")
        self.profile = ProfileView()
        self.invalid_title = _section("Invalid values (sample)")
        self.invalid_table = _table(["Row", "Column", "Value", "Reason"])
        self.plan_title = _section("Plan")
        self.plan_table = _table(["Column", "Treated as"])
        self.plan_options = QLabel()
        self.plan_options.setWordWrap(True)
        self.plan_options.setStyleSheet("color: #5f6368;")

        lay.addWidget(self.title)
        lay.addLayout(self.facts)
        lay.addLayout(buttons)
        for widget in (self.formula_note, self.dedupe_note, self.chart_title, self.chart, self.profile_title, self.profile, self.invalid_title, self.invalid_table,
                       self.plan_title, self.plan_table, self.plan_options):
            lay.addWidget(widget)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.stack.addWidget(scroll)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def job_id(self) -> str | None:
        return None if self._job is None else self._job.id

    def show_job(self, job: Any | None) -> None:
        self._job = job
        if job is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        status = status_of(job)
        self.title.setText(Path(job.input_path or job.input_key or "").name)
        facts = self._fact_labels
        attempts = f"  (attempt {job.attempts} of {job.max_attempts})" if job.attempts and status != "completed" else ""
        facts["Status"].setText(status + attempts)
        self.input_label.set_path(str(job.input_path or job.input_key or ""))
        self.output_label.set_path(str(job.output_path or ""))
        total = f"{job.total_rows:,}" if job.total_rows else "?"
        rows = f"{job.processed_rows or 0:,} of {total}"
        if status == "completed":
            rows += f" — {job.valid_rows or 0:,} valid, {job.invalid_rows or 0:,} with issues"
        facts["Rows"].setText(rows)
        facts["Duration"].setText(format_duration(duration_of(job)) or "—")
        facts["Error"].setText(job.error_message or "—")
        sync = sync_of(job)
        facts["Sync"].setText(sync_sentence(job))
        facts["Sync"].setStyleSheet("color: #b91c1c;" if sync.get("state") == "failed" else "")
        self.facts.setRowVisible(facts["Sync"], bool(sync))
        self.retry_upload_button.setVisible(sync.get("state") == "failed")
        self.retry_upload_button.setEnabled(True)
        has_output = status == "completed" and bool(job.output_path) and Path(job.output_path).exists()
        self.open_button.setEnabled(has_output)
        self.folder_button.setEnabled(bool(job.output_path) and Path(job.output_path).parent.exists())

        report = job.report or {}
        for note, text in ((self.formula_note, formula_sentence(report)), (self.dedupe_note, dedupe_sentence(report))):
            note.setText(text)
            note.setVisible(bool(text))
        columns = report.get("columns") or {}
        self.chart.set_columns(columns)
        for widget in (self.chart_title, self.chart):
            widget.setVisible(bool(columns))
        profile = report.get("profile") or {}
        self.profile.set_profile(profile, columns)
        for widget in (self.profile_title, self.profile):
            widget.setVisible(bool(profile))
        self.export_button.setEnabled(status == "completed" and bool(profile))
        samples = report.get("invalid_samples") or []
        _fill(self.invalid_table, [[f"{s.get('row', ''):,}" if isinstance(s.get("row"), int) else str(s.get("row", "")),
                                    str(s.get("column", "")), str(s.get("value", "")), str(s.get("reason", ""))]
                                   for s in samples])
        for widget in (self.invalid_title, self.invalid_table):
            widget.setVisible(bool(samples))

        plan = job.config or {}
        rows = [[name, label] for name, label in (plan.get("columns") or {}).items()]
        note = ""
        if not rows:  # the columns were detected when the job ran: the report has the result
            rows = [[name, f"{c['type']}:{c['part']}" if c.get("part") else c["type"]] for name, c in columns.items()]
            note = "Columns detected when the job ran. "
        rows += [[name, f"{label} (override)"] for name, label in (plan.get("overrides") or {}).items()]
        _fill(self.plan_table, rows)
        self.plan_table.setVisible(bool(rows))
        self.plan_options.setText(
            note + (f"Sheet {plan['sheet']} · " if plan.get("sheet") else "") + f"Country {plan.get('country', DEFAULTS.country)} · accents "
            f"{'kept' if plan.get('preserve_accents') else 'folded'} · output {plan.get('output_format', 'csv')}"
            + (" · formulas protected" if plan.get("safe_formulas") else "")
        )
        for widget in (self.plan_title, self.plan_options):
            widget.setVisible(bool(plan) and job.type != "dedupe")

    def export_report(self, path: str | Path) -> Path:
        """Write the shown job's quality report to ``path`` (.html or .json)."""
        return write_report(Report.from_dict(self._job.report), path, self._job.input_path or self._job.input_key)

    def _ask_export(self) -> None:
        suggested = Path(self._job.output_path or self._job.input_path or "report").with_suffix(".report.html")
        path, _ = QFileDialog.getSaveFileName(self, "Export report", str(suggested), "HTML report (*.html);;JSON (*.json)")
        if not path:
            return
        try:
            self.export_report(path)
        except NormdeskError as err:
            QMessageBox.warning(self, "Export report", str(err))
