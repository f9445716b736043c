"""Detection of groups: the columns that together hold one address or one person's name.

After each column is detected on its own (detect.py), headers and content propose the parts:

- a header ending with a part's keyword (``detect_data/group_headers.json``: ``mailing_city``,
  ``AgentFirstName``, ``address_line_2``) proposes that part, and what comes before the keyword
  (``mailing``, ``agent``) the group it belongs to;
- content confirms it: a state column must hold state names or codes, a ZIP column ZIP or
  postal codes, a country column country names, a street column street addresses (as detect.py
  found them), a name part names; a column already found to be an email, a phone or a one-line
  address stays one;
- content alone proposes a place: a column of state codes next to a column of ZIP codes, with
  a column of place names before them (a city), and a street address before that.

Parts of the same group need at least two columns to form a group. A group is named (``@home``)
only when a file holds several of one kind (two addresses, a contact and an agent).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from functools import cache
from importlib import resources
from typing import Any, Sequence

import polars as pl

from normdesk.engine.country import country_of
from normdesk.engine.normalize.address_intl import CA_POSTCODE, provinces
from normdesk.engine.normalize.name import SUFFIXES, TITLES
from normdesk.engine.normalize.usps import STATES
from normdesk.engine.types import AddressPart, ColumnType

FIT = 0.7  # share of a column's distinct values that must have a part's shape
CONTENT_FIT = 0.9  # ... when no header names the part
ZIP_RE = rf"^(?:\d{{4,5}}(?:-?\d{{4}})?|{CA_POSTCODE})$"
_STEM_TAIL = re.compile(r"(?:address|addr|name|nm|line|\d)+$")
_KINDS = {"address": ColumnType.ADDRESS, "name": ColumnType.NAME}


def _fold(header: str) -> list[str]:
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


@cache
def _keywords() -> list[tuple[str, str, bool]]:
    """(part hint, joined keyword, whole word only), longest keyword first."""
    text = resources.files("normdesk.engine").joinpath("detect_data", "group_headers.json").read_text("utf-8")
    rows = [(hint, "".join(kw.split()), len("".join(kw.split())) <= 2)
            for hint, kws in json.loads(text).items() if not hint.startswith("_") for kw in kws]
    return sorted(rows, key=lambda row: -len(row[1]))


def part_hint(header: str) -> tuple[str, str, str] | None:
    """(kind, part, group stem) a header names, e.g. ``("address", "city", "mailing")``, or None."""
    words = _fold(header)
    joined = "".join(words)
    for hint, keyword, whole in _keywords():
        if (words and words[-1] == keyword) if whole else joined.endswith(keyword):
            kind, _, part = hint.partition(":")
            return kind, part, _STEM_TAIL.sub("", joined[: len(joined) - len(keyword)])
    return None


def _shares(values: pl.Series) -> dict[str, float]:
    """Shares of a column's distinct non-empty values that have each part's shape."""
    uniq = values.cast(pl.Utf8).str.strip_chars().drop_nulls().unique()
    uniq = uniq.filter(uniq != "")
    if uniq.is_empty():
        return {}
    key = uniq.str.to_uppercase().str.replace_all(r"[.,]", "").str.replace_all(r"\s+", " ")
    lower = uniq.str.to_lowercase().str.replace_all(r"[.,]", "")
    n = len(uniq)
    return {
        "state": float((key.is_in(list(STATES)) | key.is_in(list(provinces()))).sum()) / n,
        "zip": float(key.str.contains(ZIP_RE).sum()) / n,
        "place": float(uniq.str.contains(r"^[\p{L}][\p{L} .'-]*$").sum()) / n,
        "title": float(lower.is_in(list(TITLES)).sum()) / n,
        "suffix": float(lower.is_in([*SUFFIXES, "ii", "iii", "iv", "v"]).sum()) / n,
        "country": sum(country_of(v) is not None for v in uniq.head(200).to_list()) / min(n, 200),
    }


def _fits(kind: str, part: str, det: Any, shares: dict[str, float], need: float) -> bool:
    """The content of a column fits the part (an empty column fits any part its header names)."""
    if det.type in (ColumnType.EMAIL, ColumnType.PHONE) or (det.type is ColumnType.ADDRESS and det.part is None):
        return False  # found to be something else, or a one-line address: left as is
    if not shares:  # an empty column in the sample: only a second address line is often empty
        return part == "line2" and need < CONTENT_FIT
    if kind == "name":
        if part in ("title", "suffix"):
            return shares[part] >= need
        return det.type is ColumnType.NAME or (det.type is ColumnType.UNKNOWN and shares["place"] >= need)
    if part == "street":
        return det.type is ColumnType.ADDRESS
    if part in ("state", "zip", "country"):
        return shares[part] >= need
    if part == "city":
        return shares["place"] >= need and shares["state"] < 0.5
    return det.type is ColumnType.UNKNOWN  # line 2: "Suite 100", "Bldg C", a PO box


def _content_places(dets: Sequence[Any], shares: list[dict[str, float]], taken: dict[int, tuple]) -> None:
    """State codes next to ZIP codes, a city before them and a street before that (no header needed)."""
    for i in range(len(dets) - 1):
        if i in taken or i + 1 in taken or not shares[i] or not shares[i + 1]:
            continue
        if shares[i]["state"] < CONTENT_FIT or shares[i + 1]["zip"] < CONTENT_FIT:
            continue
        stem = f"#{i}"
        taken[i], taken[i + 1] = ("address", "state", stem), ("address", "zip", stem)
        j = i - 1
        if j >= 0 and j not in taken and _fits("address", "city", dets[j], shares[j], CONTENT_FIT):
            taken[j] = ("address", "city", stem)
            j -= 1
        if j >= 0 and j not in taken and dets[j].type is ColumnType.ADDRESS and dets[j].part == AddressPart.STREET.value:
            taken[j] = ("address", "street", stem)


def _neighbours(dets: Sequence[Any], taken: dict[int, tuple[str, str, str]]) -> None:
    """A part alone in its group (``physical_address`` beside ``zip``, ``provider_town`` beside
    ``state``), or a street address with no part header, joins the group of a column next to it
    (up to two columns away) that lacks that part."""
    def members(kind: str, stem: str) -> set[str]:
        return {p for k, p, s in taken.values() if (k, s) == (kind, stem)}

    for i, det in enumerate(dets):
        if i in taken:
            kind, part, stem = taken[i]
            if len(members(kind, stem)) > 1 or sum((k, s) == (kind, stem) for k, _, s in taken.values()) > 1:
                continue
        elif det.type is ColumnType.ADDRESS and det.part == AddressPart.STREET.value:
            kind, part = "address", "street"
        else:
            continue
        for j in (i + 1, i - 1, i + 2, i - 2):
            if j in taken and taken[j][0] == kind and part not in members(kind, taken[j][2]):
                taken[i] = (kind, part, taken[j][2])
                break


def assign_groups(sample: pl.DataFrame, dets: list[Any]) -> list[Any]:
    """``dets`` (one ``ColumnDetection`` per column of ``sample``) with the group parts set."""
    shares = [_shares(sample.get_column(d.name)) for d in dets]
    taken: dict[int, tuple[str, str, str]] = {}
    for i, det in enumerate(dets):
        hint = part_hint(det.name)
        if hint and _fits(hint[0], hint[1], det, shares[i], FIT):
            taken[i] = hint
    _content_places(dets, shares, taken)
    _neighbours(dets, taken)
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for i, (kind, part, stem) in sorted(taken.items()):
        groups.setdefault((kind, stem), {}).setdefault(part, i)
    groups = {key: parts for key, parts in groups.items() if len(parts) > 1}
    out = list(dets)
    for (kind, stem), parts in groups.items():
        same = [s for k, s in groups if k == kind]
        name = None
        if len(same) > 1:  # named by its header stem, else by its place among the groups of its kind
            name = stem if stem and not stem.startswith("#") else f"{kind}{same.index(stem) + 1}"
        for part, i in parts.items():
            det = dets[i]
            where = f"'{name}' " if name else ""
            evidence = f"{part} of the {where}{kind} group ({', '.join(parts)})"
            if det.type is not ColumnType.UNKNOWN:
                evidence += f"; {det.evidence}"
            out[i] = replace(det, type=_KINDS[kind], part=part, group=name, confidence=max(det.confidence, 0.7),
                             evidence=evidence)
    return out

