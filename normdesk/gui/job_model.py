"""The job table: a QAbstractTableModel over snapshots of the queue, with live progress."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from enum import IntEnum
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from normdesk.engine.rejects import rejects_path
from normdesk.sync.state import sync_state as sync_of  # the name the window has always used

_Index = QModelIndex | QPersistentModelIndex


class JobColumn(IntEnum):
    FILE = 0
    TYPE = 1
    STATUS = 2
    PROGRESS = 3
    VALID = 4
    INVALID = 5
    CREATED = 6
    DURATION = 7
    SYNC = 8
    ERROR = 9


HEADERS = {
    JobColumn.FILE: "File",
    JobColumn.TYPE: "Type",
    JobColumn.STATUS: "Status",
    JobColumn.PROGRESS: "Progress",
    JobColumn.VALID: "Valid",
    JobColumn.INVALID: "Invalid",
    JobColumn.CREATED: "Created",
    JobColumn.DURATION: "Duration",
    JobColumn.SYNC: "Sync",
    JobColumn.ERROR: "Error",
}

SORT_ROLE = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally (numbers, timestamps)
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 3  # progress 0..1, or None when unknown

STATUS_COLORS = {
    "pending": QColor("#6b7280"),
    "processing": QColor("#2563eb"),
    "completed": QColor("#15803d"),
    "failed": QColor("#b91c1c"),
    "cancelled": QColor("#92400e"),
}


SYNC_COLORS = {"done": QColor("#15803d"), "failed": QColor("#b91c1c"), "uploading": QColor("#2563eb")}


def status_of(job: Any) -> str:
    """The job's status as its lower-case word (works for an enum or a string)."""
    return str(getattr(job.status, "value", job.status)).lower()


def timestamp(value: Any) -> float | None:
    """Seconds since the epoch from a float, a datetime or an ISO string; None when unset."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return None


def _short_time(ts: float) -> str:
    """"14:05" today, "Nov 28 14:05" this year, else "2025-11-28"."""
    when, now = datetime.fromtimestamp(ts), datetime.now()
    if when.date() == now.date():
        return when.strftime("%H:%M:%S")
    return when.strftime("%b %d %H:%M") if when.year == now.year else when.strftime("%Y-%m-%d")




def sync_text(job: Any) -> str:
    """The Sync column: empty without S3, else "waiting", "uploading 40%", "uploaded", "upload failed"."""
    state = sync_of(job)
    kind = state.get("state")
    if kind == "uploading":
        return f"uploading {float(state.get('progress') or 0):.0%}"
    return {"pending": "waiting", "done": "uploaded", "failed": "upload failed"}.get(kind, "")


def sync_sentence(job: Any) -> str:
    """The details pane's line: where the files went, how far the upload is, or why it failed."""
    state = sync_of(job)
    kind = state.get("state")
    if kind == "done":
        keys = [k for k in (job.output_key, job.input_key) if k]
        return "Uploaded to " + ", ".join(keys) if keys else "Uploaded"
    if kind == "uploading":
        return f"Uploading {float(state.get('progress') or 0):.0%}"
    if kind == "pending":
        return "Waiting to upload"
    if kind == "failed":
        text = f"Upload failed: {state.get('error') or 'unknown reason'}"
        retry_at = timestamp(state.get("next_retry_at"))
        return text + (f" — retrying at {_short_time(retry_at)}" if retry_at else " — no more automatic retries")
    return ""


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def duration_of(job: Any, now: float | None = None) -> float | None:
    started = timestamp(job.started_at)
    if started is None:
        return None
    ended = timestamp(job.completed_at)
    if ended is None:
        ended = now if now is not None and status_of(job) == "processing" else None
    return None if ended is None else ended - started


def progress_text(done: int, total: int | None, fraction: float | None = None) -> str:
    """"rows / total"; while the total is unknown, estimated from the fraction of input read."""
    if total:
        return f"{done:,} / {total:,}"
    if done and fraction and fraction >= 0.02:
        return f"{done:,} / ≈{round(done / fraction, -3 if done > 10_000 else 0):,.0f}"
    return f"{done:,} rows" if done else ""


class JobTableModel(QAbstractTableModel):
    """One row per job, newest first. ``set_jobs`` applies a new snapshot with minimal changes;
    ``set_progress`` shows a worker's progress at once, before the queue's next snapshot."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._jobs: list[Any] = []
        self._row_of: dict[str, int] = {}
        self._live: dict[str, tuple[int, float]] = {}  # job id -> (rows done, fraction)

    # -- updates ------------------------------------------------------------------------------
    def set_jobs(self, jobs: Sequence[Any]) -> None:
        new_ids = [j.id for j in jobs]
        keep = set(new_ids)
        for row in reversed(range(len(self._jobs))):
            if self._jobs[row].id not in keep:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._jobs[row]
                self.endRemoveRows()
        old_ids = [j.id for j in self._jobs]
        present = set(old_ids)
        if [i for i in new_ids if i in present] != old_ids:  # reordered: start over
            self.beginResetModel()
            self._jobs = list(jobs)
            self.endResetModel()
        else:
            for row, job in enumerate(jobs):
                if row >= len(self._jobs) or self._jobs[row].id != job.id:
                    self.beginInsertRows(QModelIndex(), row, row)
                    self._jobs.insert(row, job)
                    self.endInsertRows()
                elif self._jobs[row] != job:
                    self._jobs[row] = job
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(JobColumn) - 1))
        self._row_of = {j.id: row for row, j in enumerate(self._jobs)}
        self._live = {i: v for i, v in self._live.items() if i in self._row_of and self._is_running(i)}

    def set_progress(self, job_id: str, rows_done: int, fraction: float) -> None:
        row = self._row_of.get(job_id)
        if row is None:
            return
        self._live[job_id] = (rows_done, fraction)
        self.dataChanged.emit(self.index(row, JobColumn.PROGRESS), self.index(row, JobColumn.DURATION))

    def tick(self) -> None:
        """Refresh the durations of running jobs (called once a second)."""
        for row, job in enumerate(self._jobs):
            if status_of(job) == "processing":
                idx = self.index(row, JobColumn.DURATION)
                self.dataChanged.emit(idx, idx)

    def _is_running(self, job_id: str) -> bool:
        return status_of(self._jobs[self._row_of[job_id]]) in ("processing", "pending")

    # -- reading ------------------------------------------------------------------------------
    def job(self, row: int) -> Any:
        return self._jobs[row]

    def job_by_id(self, job_id: str) -> Any | None:
        row = self._row_of.get(job_id)
        return None if row is None else self._jobs[row]

    def row_of(self, job_id: str) -> int | None:
        return self._row_of.get(job_id)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(JobColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(JobColumn):
            return HEADERS[JobColumn(section)]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._jobs)):
            return None
        job = self._jobs[index.row()]
        col = JobColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, col)
        if role == SORT_ROLE:
            return self._sort_value(job, col)
        if role == FRACTION_ROLE and col is JobColumn.PROGRESS:
            return self._fraction(job)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col is JobColumn.FILE:
                return str(job.input_path) + (f"\n→ {job.output_path}" if job.output_path else "")
            if col is JobColumn.ERROR and job.error_message:
                return job.error_message
            if col is JobColumn.STATUS and rejects_of(job):
                return rejects_sentence(job)
            if col is JobColumn.SYNC and sync_of(job):
                return sync_sentence(job)
            if col is JobColumn.CREATED and timestamp(job.created_at) is not None:
                return datetime.fromtimestamp(timestamp(job.created_at)).strftime("%Y-%m-%d %H:%M:%S")
        if role == Qt.ItemDataRole.ForegroundRole and col is JobColumn.STATUS:
            return QBrush(STATUS_COLORS.get(status_of(job), QColor("#374151")))
        if role == Qt.ItemDataRole.ForegroundRole and col is JobColumn.SYNC and sync_of(job).get("state") in SYNC_COLORS:
            return QBrush(SYNC_COLORS[sync_of(job)["state"]])
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (JobColumn.VALID, JobColumn.INVALID, JobColumn.DURATION):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _rows_done(self, job: Any) -> int:
        live = self._live.get(job.id)
        return max(live[0], job.processed_rows or 0) if live else (job.processed_rows or 0)

    def _fraction(self, job: Any) -> float | None:
        status = status_of(job)
        if status == "completed":
            return 1.0
        live = self._live.get(job.id)
        if live:
            return live[1]
        if status == "processing":
            return float(job.fraction)
        if job.total_rows:
            return min((job.processed_rows or 0) / job.total_rows, 1.0)
        return 0.0 if status == "processing" else None

    def _display(self, job: Any, col: JobColumn) -> str:
        if col is JobColumn.FILE:
            return Path(job.input_path).name if job.input_path else (job.input_key or "")
        if col is JobColumn.TYPE:
            return str(getattr(job.type, "value", job.type))
        if col is JobColumn.STATUS:
            status = status_of(job)
            if status == "pending" and job.attempts:
                return f"retrying ({job.attempts}/{job.max_attempts})"
            return status_text(job)
        if col is JobColumn.PROGRESS:
            return progress_text(self._rows_done(job), job.total_rows, self._fraction(job))
        if col is JobColumn.VALID:
            return f"{job.valid_rows:,}" if job.valid_rows is not None and status_of(job) == "completed" else ""
        if col is JobColumn.INVALID:
            return f"{job.invalid_rows:,}" if job.invalid_rows is not None and status_of(job) == "completed" else ""
        if col is JobColumn.CREATED:
            ts = timestamp(job.created_at)
            return "" if ts is None else _short_time(ts)
        if col is JobColumn.DURATION:
            return format_duration(duration_of(job, time.time()))
        if col is JobColumn.SYNC:
            return sync_text(job)
        if status_of(job) == "cancelled" or not job.error_message:
            return ""
        return job.error_message.splitlines()[0]

    def _sort_value(self, job: Any, col: JobColumn) -> Any:
        if col is JobColumn.PROGRESS:
            return self._fraction(job) or 0.0
        if col in (JobColumn.VALID, JobColumn.INVALID):
            value = job.valid_rows if col is JobColumn.VALID else job.invalid_rows
            return value or 0
        if col is JobColumn.CREATED:
            return timestamp(job.created_at) or 0.0
        if col is JobColumn.DURATION:
            return duration_of(job, time.time()) or 0.0
        return self._display(job, col).lower()


class JobSortProxy(QSortFilterProxyModel):
    """Sorts on SORT_ROLE, so numbers and times sort as numbers."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)


def rejects_of(job: Any) -> int:
    """How many malformed lines a completed job set aside (0 for other jobs)."""
    return int(getattr(job, "rejects", 0) or 0) if status_of(job) == "completed" else 0


def status_text(job: Any) -> str:
    """The status word, "completed with 3 rejects" for a job that set malformed lines aside."""
    n = rejects_of(job)
    return f"completed with {n:,} reject{'s' if n != 1 else ''}" if n else status_of(job)


def rejects_sentence(job: Any) -> str:
    """Where a job's malformed lines went ("" when it has none)."""
    n = rejects_of(job)
    if not n:
        return ""
    lines = "line was" if n == 1 else "lines were"
    return (f"{n:,} malformed {lines} set aside, with their line numbers and text, in "
            f"{rejects_path(Path(job.output_path))}: not in the output.")
