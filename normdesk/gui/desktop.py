"""Hand a file or folder to the desktop: open it, or show it in the file manager."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def open_path(path: str | Path) -> bool:
    """Open with the user's default application; False when the file is gone."""
    path = Path(path)
    return path.exists() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def show_in_folder(path: str | Path) -> bool:
    """Select the file in the file manager where the platform allows, else open its folder."""
    path = Path(path)
    if not path.parent.exists():
        return False
    if sys.platform == "win32" and path.exists():
        return QProcess.startDetached("explorer.exe", [f"/select,{path}"])[0]
    if sys.platform == "darwin" and path.exists():
        return QProcess.startDetached("open", ["-R", str(path)])[0]
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
