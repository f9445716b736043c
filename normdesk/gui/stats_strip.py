"""The statistics always in sight: total, completed, failed, processing, success rate, workers."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

FIELDS = (("total", "Total"), ("completed", "Completed"), ("failed", "Failed"), ("processing", "Processing"))


class StatsStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(18)
        self.labels: dict[str, QLabel] = {}
        for key, _ in (*FIELDS, ("success_rate", ""), ("workers", "")):
            self.labels[key] = QLabel()
            lay.addWidget(self.labels[key])
        self.set_stats(None, 0, 0)

    def set_stats(self, stats: Any | None, busy: int, workers: int) -> None:
        for key, title in FIELDS:
            value = getattr(stats, key, 0) if stats is not None else 0
            self.labels[key].setText(f"{title} <b>{value:,}</b>")
        finished = getattr(stats, "completed", 0) + getattr(stats, "failed", 0) if stats is not None else 0
        rate = stats.success_rate if finished else None
        self.labels["success_rate"].setText(f"Success rate <b>{'—' if rate is None else f'{rate:.0%}'}</b>")
        self.labels["workers"].setText(f"Workers busy <b>{busy} of {workers}</b>")
