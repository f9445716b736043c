"""How long the Qt event loop stops answering: a timer due every ``interval_ms`` notes how late each
tick comes; a tick late by more than the interval means the loop was busy (a pause) that long.

    probe = LatencyProbe(); probe.start(); ...run the event loop...; probe.stop(); probe.summary()

Use it for any window (the job table, the results view): the same probe, the same figures.
"""

from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QObject, Qt, QTimer


class LatencyProbe(QObject):
    def __init__(self, interval_ms: int = 5, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self.pauses_ms: list[float] = []  # how late each tick was, in ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0

    def start(self) -> None:
        self.pauses_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.pauses_ms.append(max(0.0, (now - self._last - self.interval) * 1000))
        self._last = now

    def percentile(self, q: float) -> float:
        if not self.pauses_ms:
            return 0.0
        ordered = sorted(self.pauses_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]

    def summary(self) -> dict[str, float]:
        return {"ticks": len(self.pauses_ms), "p50_ms": round(statistics.median(self.pauses_ms or [0]), 1),
                "p99_ms": round(self.percentile(99), 1), "max_ms": round(max(self.pauses_ms or [0]), 1)}
