"""Column profiles in the window: one row per column (filled, distinct, valid, top pattern), and
the selected column's top values, patterns, reasons and facets beside it, as figures and as
charts (``SeriesChart``: the same series as the HTML report's charts).

Reads the profile as the report dict holds it (``report["profile"]``), so a job record, a finished
run and a quick profile of a preview's sample all show the same way.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from normdesk.engine.chart_data import column_series, valid_count
from normdesk.engine.profile import ColumnProfile, profile_to_dict
from normdesk.gui.series_chart import SeriesChart

TOP = 8


def quick_profile(sample: pl.DataFrame, header: list[str]) -> dict[str, Any]:
    """The profile of a preview's sample (untyped: the figures every column has), as a report holds it."""
    profile = {}
    for key, head in zip(sample.columns, header):
        profile[key] = ColumnProfile(head)
        profile[key].add_values(sample.get_column(key))
    return profile_to_dict(profile)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "–"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def set_rows(table: QTableWidget, rows: list[list[str]]) -> None:
    """Fill a read-only table, each cell with its text as a tooltip (cut text stays readable)."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)


class ProfileView(QWidget):
    """``set_profile(report["profile"], report["columns"])``; selecting a column shows its details."""

    def __init__(self, parent: QWidget | None = None, in_pane: bool = True) -> None:
        super().__init__(parent)
        self.in_pane = in_pane  # a narrow scrolling pane: tables stacked, as tall as their rows
        self.columns = _table(["Column", "Filled", "Distinct", "Valid", "Top pattern"])
        self.detail = _table(["Of the selected column", "Count"])
        self.detail.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.charts = QWidget()
        self.chart_layout = QVBoxLayout(self.charts)
        self.chart_layout.setContentsMargins(2, 6, 2, 2)
        self.chart_layout.setSpacing(10)
        lay = QVBoxLayout(self) if in_pane else QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.columns, 3)
        lay.addWidget(self.detail, 2 if in_pane else 3)
        if in_pane:  # the pane scrolls as a whole
            lay.addWidget(self.charts)
        else:
            scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
            scroll.setWidget(self.charts)
            lay.addWidget(scroll, 3)
        self._profiles: list[dict[str, Any]] = []
        self._counts: list[dict[str, Any] | None] = []
        self.columns.itemSelectionChanged.connect(self._show_selected)

    def set_profile(self, profile: dict[str, Any], counts: dict[str, Any] | None = None) -> None:
        counts = counts or {}
        self._profiles = list(profile.values())
        self._counts = [counts.get(key) for key in profile]
        rows = []
        for key, p in profile.items():
            filled, c = p["filled"], counts.get(key)
            valid = _pct(valid_count(c), filled) if c else "–"
            patterns = sorted(p["patterns"]["items"].items(), key=lambda kv: -kv[1])
            rows.append([p["header"], _pct(filled, p["rows"]), ("" if p["distinct_exact"] else "~") + f"{p['distinct']:,}",
                         valid, patterns[0][0] if patterns else ""])
        set_rows(self.columns, rows)
        if self.in_pane:
            self.columns.setFixedHeight(self.columns.horizontalHeader().height() + 22 * len(rows) + 6)
            self.detail.setFixedHeight(self.detail.horizontalHeader().height() + 22 * 10 + 6)
        if rows:
            self.columns.selectRow(0)
        else:
            set_rows(self.detail, [])
            self._show_charts(None, None)

    def _show_selected(self) -> None:
        selected = self.columns.selectionModel().selectedRows()
        if not selected:
            return
        p = self._profiles[selected[0].row()]
        self._show_charts(p, self._counts[selected[0].row()])
        rows = [["rows / empty", f"{p['rows']:,} / {p['empty']:,}"]]
        sections = [("value", p["values"]), ("pattern", p["patterns"]), ("invalid", p["reasons"])]
        sections += list(p["facets"].items())
        for name, table in sections:
            for value, n in sorted(table["items"].items(), key=lambda kv: -kv[1])[:TOP]:
                rows.append([f"{name}: {value}", f"{n:,}"])
        set_rows(self.detail, rows)

    def _show_charts(self, p: dict[str, Any] | None, counts: dict[str, Any] | None) -> None:
        """The selected column's charts (none when nothing is selected)."""
        while (item := self.chart_layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.setParent(None)  # off screen now, not at the next deferred delete
                widget.deleteLater()
        for series in column_series(ColumnProfile.from_dict(p), counts) if p else []:
            self.chart_layout.addWidget(SeriesChart(series))
        self.chart_layout.addStretch(1)

    def chart_widgets(self) -> list[SeriesChart]:
        return [w for i in range(self.chart_layout.count()) if isinstance(w := self.chart_layout.itemAt(i).widget(), SeriesChart)]
