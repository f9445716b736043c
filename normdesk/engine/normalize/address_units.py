"""Secondary units as people write them, rewritten to USPS Publication 28 forms before usaddress.

usaddress reads ``Apt 4`` after the street well, but not ``3rd Floor``, ``Basement``, ``Upper
Level``, ``Suite 300/3rd Floor``, several units, a unit written before the street, a unit with no
comma before the city (``12 Oak St, Second Floor Springfield``), a building name before the street
(``Two Harbor Plaza, 9th Floor``). ``rewrite`` finds those in the
comma-separated segments of an upper-case address, takes the units out as ``FL 3``, ``STE 300``,
``BSMT`` (in the order written) and returns the rest for usaddress; the units and the building
name go on the second line. The address parser uses the rewrite when a unit is of a form
usaddress does not read, or when usaddress fails on the address as written; what the fast path
decides is never rewritten.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from normdesk.engine.normalize.usps import STATES, SUFFIXES, UNITS

_NUMBER_WORDS = ("ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN "
                 "FIFTEEN SIXTEEN SEVENTEEN EIGHTEEN NINETEEN TWENTY").split()
SPELLED = {w: str(i) for i, w in enumerate(_NUMBER_WORDS, 1)}
_ORDINAL_WORDS = "FIRST SECOND THIRD FOURTH FIFTH SIXTH SEVENTH EIGHTH NINTH TENTH".split()
ORDINALS = {w: str(i) for i, w in enumerate(_ORDINAL_WORDS, 1)}
# Pub 28 designators that take no secondary number
NO_RANGE = ("BSMT", "FRNT", "LBBY", "LOWR", "OFC", "PH", "REAR", "SIDE", "UPPR")


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_RANGED = _alt(k for k, v in UNITS.items() if v not in NO_RANGE)
_BARE = _alt(k for k, v in UNITS.items() if v in NO_RANGE)
_FLOOR = r"(?:FLOOR|FLR|FL)"
_ID = rf"(?:[A-Z]?\d+[A-Z]?(?:-[A-Z0-9]+)?|[A-Z]|{_alt(SPELLED)})"
# one unit: "3RD FLOOR", "SECOND FLOOR", "UPPER LEVEL", "SUITE 300", "RM 4B", "# 12", "BASEMENT"
_UNIT = (
    rf"(?:(?P<ord>\d+)(?:ST|ND|RD|TH) {_FLOOR}|(?P<ordw>{_alt(ORDINALS)}) {_FLOOR}"
    rf"|(?P<level>UPPER|LOWER) (?:LEVEL|FLOOR|UNIT)"
    rf"|(?P<kind>{_RANGED})\.? ?(?:# ?)?(?P<id>{_ID})|# ?(?P<hash>{_ID})|(?P<bare>{_BARE}))"
)
_UNIT_AT = re.compile(rf"{_UNIT}(?=$|[ /&,]|-)")
_SEP = re.compile(r" ?[/&-] ?| AND | ")
_NEW_FORM = {"ord", "ordw", "level"}  # forms usaddress does not read
_HOUSE = re.compile(rf"^(?:\d+[A-Z]?|{_alt(SPELLED)}) [A-Z]")
_PO_BOX = re.compile(r"^(?:P ?O ?BOX|POST OFFICE BOX|BOX) ")
_DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW", "N W", "N E", "S W", "S E"}
_STATE_TAIL = re.compile(rf"^(?:{_alt(STATES)})(?: \d{{4,5}}(?:-?\d{{4}})?)?$")  # "FL 33614" is Florida
_STREET_END = re.compile(rf"(?:^| )(?:{_alt(SUFFIXES)}|[NSEW]|NE|NW|SE|SW|\d+[A-Z]?|[A-Z])$")


def _standard(m: re.Match[str]) -> tuple[str, bool]:
    """(Pub 28 unit, whether it is a form usaddress does not read) of one matched unit."""
    groups = {k: v for k, v in m.groupdict().items() if v}
    if "ord" in groups or "ordw" in groups:
        return f"FL {groups.get('ord') or ORDINALS[groups['ordw']]}", True
    if "level" in groups:
        return ("UPPR" if groups["level"] == "UPPER" else "LOWR"), True
    if "hash" in groups:
        return f"# {SPELLED.get(groups['hash'], groups['hash'])}", False
    if "bare" in groups:  # usaddress reads none of these, in either form
        return UNITS[groups["bare"]], True
    return f"{UNITS[groups['kind']]} {SPELLED.get(groups['id'], groups['id'])}", False


def units_at(text: str, start: int = 0) -> tuple[list[tuple[str, bool]], int]:
    """The units written one after another from ``start`` (``STE 300/3RD FLOOR``), and where they end."""
    found, pos = [], start
    while True:
        m = _UNIT_AT.match(text, pos)
        if not m:
            return found, pos
        found.append(_standard(m))
        pos = m.end()
        sep = _SEP.match(text, pos)
        if not sep or sep.end() >= len(text):
            return found, pos
        pos = sep.end()
        if not _UNIT_AT.match(text, pos):
            return found, m.end()


def _all_units(segment: str) -> list[tuple[str, bool]] | None:
    found, end = units_at(segment)
    return found if found and end == len(segment) else None


def _trailing_units(street: str) -> tuple[str, list[tuple[str, bool]]]:
    """A street line's trailing units, when usaddress would not read them (a new form, or several)."""
    for m in re.finditer(r" ", street):
        found, end = units_at(street, m.end())
        if found and end == len(street) and _STREET_END.search(street[: m.start()]):
            if len(found) > 1 or any(new for _, new in found):
                return street[: m.start()], found
            return street, []
    return street, []


class Rewrite(NamedTuple):
    text: str  # the address for usaddress
    units: list[str]  # Pub 28 units, in the order written
    building: list[str]  # segments before the street line (a building or place name)
    needed: bool  # a unit of a form usaddress does not read, or written before the street


def ordinal_floor(ident: str) -> str | None:
    """``15`` from a floor written ``15TH`` or ``FIFTEENTH``-style ordinal words up to TENTH."""
    m = re.fullmatch(r"(\d+)(?:ST|ND|RD|TH)", ident)
    return m[1] if m else ORDINALS.get(ident)


def rewrite(text: str) -> Rewrite:
    """The address (upper case) with its units taken out, for usaddress."""
    segments = text.split(", ")
    street_at = next((i for i, s in enumerate(segments) if _HOUSE.match(s) or _PO_BOX.match(s)), None)
    if street_at is None:
        return Rewrite(text, [], [], False)
    units: list[tuple[str, bool]] = []
    building: list[str] = []
    for segment in segments[:street_at]:
        found = _all_units(segment) if not _STATE_TAIL.match(segment) else None
        if found:
            units += [(unit, True) for unit, _ in found]  # usaddress misreads a unit before the street
        else:
            building.append(segment)
    street, trailing = _trailing_units(segments[street_at])
    units += trailing
    after = []
    rest = segments[street_at + 1 :]
    if rest and rest[0] in _DIRECTIONS:  # "412 FIRST ST, SE, STE 100": the directional is the street's
        street, rest = f"{street} {rest[0]}", rest[1:]
    for segment in rest:
        found, end = units_at(segment) if not _STATE_TAIL.match(segment) else ([], 0)
        if found and end == len(segment):
            units += found
        elif found and segment[end:end + 1] == " " and not any(u.endswith(NO_RANGE) for u, _ in found):
            units += found  # "SECOND FLOOR SPRINGFIELD": the unit, then the city without a comma
            after.append(segment[end + 1 :])
        else:
            after.append(segment)
    if not (units or building):
        return Rewrite(text, [], [], False)
    return Rewrite(", ".join([street, *after]), [u for u, _ in units], building, any(need for _, need in units))
