"""The preview's column table: detection beside the user's choice, as in Orange3's domain editor.

Each row keeps what detection proposed next to what the user chose; a changed choice shows in
bold and can be reset. The choice is edited through ``TypeDelegate`` (a combo box).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QComboBox, QStyle, QStyledItemDelegate, QStyleOptionComboBox, QWidget

from normdesk.engine.errors import InputError
from normdesk.engine.plan import ColumnPlan
from normdesk.engine.types import AddressPart, ColumnType, NamePart

_Index = QModelIndex | QPersistentModelIndex

CHOICES: tuple[tuple[ColumnPlan, str], ...] = (
    (ColumnPlan(ColumnType.UNKNOWN), "Leave as is"),
    (ColumnPlan(ColumnType.NAME), "Full name"),
    (ColumnPlan(ColumnType.NAME, NamePart.TITLE.value), "Name title"),
    (ColumnPlan(ColumnType.NAME, NamePart.FIRST.value), "First name"),
    (ColumnPlan(ColumnType.NAME, NamePart.MIDDLE.value), "Middle name"),
    (ColumnPlan(ColumnType.NAME, NamePart.LAST.value), "Last name"),
    (ColumnPlan(ColumnType.NAME, NamePart.SUFFIX.value), "Name suffix"),
    (ColumnPlan(ColumnType.EMAIL), "Email"),
    (ColumnPlan(ColumnType.PHONE), "Phone"),
    (ColumnPlan(ColumnType.ADDRESS), "Address (one line)"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.STREET.value), "Street line"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.LINE2.value), "Address line 2"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.CITY.value), "City"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.STATE.value), "State / province"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.ZIP.value), "ZIP / postal code"),
    (ColumnPlan(ColumnType.ADDRESS, AddressPart.COUNTRY.value), "Country"),
)
_LABELS = {plan: text for plan, text in CHOICES}

CHOICE_ROLE = Qt.ItemDataRole.UserRole + 1  # the ColumnPlan of the row's choice


def normalized(plan: ColumnPlan) -> ColumnPlan:
    """The same choice with the "full" part spelled as None, as CHOICES do."""
    return replace(plan, part=None) if plan.part == "full" else plan


def choice_label(plan: ColumnPlan) -> str:
    """The choice in the window's words, and the group it belongs to when named (``City @home``); a part
    the menu does not list reads "City (address)"."""
    plan = normalized(plan)
    bare = replace(plan, group=None)
    if bare in _LABELS:
        text = _LABELS[bare]
    else:
        text = f"{bare.part.replace('_', ' ').capitalize()} ({bare.type.value})" if bare.part else bare.type.value.capitalize()
    return f"{text} @{plan.group}" if plan.group else text


def type_words(label: str) -> str:
    """A plan's or a report's ``type[:part]`` in the window's words ("address:street" -> "Street line")."""
    try:
        return choice_label(ColumnPlan.parse(label))
    except InputError:
        return label


class PreviewColumn(IntEnum):
    NAME = 0
    DETECTED = 1
    CONFIDENCE = 2
    EVIDENCE = 3
    USE_AS = 4


HEADERS = {
    PreviewColumn.NAME: "Column",
    PreviewColumn.DETECTED: "Detected",
    PreviewColumn.CONFIDENCE: "Confidence",
    PreviewColumn.EVIDENCE: "Evidence",
    PreviewColumn.USE_AS: "Use as",
}


_SHARE = re.compile(r"^(\d+)% of ")


def confidence_words(detected: ColumnPlan, confidence: float, evidence: str) -> tuple[str, str]:
    """The Confidence cell and its tool tip, in step with the evidence beside it: "—" for a column left
    as is (no type to be sure of), the share of values that fit, "+ header" when the header agrees."""
    if not detected.type.typed:
        return "—", "No contact type fits this column, so it is left as is."
    share = _SHARE.match(evidence)
    if share is None:
        return f"{confidence:.0%}", f"Detection score {confidence:.0%}."
    header = "; header '" in evidence and "but the content disagrees" not in evidence
    tip = f"{share.group(1)}% of the sampled values fit" + ("; the header agrees" if header else "")
    return share.group(1) + "%" + (" + header" if header else ""), f"{tip}. Detection score {confidence:.0%}."


@dataclass(slots=True)
class ColumnRow:
    name: str  # the column key that plans use
    header: str  # the header cell as in the file
    detected: ColumnPlan
    confidence: float
    evidence: str
    choice: ColumnPlan

    @property
    def changed(self) -> bool:
        return self.choice != self.detected


class ColumnPlanModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ColumnRow] = []

    def set_detection(self, columns: Sequence[Any], headers: Sequence[str] | None = None) -> None:
        """Rows from ``ColumnDetection``s (name, type, confidence, evidence, part)."""
        self.beginResetModel()
        self._rows = []
        for i, col in enumerate(columns):
            detected = normalized(ColumnPlan(ColumnType(col.type), getattr(col, "part", None), getattr(col, "group", None)))
            header = headers[i] if headers is not None and i < len(headers) else col.name
            self._rows.append(ColumnRow(col.name, header, detected, float(col.confidence or 0.0),
                                        str(col.evidence or ""), detected))
        self.endResetModel()

    def rows(self) -> list[ColumnRow]:
        return list(self._rows)

    def overrides(self) -> dict[str, str]:
        """The user's changes, as ``plan_from_detection`` takes them: ``{column: "type[:part]"}``."""
        return {r.name: r.choice.label() for r in self._rows if r.changed}

    def set_choice(self, row: int, choice: ColumnPlan) -> None:
        self.setData(self.index(row, PreviewColumn.USE_AS), choice, Qt.ItemDataRole.EditRole)

    def reset(self, rows: Sequence[int] | None = None) -> None:
        """Back to the detected type (for ``rows``, or all)."""
        for row in range(len(self._rows)) if rows is None else rows:
            self.set_choice(row, self._rows[row].detected)

    def apply_plan(self, columns: dict[str, ColumnPlan]) -> None:
        """Take the choices of a loaded plan for the columns it names."""
        for row, r in enumerate(self._rows):
            if r.name in columns:
                self.set_choice(row, normalized(columns[r.name]))

    # -- Qt model -------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(PreviewColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(PreviewColumn):
            return HEADERS[PreviewColumn(section)]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == PreviewColumn.USE_AS:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        col = PreviewColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col is PreviewColumn.NAME:
                return r.header
            if col is PreviewColumn.DETECTED:
                return choice_label(r.detected)
            if col is PreviewColumn.CONFIDENCE:
                return confidence_words(r.detected, r.confidence, r.evidence)[0]
            if col is PreviewColumn.EVIDENCE:
                return r.evidence
            return choice_label(r.choice)
        if role == CHOICE_ROLE:
            return r.choice
        if role == Qt.ItemDataRole.FontRole and col is PreviewColumn.USE_AS and r.changed:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and col is PreviewColumn.CONFIDENCE and r.detected.type.typed and r.confidence < 0.6:
            return QBrush(QColor("#b45309"))
        if role == Qt.ItemDataRole.ToolTipRole:  # every cell: the whole evidence, which the table cuts
            evidence = f"{r.header}: {r.evidence}" if r.evidence else None
            if col is PreviewColumn.CONFIDENCE:
                tip = confidence_words(r.detected, r.confidence, r.evidence)[1]
                return f"{tip}\n{evidence}" if evidence else tip
            if col is PreviewColumn.USE_AS and r.changed:
                changed = f"Changed from the detected “{choice_label(r.detected)}”: Reset to go back"
                return f"{changed}\n{evidence}" if evidence else changed
            return evidence
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != PreviewColumn.USE_AS:
            return False
        choice = normalized(value if isinstance(value, ColumnPlan) else ColumnPlan.parse(str(value)))
        r = self._rows[index.row()]
        if choice == r.choice:
            return False
        r.choice = choice
        self.dataChanged.emit(index, index)
        return True


class TypeDelegate(QStyledItemDelegate):
    """A combo box of the column choices for the "Use as" column, drawn as one at rest too
    so that it reads as something to change."""

    def paint(self, painter, option, index: _Index) -> None:
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        combo = QStyleOptionComboBox()
        combo.rect = option.rect.adjusted(2, 2, -2, -2)
        combo.state = option.state | QStyle.StateFlag.State_Enabled
        combo.state &= ~QStyle.StateFlag.State_Selected
        combo.palette = option.palette
        combo.currentText = index.data(Qt.ItemDataRole.DisplayRole) or ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, combo, painter, option.widget)
        font = index.data(Qt.ItemDataRole.FontRole)
        painter.save()
        if font is not None:
            painter.setFont(font)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, combo, painter, option.widget)
        painter.restore()

    def createEditor(self, parent: QWidget, option, index: _Index) -> QWidget:
        combo = QComboBox(parent)
        for plan, text in CHOICES:
            combo.addItem(text, plan)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor: QWidget, index: _Index) -> None:
        choice = replace(index.data(CHOICE_ROLE), group=None)
        for i in range(editor.count()):
            if editor.itemData(i) == choice:
                editor.setCurrentIndex(i)
                return

    def setModelData(self, editor: QWidget, model, index: _Index) -> None:
        """The chosen type; a part chosen for a column of a named group stays in that group."""
        choice, current = editor.currentData(), index.data(CHOICE_ROLE)
        if choice.part and current.group and choice.type is current.type:
            choice = replace(choice, group=current.group)
        model.setData(index, choice, Qt.ItemDataRole.EditRole)
