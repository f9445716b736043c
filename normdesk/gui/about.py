"""Help -> About: the versions of normdesk and of what it runs on, and the data folder."""

from __future__ import annotations

import html
import platform
from pathlib import Path

import polars
import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from normdesk import __version__


def versions() -> dict[str, str]:
    return {"normdesk": __version__, "Python": platform.python_version(), "Qt": qVersion(),
            "PySide6": PySide6.__version__, "polars": polars.__version__}


def about_text(home: Path) -> str:
    rows = "".join(f"<tr><td>{name}</td><td><b>{html.escape(v)}</b></td></tr>" for name, v in versions().items())
    return (f"<p>normdesk cleans contact files on this computer: names, emails, phones and addresses.</p>"
            f"<table cellspacing='4'>{rows}</table>"
            f"<p>Data folder (the job queue, settings and downloads):<br><code>{html.escape(str(home))}</code></p>")


def show_about(parent: QWidget, home: Path) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About normdesk", about_text(home), QMessageBox.StandardButton.Close, parent)
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
