"""A searchable country combo: every region phonenumbers supports, by name and code."""

from __future__ import annotations

from functools import cache

import phonenumbers
from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from normdesk.settings import DEFAULTS


@cache
def countries() -> list[tuple[str, str]]:
    """(code, "Name (CC)") for every supported region, sorted by name."""
    out = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory != QLocale.Country.AnyTerritory else code
        out.append((code, f"{name} ({code})"))
    return sorted(out, key=lambda item: item[1].casefold())


class CountryCombo(QComboBox):
    """Type a few letters of a name or a code; ``country()`` is always a valid region code."""

    country_changed = Signal(str)

    def __init__(self, country: str = DEFAULTS.country, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code, label in countries():
            self.addItem(label, code)
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self._country = ""
        self.set_country(country)
        self.currentIndexChanged.connect(self._index_changed)
        self.lineEdit().editingFinished.connect(self._restore_text)
        self.setMinimumContentsLength(22)

    def country(self) -> str:
        return self._country

    def set_country(self, code: str) -> None:
        index = self.findData(code.upper())
        if index >= 0:
            self.setCurrentIndex(index)
            self._index_changed(index)

    def _index_changed(self, index: int) -> None:
        code = self.itemData(index)
        if code and code != self._country:
            self._country = code
            self.country_changed.emit(code)

    def _restore_text(self) -> None:
        """Typed text that names no country goes back to the current choice."""
        text = self.currentText().strip()
        index = self.findText(text, Qt.MatchFlag.MatchFixedString)
        if index < 0 and len(text) == 2:
            index = self.findData(text.upper())
        self.setCurrentIndex(index if index >= 0 else self.findData(self._country))
        self.setEditText(self.itemText(self.currentIndex()))
