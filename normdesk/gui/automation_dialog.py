"""The Automation dialog: a Schedules page and a Watched folders page over the Qt-free
``normdesk.automation`` objects; they run in the window's process (or the service) either way."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from normdesk.automation import cron
from normdesk.automation.schedules import Schedule, Scheduler, last_result
from normdesk.automation.watches import Watches
from normdesk.engine.errors import NormdeskError
from normdesk.settings import OUTPUT_FORMATS

PRESET_LABELS = {"custom": "Custom", "hourly": "Hourly", "daily": "Daily at 09:00",
                 "weekly": "Weekly on Monday at 09:00", "monthly": "Monthly on the 1st at 09:00"}


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _when(ts: float | None) -> str:
    return cron.short_time(ts) if ts else "never"


class SchedulesPage(QWidget):
    def __init__(self, scheduler: Scheduler, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scheduler = scheduler
        self.editing: Schedule | None = None
        self.table = _table(["Name", "When", "On", "Last run", "Last result"])
        self.table.itemSelectionChanged.connect(self._selected)
        self.name, self.cron, self.input, self.plan, self.output = (QLineEdit() for _ in range(5))
        self.cron.setPlaceholderText("minute hour day month weekday, e.g. 0 9 * * 1")
        self.input.setPlaceholderText("a file, a glob such as exports/*.csv, or s3://bucket/prefix")
        self.plan.setPlaceholderText("a saved plan file (empty: detect each time)")
        self.output.setPlaceholderText("output folder (empty: the settings' folder, else beside the input)")
        self.preset = QComboBox()
        for key, label in PRESET_LABELS.items():
            self.preset.addItem(label, key)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.format = QComboBox()
        self.format.addItem("the plan's, else the settings'", None)
        for fmt in OUTPUT_FORMATS:
            self.format.addItem(fmt, fmt)
        self.cron_words = QLabel()
        self.cron_words.setWordWrap(True)
        self.cron.textChanged.connect(self._cron_typed)
        cron_row = QHBoxLayout()
        cron_row.addWidget(self.preset)
        cron_row.addWidget(self.cron, 1)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Runs", cron_row)
        form.addRow("", self.cron_words)
        form.addRow("Input", self.input)
        form.addRow("Plan", self.plan)
        form.addRow("Output folder", self.output)
        form.addRow("Format", self.format)
        self.new_button, self.save_button = QPushButton("New"), QPushButton("Save")
        self.toggle_button, self.run_button, self.remove_button = (
            QPushButton("Disable"), QPushButton("Run now"), QPushButton("Remove"))
        buttons = QHBoxLayout()
        for button, slot in ((self.new_button, self.new), (self.save_button, self.save),
                             (self.toggle_button, self.toggle), (self.run_button, self.run_now),
                             (self.remove_button, self.remove)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addLayout(buttons)
        self.new()
        self.refresh()

    def refresh(self) -> None:
        keep = self.editing.id if self.editing else None
        schedules = self.scheduler.list()
        self.table.blockSignals(True)
        self.table.setRowCount(len(schedules))
        for row, s in enumerate(schedules):
            cells = (s.name, cron.summary(s.cron, s.next_run, self.scheduler.zone), "yes" if s.enabled else "no",
                     _when(s.last_run), last_result(s, self.scheduler.queue) or "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, s.id)
                self.table.setItem(row, col, item)
            if s.id == keep:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._update_buttons()

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.load(self.scheduler.get(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)))

    def load(self, schedule: Schedule | None) -> None:
        self.editing = schedule
        self.name.setText(schedule.name if schedule else "")
        self.cron.setText(schedule.cron if schedule else cron.PRESETS["weekly"])
        self.input.setText(schedule.input if schedule else "")
        self.plan.setText(schedule.plan or "" if schedule else "")
        self.output.setText(schedule.output or "" if schedule else "")
        self.format.setCurrentIndex(max(self.format.findData(schedule.output_format if schedule else None), 0))
        self._update_buttons()

    def new(self) -> None:
        self.table.clearSelection()
        self.load(None)

    def _preset_chosen(self) -> None:
        key = self.preset.currentData()
        if key in cron.PRESETS:
            self.cron.setText(cron.PRESETS[key])

    def _cron_typed(self, text: str) -> None:
        """Checked as typed: the schedule in words and its next runs, or why it is not valid."""
        preset = next((k for k, v in cron.PRESETS.items() if v == " ".join(text.split())), "custom")
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.findData(preset))
        self.preset.blockSignals(False)
        try:
            expr = cron.check(text)
        except NormdeskError as err:
            self.cron_words.setText(f"<span style='color:#b00020'>{err}</span>")
            self.save_button.setEnabled(False)
            return
        times = cron.next_times(expr, self.scheduler.clock(), 3, self.scheduler.zone)
        self.cron_words.setText(f"{cron.summary(expr, times[0], self.scheduler.zone)}"
                                f" <span style='color:gray'>(then {', '.join(cron.short_time(t, self.scheduler.zone) for t in times[1:])})</span>")
        self.save_button.setEnabled(True)

    def _update_buttons(self) -> None:
        editing = self.editing is not None
        for button in (self.toggle_button, self.run_button, self.remove_button):
            button.setEnabled(editing)
        self.toggle_button.setText("Disable" if not editing or self.editing.enabled else "Enable")

    def _act(self, fn, *args) -> Any:
        try:
            result = fn(*args)
        except NormdeskError as err:
            QMessageBox.warning(self, "normdesk", str(err))
            return None
        if isinstance(result, Schedule):
            self.editing = result
        self.refresh()
        return result

    def save(self) -> Schedule | None:
        fields = dict(name=self.name.text().strip() or "schedule", cron=self.cron.text(), input=self.input.text().strip(),
                      plan=self.plan.text().strip() or None, output=self.output.text().strip() or None,
                      output_format=self.format.currentData())
        if self.editing is None:
            return self._act(lambda: self.scheduler.add(fields.pop("name"), fields.pop("cron"), fields.pop("input"), **fields))
        return self._act(self.scheduler.save, self.editing, **fields)

    def toggle(self) -> None:
        self._act(self.scheduler.set_enabled, self.editing.id, not self.editing.enabled)
        self._update_buttons()

    def run_now(self) -> None:
        schedule = self._act(self.scheduler.run_now, self.editing.id)
        if schedule is not None and schedule.last["error"]:
            QMessageBox.warning(self, "normdesk", f"The run failed: {schedule.last['error']}")

    def remove(self) -> None:
        self._act(self.scheduler.remove, self.editing.id)
        self.new()
        self.refresh()


class WatchesPage(QWidget):
    def __init__(self, watches: Watches, polling: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.watches = watches
        self.polling = polling  # watch id -> bool, when this process runs the watches
        self.table = _table(["Folder", "Pattern", "Output", "Processed", "Failed", "Waiting", "Noticed by"])
        self.folder, self.pattern, self.plan, self.output = (QLineEdit() for _ in range(4))
        self.pattern.setText("*.csv")
        self.plan.setPlaceholderText("a saved plan file (empty: detect each file)")
        self.output.setPlaceholderText("output folder (empty: FOLDER/normalized)")
        form = QFormLayout()
        form.addRow("Folder", self.folder)
        form.addRow("Pattern", self.pattern)
        form.addRow("Plan", self.plan)
        form.addRow("Output folder", self.output)
        note = QLabel("Files already in the folder are processed too. Each file is moved to FOLDER/done "
                      "when its job has ended (FOLDER/failed, with a reason file, when it failed).")
        note.setWordWrap(True)
        self.add_button, self.remove_button = QPushButton("Watch folder"), QPushButton("Stop watching")
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        items = self.watches.list()
        self.table.setRowCount(len(items))
        for row, w in enumerate(items):
            c = self.watches.counts(w)
            mode = "another process" if self.polling is None else ("polling" if self.polling(w.id) else "file events")
            cells = (w.folder, w.pattern, str(w.output_dir), str(c["processed"]), str(c["failed"]), str(c["waiting"]), mode)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, w.id)
                if 3 <= col <= 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)

    def add(self) -> None:
        try:
            self.watches.add(self.folder.text().strip(), self.pattern.text().strip() or "*.csv",
                             self.plan.text().strip() or None, self.output.text().strip() or None)
        except NormdeskError as err:
            QMessageBox.warning(self, "normdesk", str(err))
            return
        self.folder.clear()
        self.refresh()

    def remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.watches.remove(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))
            self.refresh()


class AutomationDialog(QDialog):
    """``activity``: one line on what the service did while the window was closed ("" for nothing)."""

    def __init__(self, scheduler: Scheduler, watches: Watches, polling: Any = None, activity: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Schedules and watched folders")
        self.resize(980, 640)
        self.tabs = QTabWidget()
        self.schedules = SchedulesPage(scheduler)
        self.folders = WatchesPage(watches, polling)
        self.tabs.addTab(self.schedules, "Schedules")
        self.tabs.addTab(self.folders, "Watched folders")
        lay = QVBoxLayout(self)
        if activity:
            lay.addWidget(QLabel(f"While the window was closed: {activity}."))
        lay.addWidget(self.tabs, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setInterval(2000)
        self._timer.timeout.connect(self._refresh)
        self._timer.start()
        self._rev = scheduler.store.revision()

    def _refresh(self) -> None:
        rev = self.schedules.scheduler.store.revision()
        if rev != self._rev:
            self._rev = rev
            self.schedules.refresh()
        self.folders.refresh()  # counts change with the folder too
