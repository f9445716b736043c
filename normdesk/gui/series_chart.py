"""One chart of a column's profile (an engine ``chart_data.Series``) drawn with QPainter: horizontal
bars with their count and share, or a value-length histogram; a tooltip on every bar.

Labels are measured with the widget's font: they sit beside the bars when the longest fits in
``LABEL_SHARE`` of the width, else on their own line above each bar, so a label is cut (with
"…", the whole of it in the tooltip) only when it is wider than the whole chart.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from normdesk.engine.chart_data import Series, share

LABEL_SHARE = 0.42
BAR_H, GAP, PLOT_H = 12, 5, 80


class SeriesChart(QWidget):
    """``set_series(series)``; its height follows the number of bars and where the labels go."""

    def __init__(self, series: Series | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series | None = None
        self._hits: list[tuple[QRectF, str]] = []  # (row area, tooltip) of the last paint
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(220)
        self.setMouseTracking(True)
        if series is not None:
            self.set_series(series)

    def set_series(self, series: Series) -> None:
        self.series = series
        self.updateGeometry()
        self.update()

    def title(self) -> str:
        s = self.series
        return "" if s is None else s.title + (" (estimated)" if s.estimated else "")

    def _value(self, count: int) -> str:
        pct = share(count, self.series.whole)
        return f"{count:,}  {pct}" if pct else f"{count:,}"

    def _beside(self, width: int) -> bool:
        fm = self.fontMetrics()
        widest = max((fm.horizontalAdvance(label or "(blank)") for label, _ in self.series.items), default=0)
        return widest + 10 <= width * LABEL_SHARE

    def _height(self, width: int) -> int:
        line = self.fontMetrics().height()
        if self.series is None:
            return line
        if self.series.kind == "lengths":
            return line + 4 + PLOT_H + line + 4
        row = BAR_H + GAP + (0 if self._beside(width) else line)
        row = max(row, line + 2)
        return line + 6 + row * len(self.series.items)

    def sizeHint(self) -> QSize:
        """As tall as the current width needs (a narrow chart wraps its labels)."""
        return QSize(340, self._height(self.width() if self.width() > 100 else 340))

    def resizeEvent(self, event) -> None:
        if self._height(event.size().width()) != event.size().height():
            self.updateGeometry()  # the layout asks sizeHint again, for this width
        super().resizeEvent(event)

    def paintEvent(self, _event) -> None:
        if self.series is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm, ink = self.fontMetrics(), self.palette().text().color()
        bold = p.font()
        bold.setBold(True)
        p.setFont(bold)
        p.setPen(ink)
        p.drawText(QRectF(0, 0, self.width(), fm.height()), Qt.AlignmentFlag.AlignLeft, self.title())
        p.setFont(self.font())
        self._hits = []
        if self.series.kind == "lengths":
            self._paint_lengths(p, fm.height() + 4)
        else:
            self._paint_bars(p, fm.height() + 6)

    def _paint_bars(self, p: QPainter, top: float) -> None:
        fm, ink, muted = self.fontMetrics(), self.palette().text().color(), QColor("#5f6368")
        items, width = self.series.items, self.width()
        beside = self._beside(width)
        values = [self._value(n) for _, n in items]
        value_w = max(fm.horizontalAdvance(v) for v in values) + 8
        left = max(fm.horizontalAdvance(label or "(blank)") for label, _ in items) + 10 if beside else 0
        line = fm.height()
        row = max(BAR_H + GAP + (0 if beside else line), line + 2)
        room = max(width - left - value_w, 20)
        most = max(n for _, n in items) or 1
        for i, ((label, n), value) in enumerate(zip(items, values)):
            y = top + i * row
            text = fm.elidedText(label or "(blank)", Qt.TextElideMode.ElideRight, (left - 8) if beside else width)
            bar_y = y + (row - GAP - BAR_H) / 2 if beside else y + line
            p.setPen(ink)
            if beside:
                p.drawText(QRectF(0, y, left - 10, row - GAP), Qt.AlignmentFlag.AlignVCenter, text)
            else:
                p.drawText(QRectF(0, y, width, line), Qt.AlignmentFlag.AlignVCenter, text)
            bar = QRectF(left, bar_y, max(room * n / most, 1), BAR_H)
            p.fillRect(bar, QColor(self.series.colour))
            p.setPen(muted)
            p.drawText(QRectF(bar.right() + 4, bar_y - (line - BAR_H) / 2, value_w, line), Qt.AlignmentFlag.AlignVCenter,
                       value)
            self._hits.append((QRectF(0, y, width, row), f"{label or '(blank)'}: {value}"))

    def _paint_lengths(self, p: QPainter, top: float) -> None:
        fm, muted = self.fontMetrics(), QColor("#5f6368")
        items = self.series.items
        most = max(n for _, n in items) or 1
        left = fm.horizontalAdvance(f"{most:,}") + 6
        slot = (self.width() - left - 2) / len(items)
        base = top + PLOT_H
        p.setPen(muted)
        p.drawText(QRectF(0, top, left - 4, fm.height()), Qt.AlignmentFlag.AlignRight, f"{most:,}")
        p.drawText(QRectF(0, base - fm.height(), left - 4, fm.height()), Qt.AlignmentFlag.AlignRight, "0")
        p.drawLine(int(left), int(base), self.width(), int(base))
        step = next(s for s in (1, 2, 5, 10, 20, 50) if s * slot >= fm.horizontalAdvance("99+") + 6 or s == 50)
        for i, (label, n) in enumerate(items):
            x = left + i * slot
            h = PLOT_H * n / most
            p.fillRect(QRectF(x + slot * 0.08, base - h, max(slot * 0.84, 1), h), QColor(self.series.colour))
            if i % step == 0:
                p.drawText(QRectF(x + slot / 2 - 20, base + 2, 40, fm.height()), Qt.AlignmentFlag.AlignHCenter, label)
            tip = f"{label} characters: {self._value(n)}"
            self._hits.append((QRectF(x, top, slot, PLOT_H + fm.height()), tip))

    def event(self, event: QEvent) -> bool:
        """Tooltip: the whole label, count and share of the bar under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            tip = self.tooltip_at(event.pos().x(), event.pos().y())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def tooltip_at(self, x: float, y: float) -> str | None:
        """The tooltip the bar at (x, y) shows (after a paint), or None."""
        return next((text for area, text in self._hits if area.contains(QPointF(x, y))), None)
