"""Small shared vocabularies of the engine: column types and per-value outcomes."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ColumnType(StrEnum):
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    UNKNOWN = "unknown"  # detected as none of the four: left as is

    @property
    def typed(self) -> bool:
        return self is not ColumnType.UNKNOWN


class NamePart(StrEnum):
    """Which part of a person's name a name column holds."""

    FULL = "full"
    TITLE = "title"  # the parts from here on may form a group (see engine/groups.py)
    FIRST = "first"
    MIDDLE = "middle"
    LAST = "last"
    SUFFIX = "suffix"


class AddressPart(StrEnum):
    """Which part of an address an address column holds."""

    FULL = "full"  # one line with street, city, state, ZIP
    STREET = "street"  # street line only (may include a unit)
    LINE2 = "line2"  # the parts from here on belong to a group with the street (see engine/groups.py)
    CITY = "city"
    STATE = "state"
    ZIP = "zip"
    COUNTRY = "country"


def type_label(ctype: str, part: str | None = None, group: str | None = None) -> str:
    """How a column type is written: ``name``, ``address:street``, ``address:city@home``."""
    text = f"{ctype}:{part}" if part else str(ctype)
    return f"{text}@{group}" if group else text


class Outcome(IntEnum):
    """What happened to one value; counted per column in the report."""

    EMPTY = 0  # null or whitespace only: stays empty, is not invalid
    CHANGED = 1  # valid, and the normalized text differs from the input
    UNCHANGED = 2  # valid, and already in normal form
    INVALID = 3  # kept exactly as it was, with a reason
    WARNING = 4  # valid and normalized, but worth a look (its reason says why); the row stays valid
