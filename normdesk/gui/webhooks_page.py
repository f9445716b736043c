"""Settings -> Webhooks: each webhook's delivery log (the same store as ``normdesk webhook list``),
newest attempt first, and "Retry now" for a delivery that waits for its next attempt, or that used
all its attempts ("gave up": one more attempt)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from normdesk.api.webhooks import WebhookStore

COLUMNS = ("Time", "URL", "Event", "Status", "Try", "Next retry")


def _time(at: float | None, fmt: str = "%H:%M:%S") -> str:
    """The time of day (the date in the tooltip: ``fmt`` = "%Y-%m-%d %H:%M:%S")."""
    return datetime.fromtimestamp(at).strftime(fmt) if at else ""


def _status(entry: dict) -> str:
    """The HTTP status code, or why there was none (a refused connection, a timeout)."""
    return str(entry["status"]) if entry["status"] is not None else entry["error"] or ""


class WebhooksPage(QWidget):
    retried = Signal()  # a delivery was made due now: the delivery thread should look

    def __init__(self, store: WebhookStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store or WebhookStore()
        self.hooks = QLabel()
        self.hooks.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):  # the URL and the status share what the others leave, elided
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if col in (1, 3) else
                                        QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.retry_button = QPushButton("Retry now")
        self.retry_button.setToolTip("Send the selected delivery again now, instead of at its next retry "
                                     "(or once more, when it gave up)")
        self.retry_button.clicked.connect(self.retry_selected)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.retry_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.hooks)
        lay.addWidget(self.table)
        lay.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        hooks = self.store.list()
        self.hooks.setText("\n".join(f"Webhook {h.url} ({', '.join(h.events)})" for h in hooks) if hooks else
                           "No webhooks yet: add one with the command normdesk webhook add URL --events job.completed.")
        waiting = {d["id"] for d in self.store.deliveries()}
        given_up = {d["id"] for d in self.store.given_up()}
        attempts = self.store.attempts()
        self.table.setRowCount(len(attempts))
        for row, (hook, entry) in enumerate(attempts):
            stopped = entry["deliveryId"] in given_up and entry["retryAt"] is None
            pending = stopped or (entry["deliveryId"] in waiting and entry["retryAt"] is not None)
            texts = (_time(entry["at"]), hook.url, entry["event"], _status(entry), str(entry["attempt"]),
                     "gave up" if stopped else _time(entry["retryAt"]) if pending else "")
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(_time(entry["at"], "%Y-%m-%d %H:%M:%S") if col == 0 else text)
                item.setData(256, entry["deliveryId"] if pending else None)  # Qt.UserRole: what "Retry now" retries
                self.table.setItem(row, col, item)
            waiting.discard(entry["deliveryId"])  # only its newest attempt offers "Retry now"
            given_up.discard(entry["deliveryId"])
        self._update_buttons()

    def selected_delivery(self) -> str | None:
        row = self.table.currentRow()
        return self.table.item(row, 0).data(256) if row >= 0 and self.table.item(row, 0) else None

    def _update_buttons(self) -> None:
        self.retry_button.setEnabled(self.selected_delivery() is not None)

    def retry_selected(self) -> bool:
        delivery = self.selected_delivery()
        made_due = delivery is not None and self.store.retry_now(delivery)
        if made_due:
            self.retried.emit()
        self.refresh()
        return made_due
