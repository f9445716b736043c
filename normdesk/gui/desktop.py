"""Hand a file or folder to the desktop: open it, or show it in the file manager."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices


def launch(path: str | Path) -> str:
    """Open with the user's default application: "" when it opened, else why not, in one line
    (the file is gone, or the desktop has no program for its type)."""
    path = Path(path)
    if not path.exists():
        return f"The output is not there any more: {path}"
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return ""
    kind = f"{path.suffix.lower()} files" if path.suffix else "this file"
    return f"No program is set to open {kind} on this computer"


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
