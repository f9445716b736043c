"""One file's preview: its first rows, the column table with overrides, before -> after.

The file is read (a sample only) and detected off the GUI thread by ``load_preview``; the
before -> after of the selected column is computed off the GUI thread too, on every change of
its type or of the options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine import FileDetection, Plan, open_source, plan_from_detection
from normdesk.engine.detect import detect_sample
from normdesk.engine.files import detected_country
from normdesk.engine.groups import group_only
from normdesk.engine.normalize import NormalizeOptions, make_normalizer
from normdesk.engine.normalize.group import make_group_normalizer
from normdesk.engine.row_count import RowCount, count_rows
from normdesk.engine.types import Outcome
from normdesk.gui.country_combo import CountryCombo
from normdesk.gui.column_plan_model import CHOICE_ROLE, ColumnPlanModel, PreviewColumn, TypeDelegate, choice_label
from normdesk.gui.profile_view import ProfileView, quick_profile
from normdesk.gui.rows_model import RowsModel
from normdesk.gui.tasks import run_task
from normdesk.settings import DEFAULTS

SAMPLE_ROWS = 1000  # read for detection
SHOWN_ROWS = 200  # shown in the sample table
BEFORE_AFTER_VALUES = 40  # distinct values shown before -> after
MAX_VALUE_WIDTH = 220  # pixels of a before, after or parts cell (the whole value is in its tool tip)

OUTCOME_COLORS = {Outcome.INVALID: "#b91c1c", Outcome.UNCHANGED: "#6b7280"}


@dataclass(frozen=True, slots=True)
class LoadedFile:
    path: Path
    header: list[str]
    columns: list[str]
    sample: pl.DataFrame
    detection: FileDetection
    sheet: str | None = None  # the Excel sheet shown
    sheets: tuple[str, ...] = ()  # every sheet of an Excel workbook


def load_preview(path: Path, sheet: str | None = None) -> LoadedFile:
    """Read the first rows of ``path`` (of ``sheet`` in a workbook, by default its first) and
    detect its columns (runs in a worker thread)."""
    with open_source(path, sheet) as source:
        sample = source.sample(SAMPLE_ROWS)
        header, columns = list(source.header), list(source.columns)
        sheet = getattr(source, "sheet", None)
    sheets = tuple(fastexcel.read_excel(path).sheet_names) if sheet is not None else ()
    return LoadedFile(path, header, columns, sample, FileDetection(str(path), *detect_sample(sample)), sheet, sheets)


def before_after(values: list[str], choice: Any, country: str, preserve_accents: bool) -> list[tuple[str, str, str, int, str]]:
    """(before, after, parts, outcome, reason) for sample values under a column choice."""
    options, series = NormalizeOptions(country, preserve_accents), pl.Series("v", values, dtype=pl.Utf8)
    if group_only(choice):  # a city, a ZIP...: shown as its group normalizes it, alone
        group = make_group_normalizer(choice.type, options, (choice.part,))
        out, comps = group.normalize({choice.part: series})[0][choice.part], ()
    else:
        normalizer = make_normalizer(choice.type, options, choice.part)
        out, comps = normalizer.normalize(series), normalizer.components()
    rows = []
    for before, rec in zip(values, out.iter_rows(named=True)):
        parts = " · ".join(f"{c}: {rec[c]}" for c in comps if rec.get(c))
        rows.append((before, rec["value"] or "", parts, int(rec["outcome"]), rec["reason"] or ""))
    return rows


class FilePreview(QWidget):
    """The preview of one file, or of several files with the same columns (one shared plan).
    ``sheet_chosen(name)``: the user picked another sheet of the workbook (the dialog reloads)."""

    sheet_chosen = Signal(str)

    def __init__(self, loaded: LoadedFile, extra_paths: list[Path] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file = loaded
        self.paths = [loaded.path, *(extra_paths or [])]
        self._options = (DEFAULTS.country, DEFAULTS.preserve_accents)  # the dialog's default country
        self._picked_country: str | None = None  # the user's choice for this file (None: as the data shows)
        self._generation = 0

        guess = loaded.detection.country
        self.country_combo = CountryCombo(self.region())
        self.country_combo.setMinimumContentsLength(16)
        self.country_combo.country_changed.connect(self._country_picked)
        self.country_note = QLabel()
        self.country_note.setStyleSheet("color: #5f6368;")
        self.country_note.setToolTip(f"{guess.evidence}" + (f"; each row's country from '{guess.column}'"
                                                            if guess.column else ""))
        self._show_country_note()

        self.sample_model = RowsModel(self)
        self.sample_model.set_rows(loaded.header, loaded.sample.head(SHOWN_ROWS).rows())
        self.sample_view = QTableView()
        self.sample_view.setModel(self.sample_model)
        self.sample_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.sample_view.horizontalHeader().setDefaultSectionSize(150)
        self.sample_view.verticalHeader().setDefaultSectionSize(22)

        self.columns_model = ColumnPlanModel(self)
        self.columns_model.set_detection(loaded.detection.columns, loaded.header)
        self.columns_view = QTableView()
        self.columns_view.setModel(self.columns_model)
        self.columns_view.setItemDelegateForColumn(PreviewColumn.USE_AS, TypeDelegate(self.columns_view))
        self.columns_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.columns_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.columns_view.setEditTriggers(
            QAbstractItemView.EditTrigger.CurrentChanged | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.columns_view.verticalHeader().setVisible(False)
        self.columns_view.verticalHeader().setDefaultSectionSize(26)
        header = self.columns_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PreviewColumn.EVIDENCE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        header.setSectionResizeMode(PreviewColumn.USE_AS, QHeaderView.ResizeMode.Fixed)
        self.columns_view.setColumnWidth(PreviewColumn.USE_AS, 200)

        self.evidence_label = QLabel()
        self.evidence_label.setWordWrap(True)
        self.evidence_label.setTextFormat(Qt.TextFormat.PlainText)
        self.evidence_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.evidence_label.setStyleSheet("color: #374151;")

        self.sheet_combo = QComboBox()
        self.sheet_combo.addItems(loaded.sheets)
        self.sheet_combo.setCurrentText(loaded.sheet or "")
        self.sheet_combo.setToolTip("The sheet of the workbook to normalize")
        self.sheet_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sheet_combo.currentTextChanged.connect(self._sheet_changed)

        self.reset_button = QPushButton("Reset to detected")
        self.reset_button.setToolTip("Use the detected type again for the selected column")
        self.reset_all_button = QPushButton("Reset all")
        for button in (self.reset_button, self.reset_all_button):  # Return queues (the dialog's default button)
            button.setAutoDefault(False)
        self.reset_button.clicked.connect(self._reset_selected)
        self.reset_all_button.clicked.connect(lambda: self.columns_model.reset())

        self.after_title = QLabel()
        self.after_title.setStyleSheet("font-weight: 600;")
        self.after_model = RowsModel(self)
        self.after_view = QTableView()
        self.after_view.setModel(self.after_model)
        self.after_view.verticalHeader().setVisible(False)
        self.after_view.verticalHeader().setDefaultSectionSize(22)
        self.after_view.horizontalHeader().setStretchLastSection(True)
        self.after_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.after_view.setWordWrap(True)  # the note (the reason a value is invalid) wraps, never cut

        self.note = note = QLabel(
            f"Same columns in {len(self.paths)} files: this plan applies to all of them." if len(self.paths) > 1
            else f"First {min(loaded.sample.height, SHOWN_ROWS):,} rows of {loaded.path.name} · counting its rows…"
        )
        note.setStyleSheet("color: #5f6368;")
        note.setWordWrap(True)
        note.setToolTip("\n".join(str(p) for p in self.paths))
        self.row_count: RowCount | None = None
        if len(self.paths) == 1:
            run_task(count_rows, loaded.path, loaded.sheet, on_done=self._counted,
                     on_error=lambda msg: self._counted(None), context=self)

        top = QWidget()
        top_lay = QVBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        note_row = QHBoxLayout()
        note_row.addWidget(note, 1)
        country_label = QLabel("Country:")
        country_label.setBuddy(self.country_combo)
        country_label.setToolTip("The region of phone numbers and addresses that do not name theirs")
        note_row.addWidget(country_label)
        note_row.addWidget(self.country_combo)
        note_row.addWidget(self.country_note)
        if len(loaded.sheets) > 1:
            sheet_label = QLabel("Sheet:")
            sheet_label.setBuddy(self.sheet_combo)
            note_row.addWidget(sheet_label)
            note_row.addWidget(self.sheet_combo)
        top_lay.addLayout(note_row)
        self.quick_profile = ProfileView(in_pane=False)
        self.quick_profile.set_profile(quick_profile(loaded.sample, loaded.header))
        self.top_tabs = QTabWidget()
        self.top_tabs.addTab(self.sample_view, "Rows")
        self.top_tabs.addTab(self.quick_profile, f"Quick profile ({loaded.sample.height:,} rows)")
        top_lay.addWidget(self.top_tabs)

        cols = QWidget()
        cols_lay = QVBoxLayout(cols)
        cols_lay.setContentsMargins(0, 0, 0, 0)
        cols_lay.addWidget(self.columns_view, 1)
        cols_lay.addWidget(self.evidence_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.reset_all_button)
        buttons.addStretch(1)
        cols_lay.addLayout(buttons)

        after = QWidget()
        after_lay = QVBoxLayout(after)
        after_lay.setContentsMargins(0, 0, 0, 0)
        after_lay.addWidget(self.after_title)
        after_lay.addWidget(self.after_view)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(cols)
        bottom.addWidget(after)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

        self.columns_view.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.sample_view.selectionModel().currentColumnChanged.connect(self._sample_column_selected)
        self.columns_model.dataChanged.connect(lambda *_: self._selection_changed())
        first_typed = next((i for i, r in enumerate(self.columns_model.rows()) if r.choice.type.typed), 0)
        self.select_column(first_typed)

    # -- public -------------------------------------------------------------------------------
    def selected_row(self) -> int:
        index = self.columns_view.currentIndex()
        return index.row() if index.isValid() else -1

    def select_column(self, row: int) -> None:
        if 0 <= row < self.columns_model.rowCount():
            self.columns_view.selectionModel().setCurrentIndex(
                self.columns_model.index(row, PreviewColumn.NAME),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def set_options(self, country: str, preserve_accents: bool) -> None:
        """The dialog's default country (for a file whose data shows none) and accents option."""
        if (country, preserve_accents) != self._options:
            self._options = (country, preserve_accents)
            self.set_country(self._picked_country)

    def region(self) -> str:
        """This file's region: the user's pick, else the file's country as its data shows it, else the default."""
        return self._picked_country or detected_country(self.file.detection, self._options[0])

    def set_country(self, code: str | None) -> None:
        """Pick the file's region (None: as its data shows it, else the default)."""
        self._picked_country = code
        self.country_combo.blockSignals(True)
        self.country_combo.set_country(self.region())
        self.country_combo.blockSignals(False)
        self._show_country_note()
        self._refresh_after()

    def plan(self, output_format: str) -> Plan:
        _, accents = self._options
        return plan_from_detection(
            self.file.detection, overrides=self.columns_model.overrides(), default_country=self._options[0],
            country=self._picked_country, preserve_accents=accents, output_format=output_format, sheet=self.file.sheet,
        )

    def apply_plan(self, plan: Plan) -> None:
        """Take a loaded plan's column choices (the caller checked that the columns exist)."""
        self.columns_model.apply_plan(dict(plan.columns))

    def _country_picked(self, code: str) -> None:
        self.set_country(None if code == detected_country(self.file.detection, self._options[0]) else code)

    def _show_country_note(self) -> None:
        guess = self.file.detection.country
        if self._picked_country:
            text = "your choice for this file"
        elif guess.code:
            text = "as the data shows" + (f", and row by row from '{guess.column}'" if guess.column else "")
        elif guess.evidence.startswith("weak"):
            text = "your default: the data's evidence is weak"
        else:
            text = "your default: the data shows no country"
        self.country_note.setText(text)

    def _counted(self, count: RowCount | None) -> None:
        self.row_count = count
        shown = f"First {min(self.file.sample.height, SHOWN_ROWS):,} rows of {self.file.path.name}"
        self.note.setText(shown + (f" · {count.words()} in all" if count is not None else ""))

    # -- before -> after ----------------------------------------------------------------------
    def _reset_selected(self) -> None:
        row = self.selected_row()
        if row >= 0:
            self.columns_model.reset([row])

    def _sheet_changed(self, name: str) -> None:
        if name and name != self.file.sheet:
            self.sheet_combo.setEnabled(False)  # until the dialog shows the new sheet
            self.sheet_chosen.emit(name)

    def _sample_column_selected(self, current, _previous) -> None:
        if current.isValid() and current.column() != self.selected_row():
            self.select_column(current.column())

    def _selection_changed(self) -> None:
        row = self.selected_row()
        self.reset_button.setEnabled(row >= 0 and self.columns_model.rows()[row].changed)
        r = self.columns_model.rows()[row] if row >= 0 else None
        self.evidence_label.setText(f"{r.header}: {r.evidence or 'no evidence'}" if r else "")
        self._refresh_after()

    def _refresh_after(self) -> None:
        row = self.selected_row()
        self._generation += 1
        if row < 0:
            return
        r = self.columns_model.rows()[row]
        choice = self.columns_model.index(row, PreviewColumn.USE_AS).data(CHOICE_ROLE)
        self.after_title.setText(f"Before → after: {r.header} as {choice_label(choice).lower()}")
        if not choice.type.typed:
            self.after_model.set_rows(["Value (left as is)"], [[v] for v in self._values(r.name)])
            return
        generation = self._generation
        run_task(
            before_after, self._values(r.name), choice, self.region(), self._options[1],
            on_done=lambda rows: self._show_after(generation, rows),
            on_error=lambda msg: self._show_after(generation, [], msg),
            context=self,
        )

    def _values(self, column: str) -> list[str]:
        series = self.file.sample.get_column(column)
        values = series.drop_nulls().filter(series.drop_nulls().str.strip_chars() != "")
        return values.unique(maintain_order=True).head(BEFORE_AFTER_VALUES).to_list()

    def _show_after(self, generation: int, rows: list, error: str = "") -> None:
        if generation != self._generation:  # a newer choice is on its way
            return
        if error:
            self.after_model.set_rows(["Error"], [[error]], ["#b91c1c"])
            return
        self.after_model.set_rows(
            ["Before", "After", "Parts", "Note"],
            [(b, a, parts, reason or ("unchanged" if o == Outcome.UNCHANGED else "")) for b, a, parts, o, reason in rows],
            [OUTCOME_COLORS.get(Outcome(o)) for *_, o, _ in rows],
        )
        self.after_view.resizeColumnsToContents()
        cap = max(min(MAX_VALUE_WIDTH, self.after_view.viewport().width() // 3), 120)
        for column in range(self.after_model.columnCount() - 1):  # the note keeps the room left
            self.after_view.setColumnWidth(column, min(self.after_view.columnWidth(column), cap))
