"""Tell the user a job finished while the window was in the background.

A tray message when the desktop has a system tray, else a banner floating over the top of the
window that closes itself after a while: it covers what is under it for a moment and never moves
it, so a click meant for a row of the job table lands on that row.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSystemTrayIcon, QToolButton, QWidget

BANNER_MS = 10_000


BANNER_WIDTH = 720
BANNER_MARGIN = 8


class Banner(QFrame):
    """A message over the top of ``parent``, outside its layout; it follows the parent's width."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        parent.installEventFilter(self)
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
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        width = max(min(parent.width() - 2 * BANNER_MARGIN, BANNER_WIDTH), 120)
        height = self.layout().totalHeightForWidth(width) if self.layout().hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry((parent.width() - width) // 2, BANNER_MARGIN, width, height)


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
