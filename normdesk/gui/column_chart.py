"""A small chart: one stacked bar per column (empty / changed / unchanged / invalid). When the column
labels do not fit beside the bars (a narrow pane, long headers), each label goes on a line of its own
above its bar, so that no label is cut."""

from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from normdesk.gui.column_plan_model import type_words

SEGMENTS = (
    ("unchanged", "already clean", QColor("#86efac")),
    ("changed", "normalized", QColor("#16a34a")),
    ("invalid", "invalid", QColor("#dc2626")),
    ("empty", "empty", QColor("#d1d5db")),
)
ROW_H, BAR_H, LEGEND_H = 24, 14, 24


class ColumnChart(QWidget):
    """``set_columns({name: {type, part, empty, changed, unchanged, invalid}})`` as in a Report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: list[tuple[str, Mapping[str, Any]]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_columns(self, columns: Mapping[str, Mapping[str, Any]]) -> None:
        self._columns = list(columns.items())
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def stacked(self) -> bool:
        """Whether the labels go above their bars (they would be cut beside them)."""
        fm = self.fontMetrics()
        return bool(self._columns) and max(fm.horizontalAdvance(self._label(n, c)) for n, c in self._columns) + 12 > self.width() // 3

    def _row_h(self) -> int:
        return ROW_H + (self.fontMetrics().height() if self.stacked() else 0)

    def sizeHint(self) -> QSize:
        return QSize(360, LEGEND_H + self._row_h() * max(len(self._columns), 1) + 4)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.setFixedHeight(self.sizeHint().height())

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        x = 0
        for _key, label, color in SEGMENTS:  # legend
            p.fillRect(QRectF(x, 6, 10, 10), color)
            p.setPen(self.palette().text().color())
            p.drawText(x + 14, 6 + fm.ascent() - 1, label)
            x += 14 + fm.horizontalAdvance(label) + 16
        if not self._columns:
            return
        stacked, row_h = self.stacked(), self._row_h()
        label_w = 0 if stacked else max(fm.horizontalAdvance(self._label(n, c)) for n, c in self._columns) + 12
        bar_w = max(self.width() - label_w - 78, 40)
        for i, (name, col) in enumerate(self._columns):
            top = LEGEND_H + i * row_h
            p.setPen(self.palette().text().color())
            if stacked:  # the label on its own line (cut in its middle only when wider than the chart)
                text = fm.elidedText(self._label(name, col), Qt.TextElideMode.ElideMiddle, self.width())
                p.drawText(QRectF(0, top, self.width(), fm.height()), Qt.AlignmentFlag.AlignLeft, text)
                top += fm.height()
            else:
                p.drawText(QRectF(0, top, label_w - 8, ROW_H), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                           self._label(name, col))
            counts = [int(col.get(key, 0) or 0) for key, _, _ in SEGMENTS]
            total = sum(counts)
            bar = QRectF(label_w, top + (ROW_H - BAR_H) / 2, bar_w, BAR_H)
            x = bar.left()
            for count, (_key, _label, color) in zip(counts, SEGMENTS):
                if total and count:
                    w = bar.width() * count / total
                    p.fillRect(QRectF(x, bar.top(), w, bar.height()), color)
                    x += w
            p.setPen(QPen(QColor("#9ca3af")))
            p.drawRect(bar)
            p.setPen(self.palette().text().color())
            ok = (counts[0] + counts[1]) / (total - counts[3]) if total - counts[3] > 0 else None
            p.drawText(
                QRectF(bar.right() + 6, top, 70, ROW_H),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                "empty" if ok is None else f"{ok:.1%} ok" if 0.99 < ok < 1 else f"{ok:.0%} ok",
            )

    @staticmethod
    def _label(name: str, col: Mapping[str, Any]) -> str:
        kind = f"{col.get('type')}:{col['part']}" if col.get("part") else str(col.get("type", ""))
        return f"{name} ({type_words(kind).lower()})" if kind else name

    def event(self, event: QEvent) -> bool:
        """Tool tip: the exact counts of the bar under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            row = int((event.pos().y() - LEGEND_H) // self._row_h())
            if 0 <= row < len(self._columns) and event.pos().y() >= LEGEND_H:
                name, col = self._columns[row]
                counts = ", ".join(f"{label} {int(col.get(key, 0) or 0):,}" for key, label, _ in SEGMENTS)
                QToolTip.showText(event.globalPos(), f"{name}: {counts}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
