"""What to chart of a column's profile: the same series for the HTML report (SVG) and the window (Qt).

A ``Series`` is plain data (a title, its (label, count) items, the whole they are shares of), so
each front end only draws; which figures a column gets, in which order, is decided here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from normdesk.engine.profile import MAX_LENGTH_BIN, ColumnProfile

CHART_BARS = 8  # bars per chart
OUTCOMES = ("already clean", "normalized", "with warning", "invalid", "empty")
OUTCOME_COLOURS = {"already clean": "#4c9f70", "normalized": "#3a7bd5", "with warning": "#e0a526",
                   "invalid": "#d9534f", "empty": "#c8c8c8"}
BAR, BAD = "#3a7bd5", "#d9534f"


@dataclass(frozen=True, slots=True)
class Series:
    """One chart: ``kind`` "bars" (largest first) or "lengths" (a histogram, by length); ``whole``:
    what a count is a share of (the filled or the valid values); ``estimated``: from a sample."""

    title: str
    kind: str
    items: tuple[tuple[str, int], ...]
    whole: int
    colour: str = BAR
    estimated: bool = False


def outcome_parts(profile: ColumnProfile, counts: Mapping[str, Any] | None) -> dict[str, int]:
    """A column's values by outcome (``counts``: its ``Report.columns`` entry as a dict, or None
    for an untyped column, whose filled values count as already clean)."""
    if not counts:
        return {"already clean": profile.rows - profile.empty, "empty": profile.empty}
    keys = ("unchanged", "changed", "warning", "invalid", "empty")
    return {name: int(counts.get(key, 0) or 0) for name, key in zip(OUTCOMES, keys)}


def valid_count(counts: Mapping[str, Any]) -> int:
    """Valid values of a typed column: normalized, already clean or valid with a warning."""
    return sum(int(counts.get(key, 0) or 0) for key in ("changed", "unchanged", "warning"))


def column_series(profile: ColumnProfile, counts: Mapping[str, Any] | None = None) -> list[Series]:
    """The charts of one column: top values, patterns, value lengths, its facets, why invalid."""
    filled = profile.rows - profile.empty
    valid = valid_count(counts) if counts else filled
    out = []
    if profile.values.items:
        out.append(Series("Top values", "bars", tuple(profile.values.top(CHART_BARS)), filled))
    if profile.patterns.items:
        out.append(Series("Top patterns", "bars", tuple(profile.patterns.top(CHART_BARS)), filled,
                          estimated=profile.patterns.estimated))
    if profile.lengths.items:
        lengths = sorted((int(k), n) for k, n in profile.lengths.items.items())
        items = tuple((f"{k}+" if k > MAX_LENGTH_BIN else str(k), n) for k, n in lengths)
        out.append(Series("Value length", "lengths", items, filled))
    for name, facet in profile.facets.items():
        out.append(Series(name[:1].upper() + name[1:], "bars", tuple(facet.top(CHART_BARS)), valid,
                          estimated=facet.estimated))
    if profile.reasons.items:
        out.append(Series("Why invalid", "bars", tuple(profile.reasons.top(CHART_BARS)),
                          profile.reasons.total(), BAD))
    return out


def share(count: int, whole: int) -> str:
    """``count`` as a share of ``whole``: "12.5%", "<0.1%", or "" without a whole."""
    if not whole:
        return ""
    pct = 100 * count / whole
    return "<0.1%" if 0 < pct < 0.1 else f"{pct:.1f}%"
