"""Edit -> Copy for any table of the window: its selected cells as tab-separated lines."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView


def selection_text(view: QAbstractItemView) -> str:
    """The selected cells of ``view``, row by row, a tab between the cells of a row ("" when none)."""
    cells: dict[int, dict[int, str]] = {}
    for index in view.selectionModel().selectedIndexes():
        cells.setdefault(index.row(), {})[index.column()] = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
    return "".join("\t".join(row[c] for c in sorted(row)) + "\n" for _, row in sorted(cells.items()))
