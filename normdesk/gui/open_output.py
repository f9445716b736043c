"""Opening a job's output from the window: when the desktop cannot open it, say why in one line and
offer the next steps ("Show in folder", "Copy path"), each with a fallback of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from normdesk.gui.desktop import launch, show_in_folder


def copy_path(path: str | Path) -> str:
    """Put ``path`` on the clipboard; the sentence that says so."""
    QGuiApplication.clipboard().setText(str(path))
    return f"Copied the path to the clipboard: {path}"


def reveal(path: str | Path, say: Callable[[str], None]) -> bool:
    """Show the file in its folder; when no file manager opens, copy its path instead and say so."""
    if show_in_folder(path):
        return True
    say("No file manager opened the folder. " + copy_path(path))
    return False


def open_output(parent: QWidget, path: str | Path, say: Callable[[str], None]) -> QMessageBox | None:
    """Open ``path``; None when it opened, else the (non-modal) box that says why and offers
    "Show in folder" and "Copy path". ``say`` shows a one-line status."""
    problem = launch(path)
    if not problem:
        return None
    box = QMessageBox(QMessageBox.Icon.Warning, "Open output", problem + ".", QMessageBox.StandardButton.Close, parent)
    box.setInformativeText(f"The file is at {path}" if Path(path).exists() else f"It was written to {path}")
    folder = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
    copy = box.addButton("Copy path", QMessageBox.ButtonRole.ActionRole)
    folder.setEnabled(Path(path).parent.exists())
    box.setDefaultButton(folder if folder.isEnabled() else copy)

    def clicked(button) -> None:
        if button is folder:
            reveal(path, say)
        elif button is copy:
            say(copy_path(path))

    box.buttonClicked.connect(clicked)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
