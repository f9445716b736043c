"""Groups: the columns of a plan that together hold one record, an address or a person's name.

A column joins a group when its part is a group part (``address:street``, ``address:city@home``,
``name:first``...). The parts of one type with the same group name (None is a name too) form one
group. A lone street or first/middle/last column is not a group: it keeps its own normalizer; the
other parts (line 2, city, state, ZIP, country, title, suffix) only make sense in a group, so they
always form one, even alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from normdesk.engine.plan import ColumnPlan, Plan
from normdesk.engine.types import AddressPart, ColumnType, NamePart

ADDRESS_PARTS = tuple(p.value for p in AddressPart if p is not AddressPart.FULL)
NAME_PARTS = tuple(p.value for p in NamePart if p is not NamePart.FULL)
_GROUP_PARTS = {ColumnType.ADDRESS: ADDRESS_PARTS, ColumnType.NAME: NAME_PARTS}
_STANDALONE = {AddressPart.STREET.value, NamePart.FIRST.value, NamePart.MIDDLE.value, NamePart.LAST.value}


@dataclass(frozen=True, slots=True)
class Group:
    """One record's columns: ``parts`` maps a part (``city``) to its column key, in file order."""

    type: ColumnType
    name: str | None
    parts: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.type.value}@{self.name}" if self.name else self.type.value

    def line_header(self) -> str:
        """The header of the optional one-line address column."""
        return f"{self.name}_address_line" if self.name else "address_line"


def group_only(col: ColumnPlan) -> bool:
    """A part that is normalized only in a group (a city, a ZIP, a title), never on its own."""
    return col.part in _GROUP_PARTS.get(col.type, ()) and col.part not in _STANDALONE


def plan_groups(plan: Plan, columns: list[str]) -> list[Group]:
    """The groups of ``plan`` among ``columns`` (file order); a part named twice in one group is
    kept by its first column, the second one is left to its own normalizer."""
    found: dict[tuple[ColumnType, str | None], dict[str, str]] = {}
    for key in columns:
        col = plan.columns.get(key)
        if col is None or col.part not in _GROUP_PARTS.get(col.type, ()):
            continue
        found.setdefault((col.type, col.group), {}).setdefault(col.part, key)
    return [
        Group(ctype, name, parts)
        for (ctype, name), parts in found.items()
        if len(parts) > 1 or not set(parts) <= _STANDALONE
    ]
