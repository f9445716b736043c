"""The results table: a lazy model over a finished job's output (and its input, for the raw values
of the typed columns, shown before each of them). Rows are read from the files only when the view
asks for them, through ``RowIndex``; the indexes are built on pool threads while the rows appear.

Fixes are made here too: a typed cell's edit, or "keep as is", becomes a value override of the
job's plan (``Plan.with_value``); the output itself is never edited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import polars as pl
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from normdesk.engine.output_rows import OutputFrame
from normdesk.engine.plan import Plan
from normdesk.engine.results import ResultLayout, RowFilter, SheetRows, TypedColumn, matching_rows
from normdesk.engine.row_index import RowIndex
from normdesk.gui.tasks import run_task

GROW_MS = 100  # how often the row count follows the indexes while they are built
ISSUE_BRUSH = QBrush(QColor(253, 226, 226))
CHANGED_BRUSH = QBrush(QColor(255, 244, 204))
FIXED_BRUSH = QBrush(QColor(214, 240, 218))
KEEP = "(keep as is)"
CACHED_ROWS = 2048
ITALIC = QFont()
ITALIC.setItalic(True)
_DISPLAY, _EDIT, _TOOLTIP, _BACKGROUND, _FONT = (int(r) for r in (
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole))
_ROLES = frozenset((_DISPLAY, _EDIT, _TOOLTIP, _BACKGROUND, _FONT))


@dataclass(frozen=True, slots=True)
class ViewColumn:
    title: str
    output: int | None  # position in the output, or None for a "before" column
    typed: TypedColumn | None = None  # set on a typed column's "before" and "after" columns


class ResultsModel(QAbstractTableModel):
    """``output`` (a ``RowIndex`` or ``OutputFrame``) and ``before`` (or None) are unbuilt readers;
    ``start()`` builds them."""

    indexed = Signal(int)  # rows indexed so far (emitted as they grow, and when done)
    filtered = Signal(int)  # rows the current filter keeps (after a filter finished)
    filter_failed = Signal(str)
    before_dropped = Signal(str)  # the input no longer matches the output: why
    fixes_changed = Signal()

    def __init__(self, output: RowIndex | OutputFrame, before: RowIndex | SheetRows | None, layout: ResultLayout, plan: Plan,
                 input_path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.output, self.before, self.layout = output, before, layout
        self.plan, self.original_plan, self.input_path = plan, plan, input_path
        self.delimiter = output.delimiter
        self.row_filter = RowFilter()
        self._rows: pl.Series | None = None  # file rows the filter keeps (None: every row)
        self._shown = 0
        self._filter_serial = 0
        self.columns = self._columns()
        self._cache: OrderedDict[int, tuple[list[str], list[str] | None]] = OrderedDict()
        self._looks: OrderedDict[int, tuple[list[str], list[QBrush | None]]] = OrderedDict()
        self._fixes = {(v.column, v.raw): v.replacement for v in plan.values}
        self._stopped = threading.Event()
        self._timer = QTimer(self)
        self._timer.setInterval(GROW_MS)
        self._timer.timeout.connect(self._grow)

    def _columns(self) -> list[ViewColumn]:
        typed = {t.output: t for t in self.layout.typed} if self.before is not None else {}
        cols = []
        for pos, title in enumerate(self.layout.header):
            if pos in typed:
                cols.append(ViewColumn(f"{title} (before)", None, typed[pos]))
            cols.append(ViewColumn(title, pos, typed.get(pos)))
        return cols

    # -- indexing -----------------------------------------------------------------------------
    def start(self) -> None:
        for index in (self.output, self.before):
            if index is not None:
                run_task(index.build, None, self._stopped.is_set, on_done=lambda _r: self._grow(),
                         on_error=self.filter_failed.emit, context=self)
        self._timer.start()

    def stop(self) -> None:
        """Stop indexing (the window closes): the pool threads end at their next block."""
        self._stopped.set()
        self._timer.stop()

    @property
    def done(self) -> bool:
        return self.output.done and (self.before is None or self.before.done)

    def total_rows(self) -> int:
        return self.output.rows if self.before is None else min(self.output.rows, self.before.rows)

    def _grow(self) -> None:
        if self.before is not None and self.done and self.before.rows != self.output.rows:
            self._drop_before(f"the input now has {self.before.rows:,} rows, the output {self.output.rows:,}")
        if self.done and self._timer.isActive():
            self._timer.stop()
            if self._rows is not None and self._shown:  # rows a filter found before they were indexed
                self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, len(self.columns) - 1))
        total = self.total_rows()
        if self._rows is None and total > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, total - 1)
            self._shown = total
            self.endInsertRows()
        self.indexed.emit(total)

    def _drop_before(self, why: str) -> None:
        self.beginResetModel()
        self.before = None
        self._cache.clear()
        self._looks.clear()
        self.columns = self._columns()
        self.endResetModel()
        self.before_dropped.emit(why)

    # -- filters ------------------------------------------------------------------------------
    def set_filter(self, flt: RowFilter) -> None:
        """Filter in the background (after the indexes are built); the rows change when it is done."""
        self.row_filter = flt
        self._filter_serial += 1
        if not flt.active():
            self._show(None)
            return
        if flt.changed_only and self.before is None:
            self._show(pl.Series([], dtype=pl.UInt32))
            return
        serial = self._filter_serial
        scanned = self.output if isinstance(self.output, OutputFrame) else self.output.path
        run_task(matching_rows, scanned, self.delimiter, flt, self.layout, self.plan, self.input_path,
                 on_done=lambda rows: self._filtered(serial, rows), on_error=self.filter_failed.emit, context=self)

    def _filtered(self, serial: int, rows: pl.Series) -> None:
        if serial == self._filter_serial:  # a newer filter replaced this one
            self._show(rows)

    def _show(self, rows: pl.Series | None) -> None:
        self.beginResetModel()
        self._rows = rows
        self._shown = self.total_rows() if rows is None else rows.len()
        self.endResetModel()
        self.filtered.emit(self._shown)

    def visible_rows(self) -> pl.Series | None:
        """The file rows shown (None: all of them), for an export."""
        return self._rows

    def file_row(self, row: int) -> int:
        return row if self._rows is None else int(self._rows[row])

    # -- the table ----------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return f"{self.file_row(section) + 1:,}" if 0 <= section < self._shown else None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.columns[index.column()].typed is not None \
                and self.columns[index.column()].output is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _pair(self, file_row: int) -> tuple[list[str], list[str] | None]:
        """The output row and the input row (None without the input), remembered for a while."""
        pair = self._cache.get(file_row)
        if pair is None:
            out = self.output.read(file_row, 1)
            before = self.before.read(file_row, 1) if self.before is not None else []
            pair = (out[0] if out else [""] * len(self.layout.header), before[0] if before else None)
            if out and (before or self.before is None):  # a row not indexed yet is asked again later
                self._cache[file_row] = pair
                if len(self._cache) > CACHED_ROWS:
                    self._cache.popitem(last=False)
        return pair

    def cell(self, row: int, column: int) -> str:
        """The text of a cell of the file row behind view row ``row``."""
        col = self.columns[column]
        out, before = self._pair(self.file_row(row))
        if col.output is not None:
            return out[col.output] if col.output < len(out) else ""
        return before[col.typed.input] if before is not None else ""

    def raw_value(self, row: int, column: int) -> tuple[TypedColumn, str] | None:
        """The typed column and the raw value a fix of this cell applies to (the input's value, or
        the output's when the input is not shown: an invalid value is kept exactly as it was)."""
        col = self.columns[column]
        if col.typed is None:
            return None
        out, before = self._pair(self.file_row(row))
        return col.typed, before[col.typed.input] if before is not None else out[col.typed.output]

    def fix_of(self, row: int, column: int) -> str | None | bool:
        """The override of this cell's raw value: its replacement, None for "keep as is", False for none."""
        found = self.raw_value(row, column)
        return False if found is None else self._fixes.get((found[0].key, found[1]), False)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # most calls: answered before any work
            return None
        row, column = index.row(), index.column()
        if role == _DISPLAY:
            return self._look(self.file_row(row))[0][column]
        if role == _BACKGROUND:
            return self._look(self.file_row(row))[1][column]
        if role == _FONT:
            return ITALIC if self.columns[column].output is None else None
        if role == _EDIT:
            return self.cell(row, column)
        fix = self.fix_of(row, column)  # the tooltip
        if fix is not False:
            return f"Fixed: {KEEP if fix is None else fix} (re-run to apply)"
        text = self.cell(row, column)
        return self._issue_of(row, self.columns[column]) or (text if len(text) > 40 else None)

    def _look(self, file_row: int) -> tuple[list[str], list[QBrush | None]]:
        """The texts and colors of one row's cells, remembered until a fix changes them."""
        look = self._looks.get(file_row)
        if look is not None:
            return look
        out, before = self._pair(file_row)
        issues = out[self.layout.issues]
        texts, brushes = [], []
        for col in self.columns:
            text = out[col.output] if col.output is not None else before[col.typed.input] if before else ""
            brush = None
            if col.typed is not None:
                raw = before[col.typed.input] if before is not None else out[col.typed.output]
                fix = self._fixes.get((col.typed.key, raw), False) if col.output is not None else False
                if fix is not False:
                    text, brush = f"{text} → {KEEP if fix is None else fix}", FIXED_BRUSH
                elif issues and f"{self.layout.header[col.typed.output]}: " in issues \
                        and self._issue_of_text(issues, col):
                    brush = ISSUE_BRUSH
                elif col.output is not None and before is not None and text != raw:
                    brush = CHANGED_BRUSH
            texts.append(text)
            brushes.append(brush)
        look = (texts, brushes)
        if file_row not in self._cache:
            return look
        self._looks[file_row] = look
        if len(self._looks) > CACHED_ROWS:
            self._looks.popitem(last=False)
        return look

    def _issue_of(self, row: int, col: ViewColumn) -> str:
        """The reason this row's issues give for ``col``'s column ("" when none)."""
        return self._issue_of_text(self._pair(self.file_row(row))[0][self.layout.issues], col)

    def _issue_of_text(self, issues: str, col: ViewColumn) -> str:
        if col.typed is None or not issues:
            return ""
        label = f"{self.layout.header[col.typed.output]}: "
        return next((part for part in issues.split("; ") if part.startswith(label)), "")

    # -- fixes --------------------------------------------------------------------------------
    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        text = str(value)
        if text == self.cell(index.row(), index.column()) and self.fix_of(index.row(), index.column()) is False:
            return False
        return self.fix(index.row(), index.column(), text)

    def fix(self, row: int, column: int, replacement: str | None) -> bool:
        """Record that this cell's raw value is to be normalized as ``replacement`` (None: kept as is)
        when the job is re-run; every cell of the column with that raw value gets the fix."""
        found = self.raw_value(row, column)
        if found is None:
            return False
        typed, raw = found
        self.plan = self.plan.with_value(typed.key, raw, replacement)
        self._fixed()
        return True

    def unfix(self, row: int, column: int) -> bool:
        found = self.raw_value(row, column)
        if found is None or self.fix_of(row, column) is False:
            return False
        self.plan = self.plan.without_value(found[0].key, found[1])
        self._fixed()
        return True

    def new_fixes(self) -> int:
        return len(set(self.plan.values) - set(self.original_plan.values))

    def _fixed(self) -> None:
        self._fixes = {(v.column, v.raw): v.replacement for v in self.plan.values}
        self._looks.clear()
        self.dataChanged.emit(self.index(0, 0), self.index(max(0, self._shown - 1), len(self.columns) - 1))
        self.fixes_changed.emit()
