"""A read-only table model over a few rows of text (the preview's sample and before/after)."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

_Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """``set_rows(headers, rows, colors)``: rows of cells (None shows empty); ``colors`` gives an
    optional text color per row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[Sequence[Any]] = []
        self._colors: list[str | None] = []

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], colors: Sequence[str | None] = ()) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        self._rows = list(rows)
        self._colors = list(colors) or [None] * len(self._rows)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self._rows[index.row()]
            value = row[index.column()] if index.column() < len(row) else None
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.ForegroundRole and self._colors[index.row()]:
            return QBrush(QColor(self._colors[index.row()]))
        return None
