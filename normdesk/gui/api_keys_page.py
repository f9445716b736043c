"""Settings -> API keys: "Allow other programs to use normdesk" (the window runs the API on
127.0.0.1 while it is open) with its port and state, and the keys the API accepts. A new key is
shown once, to copy; afterwards only its name, permissions and state are known (the store keeps a hash)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from normdesk.api.keys import PERMISSIONS, KeyStore, parse_duration
from normdesk.engine.errors import InputError
from normdesk.settings import DEFAULTS, Settings

EXPIRIES = (("Never", "never"), ("30 days", "30d"), ("90 days", "90d"), ("1 year", "365d"))


class ApiKeysPage(QWidget):
    def __init__(self, store: KeyStore | None = None, parent: QWidget | None = None,
                 settings: Settings = DEFAULTS) -> None:
        super().__init__(parent)
        self.store = store or KeyStore()
        self.enabled = QCheckBox("Allow other programs to use normdesk")
        self.enabled.setChecked(settings.api_enabled)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(settings.api_port)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(self.state.textInteractionFlags() | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_state("")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Name", "Permissions", "State", "Expires"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.clicked.connect(self.revoke_selected)

        self.name = QLineEdit()
        self.name.setPlaceholderText("what the key is for, e.g. crm-export")
        self.permissions = {p: QCheckBox(p) for p in PERMISSIONS}
        self.permissions["read"].setChecked(True)
        self.expires = QComboBox()
        for label, value in EXPIRIES:
            self.expires.addItem(label, value)
        self.create_button = QPushButton("Create key")
        self.create_button.clicked.connect(self.create_key)
        self.new_key = QLineEdit()
        self.new_key.setReadOnly(True)
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.new_key.text()))
        self.shown = QLabel()
        self.shown.setWordWrap(True)
        self._show_key("")

        boxes = QHBoxLayout()
        for box in self.permissions.values():
            boxes.addWidget(box)
        boxes.addStretch()
        key_row = QHBoxLayout()
        key_row.addWidget(self.new_key)
        key_row.addWidget(self.copy_button)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Permissions:", boxes)
        form.addRow("Expires:", self.expires)
        form.addRow("", self.create_button)
        form.addRow("New key:", key_row)
        form.addRow("", self.shown)
        revoke_row = QHBoxLayout()
        revoke_row.addStretch()
        revoke_row.addWidget(self.revoke_button)
        port_row = QHBoxLayout()
        port_row.addWidget(self.enabled)
        port_row.addStretch()
        port_row.addWidget(QLabel("on 127.0.0.1, port"))
        port_row.addWidget(self.port)
        lay = QVBoxLayout(self)
        lay.addLayout(port_row)
        lay.addWidget(self.state)
        lay.addWidget(self.table)
        lay.addLayout(revoke_row)
        lay.addLayout(form)
        self.refresh()

    def show_state(self, state: str) -> None:
        """What the window's API is doing now (its address, or why it is off)."""
        self.state.setText(state or "While the window is open, programs on this computer can submit files and "
                                    "follow jobs over HTTP with one of these keys (docs at /docs). "
                                    "The command normdesk serve does the same without the window.")

    def refresh(self) -> None:
        keys = self.store.list()
        self.table.setRowCount(len(keys))
        for row, key in enumerate(keys):
            data = key.to_dict()
            expires = datetime.fromtimestamp(key.expires_at).strftime("%Y-%m-%d") if key.expires_at else "never"
            for col, text in enumerate((key.name, ", ".join(key.permissions), data["state"], expires)):
                item = QTableWidgetItem(text)
                item.setData(256, key.id)  # Qt.UserRole
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()

    def _show_key(self, key: str) -> None:
        self.new_key.setText(key)
        self.copy_button.setEnabled(bool(key))
        self.shown.setText("Copy the key now: it is not shown again. Programs send it as "
                           "Authorization: Bearer <key>." if key else "")

    def create_key(self) -> str | None:
        chosen = [p for p, box in self.permissions.items() if box.isChecked()]
        try:
            _, key = self.store.create(self.name.text(), chosen, parse_duration(self.expires.currentData()))
        except InputError as err:
            QMessageBox.warning(self, "normdesk", str(err))
            return None
        self.name.clear()
        self._show_key(key)
        self.refresh()
        return key

    def revoke_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        try:
            self.store.revoke(self.table.item(row, 0).data(256))
        except InputError as err:  # already revoked or expired
            QMessageBox.information(self, "normdesk", str(err))
        self._show_key("")
        self.refresh()
