"""The details of the selected job: per-column chart, column profile, invalid samples, the plan,
open buttons and "Export report..." (the HTML quality report)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
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
from normdesk.gui.column_plan_model import type_words
from normdesk.gui.profile_view import ProfileView, set_rows
from normdesk.gui.job_model import (
    duration_of, format_duration, rejects_sentence, status_of, status_text, sync_of, sync_sentence,
)
from normdesk.settings import DEFAULTS, Settings


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


def fit_path(path: str, fm: QFontMetrics, width: int) -> str:
    """``path`` in ``width`` pixels: the folder is cut in its middle first, so that the file name stays
    whole; only a name too long by itself is cut (in its middle) too."""
    if fm.horizontalAdvance(path) <= width:
        return path
    folder, name = os.path.split(path)
    room = width - fm.horizontalAdvance(os.sep + name)
    if folder and room >= fm.horizontalAdvance("…" * 3):
        return fm.elidedText(folder, Qt.TextElideMode.ElideMiddle, room) + os.sep + name
    return fm.elidedText(name, Qt.TextElideMode.ElideMiddle, width)


class PathLabel(QLabel):
    """A path that fits its width (``fit_path``), the whole path in the tool tip."""

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
        self.setText(fit_path(self._path, self.fontMetrics(), max(self.width(), 40)))


MAX_COLUMN_WIDTH = 120
MAX_TABLE_HEIGHT = 320


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
    table.setWordWrap(True)  # a long reason wraps in its row instead of being cut
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().sectionResized.connect(lambda *_: _fit_height(table))
    return table


def _fit_height(table: QTableWidget) -> None:
    height = table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(table.rowCount())) + 4
    table.setFixedHeight(min(max(height, 60), MAX_TABLE_HEIGHT))


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    set_rows(table, rows)
    table.resizeColumnsToContents()
    for c in range(table.columnCount() - 1):  # the last column (the reason) keeps room; the cut text is in the tooltips
        table.setColumnWidth(c, min(table.columnWidth(c), MAX_COLUMN_WIDTH))
    _fit_height(table)


def _span(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 48:
        return f"{hours:g} hour{'s' if hours != 1 else ''}"
    days = hours / 24
    return f"{days:g} day{'s' if days != 1 else ''}"


def status_sentence(job: Any) -> str:
    """"failed", "failed after 3 attempts", "pending (attempt 2 of 3 next)": the attempt counter only
    where it says something (a job that will be tried again, or one that was tried more than once)."""
    status = status_of(job)
    if status == "completed":
        return status_text(job)  # "completed with 3 rejects"
    if status == "pending" and job.attempts:
        return f"waiting to retry (attempt {job.attempts + 1} of {job.max_attempts} next)"
    if status == "processing" and job.attempts > 1:
        return f"processing (attempt {job.attempts} of {job.max_attempts})"
    if status == "failed" and job.attempts > 1:
        return f"failed after {job.attempts} attempts"
    return status


def rows_sentence(job: Any) -> str:
    """What is known of the rows: "1,000 of 1,000 — ...", "312,000 read", or "—" when none were read."""
    status, done = status_of(job), job.processed_rows or 0
    if status == "completed":
        return f"{job.total_rows or done:,} — {job.valid_rows or 0:,} valid, {job.invalid_rows or 0:,} with issues"
    if job.total_rows:
        return f"{done:,} of {job.total_rows:,}"
    return f"{done:,} read" if done else "—"


class JobDetails(QWidget):
    """Shows one job (``show_job``), or an invitation to select one."""

    open_output = Signal(str)
    show_folder = Signal(str)
    retry_upload = Signal(str)  # job id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._job: Any = None
        self._retention: dict[str, str] = {}  # status -> what retention will do to such a job
        self._shown_id: str | None = None
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
        for key in ("Status", "Input", "Output", "Rows", "Duration", "Error", "Sync", "Kept"):
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
        self.rejects_note = QLabel(wordWrap=True, styleSheet=_WARNING)
        self.rejects_button = QPushButton("Open rejects")
        self.rejects_button.setToolTip("Open the file of malformed lines set aside (line, reason, text)")
        self.rejects_button.clicked.connect(lambda: self.open_output.emit(self._job.report["rejects_file"]))
        buttons.insertWidget(2, self.rejects_button)
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
        for widget in (self.rejects_note, self.formula_note, self.dedupe_note, self.chart_title, self.chart, self.profile_title, self.profile, self.invalid_title, self.invalid_table,
                       self.plan_title, self.plan_table, self.plan_options):
            lay.addWidget(widget)
        lay.addStretch(1)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.stack.addWidget(scroll)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)  # the pane never cuts its text
        self.setMinimumWidth(max(body.minimumSizeHint().width(), self.chart.sizeHint().width()) + bar + 4)

    def job_id(self) -> str | None:
        return None if self._job is None else self._job.id

    def set_retention(self, settings: Settings) -> None:
        """Say plainly what retention will do to a finished job and its output (Settings -> Retention)."""
        output = ("and its output file is deleted with it (if unchanged)" if settings.delete_outputs
                  else "its output file stays: normdesk never deletes it")
        self._retention = {
            "completed": f"In this list for {_span(settings.keep_completed_hours * 3600)} after it ended; {output}.",
            "failed": f"In this list for {_span(settings.keep_failed_days * 86400)} after it ended.",
            "cancelled": f"In this list for {_span(settings.keep_failed_days * 86400)} after it ended.",
        }
        if self._job is not None:
            self.show_job(self._job)

    def show_job(self, job: Any | None) -> None:
        self._job = job
        if job is None:
            self.stack.setCurrentIndex(0)
            return
        if job.id != self._shown_id:  # another job: from its top
            self.scroll.verticalScrollBar().setValue(0)
        self._shown_id = job.id
        self.stack.setCurrentIndex(1)
        status = status_of(job)
        self.title.setText(Path(job.input_path or job.input_key or "").name)
        facts = self._fact_labels
        facts["Status"].setText(status_sentence(job))
        self.input_label.set_path(str(job.input_path or job.input_key or ""))
        self.output_label.set_path(str(job.output_path or ""))
        facts["Rows"].setText(rows_sentence(job))
        facts["Kept"].setText(self._retention.get(status, ""))
        self.facts.setRowVisible(facts["Kept"], status in self._retention)
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
        rejects = rejects_sentence(job)
        for note, text in ((self.formula_note, formula_sentence(report)), (self.dedupe_note, dedupe_sentence(report)),
                           (self.rejects_note, rejects and "⚠ " + rejects)):
            note.setText(text)
            note.setVisible(bool(text))
        self.rejects_button.setVisible(bool(report.get("rejects_file")) and Path(report["rejects_file"]).exists())
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
        chosen = dict(plan.get("columns") or {})
        note = ""
        if not chosen:  # the columns were detected when the job ran: the report has the result
            chosen = {name: f"{c['type']}:{c['part']}" if c.get("part") else c["type"] for name, c in columns.items()}
            note = "Columns detected when the job ran. " if chosen else "Columns are detected when the job runs. "
        overrides = dict(plan.get("overrides") or {})
        chosen.update(overrides)
        _fill(self.plan_table, [[name, type_words(label) + (" — your choice" if name in overrides else "")]
                                for name, label in chosen.items()])
        for row, name in enumerate(chosen):
            if name in overrides:
                item = self.plan_table.item(row, 1)
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setToolTip(f"{name}: set in the preview, instead of the detected type")
        if overrides:
            note += "Bold: changed in the preview. "
        self.plan_table.setVisible(bool(chosen))
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
