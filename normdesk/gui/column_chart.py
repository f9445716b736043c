"""A small chart: one stacked bar per column (already clean / normalized / with a warning / invalid / empty).
When the column labels do not fit beside the bars (a narrow pane, long headers), each label goes on a
line of its own above its bar, so that no label is cut."""

from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from normdesk.gui.column_plan_model import type_words

SEGMENTS = (
    ("unchanged", "already clean", QColor("#86efac")),
    ("changed", "normalized", QColor("#16a34a")),
    ("warning", "with warning", QColor("#f59e0b")),
    ("invalid", "invalid", QColor("#dc2626")),
    ("empty", "empty", QColor("#d1d5db")),
)
ROW_H, BAR_H, LEGEND_ROW = 24, 14, 20


class ColumnChart(QWidget):
    """``set_columns({name: {type, part, empty, changed, unchanged, warning, invalid}})`` as in a Report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: list[tuple[str, Mapping[str, Any]]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_columns(self, columns: Mapping[str, Mapping[str, Any]]) -> None:
        self._columns = list(columns.items())
        self.setFixedHeight(self._height(self.width() if self.width() > 100 else 360))
        self.update()

    def stacked(self, width: int | None = None) -> bool:
        """Whether the labels go above their bars (they would be cut beside them)."""
        fm = self.fontMetrics()
        width = self.width() if width is None else width
        return bool(self._columns) and max(fm.horizontalAdvance(self._label(n, c)) for n, c in self._columns) + 12 > width // 3

    def _row_h(self, width: int | None = None) -> int:
        return ROW_H + (self.fontMetrics().height() if self.stacked(width) else 0)

    def sizeHint(self) -> QSize:
        """As tall as the current width needs (a narrow chart wraps its labels)."""
        return QSize(360, self._height(self.width() if self.width() > 100 else 360))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        needed = self._height(event.size().width())
        if needed != event.size().height():
            self.setFixedHeight(needed)  # as tall as this width needs (labels above bars, a wrapped legend)

    def _legend(self, width: int) -> list[tuple[float, float, str, QColor]]:
        """(x, y, label, colour) of the outcomes some column has (all four when none has any), wrapped to ``width``."""
        fm = self.fontMetrics()
        shown = [seg for seg in SEGMENTS if any(c.get(seg[0]) for _, c in self._columns)] or [
            seg for seg in SEGMENTS if seg[0] != "warning"]
        out, x, y = [], 0.0, 6.0
        for _key, label, color in shown:
            w = 14 + fm.horizontalAdvance(label) + 16
            if x and x + w - 16 > width:
                x, y = 0.0, y + LEGEND_ROW
            out.append((x, y, label, color))
            x += w
        return out

    def _legend_h(self, width: int) -> float:
        return self._legend(width)[-1][1] + LEGEND_ROW - 2

    def _height(self, width: int) -> int:
        return int(self._legend_h(width) + self._row_h(width) * max(len(self._columns), 1) + 4)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        for x, y, label, color in self._legend(self.width()):
            p.fillRect(QRectF(x, y, 10, 10), color)
            p.setPen(self.palette().text().color())
            p.drawText(QPointF(x + 14, y + fm.ascent() - 1), label)
        legend_h = self._legend_h(self.width())
        if not self._columns:
            return
        stacked, row_h = self.stacked(), self._row_h()
        label_w = 0 if stacked else max(fm.horizontalAdvance(self._label(n, c)) for n, c in self._columns) + 12
        bar_w = max(self.width() - label_w - 78, 40)
        for i, (name, col) in enumerate(self._columns):
            top = legend_h + i * row_h
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
            filled = total - counts[-1]
            ok = sum(counts[:3]) / filled if filled > 0 else None
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
            legend_h = self._legend_h(self.width())
            row = int((event.pos().y() - legend_h) // self._row_h())
            if 0 <= row < len(self._columns) and event.pos().y() >= legend_h:
                name, col = self._columns[row]
                counts = ", ".join(f"{label} {int(col.get(key, 0) or 0):,}" for key, label, _ in SEGMENTS)
                QToolTip.showText(event.globalPos(), f"{name}: {counts}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
