"""Tell the user a job finished while the window was in the background.

A tray message when the desktop has a system tray, else a banner at the top of the window
that closes itself after a while.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSystemTrayIcon, QToolButton, QWidget

BANNER_MS = 10_000


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setStyleSheet("#banner { background: #eff6ff; border: 1px solid #93c5fd; border-radius: 4px; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self._timer = QTimer(self, singleShot=True, interval=BANNER_MS, timeout=self.hide)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()
        self._timer.start()


class Notifier:
    """``notify(title, text)``: tray message if available, else the banner."""

    def __init__(self, banner: Banner, icon: QIcon) -> None:
        self.banner = banner
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable() and not icon.isNull():
            self.tray = QSystemTrayIcon(icon, banner)
            self.tray.setToolTip("normdesk")
            self.tray.show()

    def notify(self, title: str, text: str) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, BANNER_MS)
        else:
            self.banner.show_message(f"<b>{title}</b> — {text}")
