"""A yes/no question box whose safe answer is the default (Return never removes or quits by accident)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget, title: str, text: str, info: str, yes: str, no: str | None = None) -> bool:
    """Whether the user chose ``yes``; the other button (``no``, or Cancel) is the default."""
    refuse = QMessageBox.StandardButton.No if no else QMessageBox.StandardButton.Cancel
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Yes | refuse, parent)
    box.setInformativeText(info)
    box.button(QMessageBox.StandardButton.Yes).setText(yes)
    if no:
        box.button(refuse).setText(no)
    box.setDefaultButton(refuse)
    try:
        return box.exec() == QMessageBox.StandardButton.Yes
    finally:
        box.deleteLater()
