"""The quality report's charts as inline SVG: geometry worked out here, markup written by Jinja2
macros (``templates/charts.svg.j2``, autoescaped), so no plotting library is needed.

Text stays text, in the page's font. Its width is estimated from per-character widths of a
sans-serif font (generous, so labels never overrun), and a label too long for its room is cut
with "…". Every bar carries a ``<title>``: the whole label, the count and the share, shown as a
tooltip by browsers. The same input always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from normdesk.engine.chart_data import BAR, OUTCOME_COLOURS, Series, share
from normdesk.engine.templating import environment

WIDTH = 360  # a chart's width in px (it scales down in narrow columns and print)
FONT = 11  # px
ROW = 18  # one bar's row
TITLE_H = 20
LABEL_SHARE = 0.42  # labels beside the bars take at most this share of the width, else go above them
_NARROW, _WIDE = set("ijlrtf.,:;'|!()[]{} "), set("mwMW@%")


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of ``text``'s width in a sans-serif font of ``size`` px."""
    units = sum(0.32 if c in _NARROW else 0.95 if c in _WIDE else 0.72 if c.isupper() else 0.6 for c in text)
    return units * size


def fit(text: str, room: float, size: float = FONT) -> str:
    """``text``, cut with "…" where it is wider than ``room``."""
    text, room = text or "(blank)", room + 0.01  # a label measured for its room fits it
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # as drawn (perhaps cut)
    tip: str  # the tooltip: whole label, count, share
    x: float
    y: float
    w: float
    value: str  # the figure written after the bar
    colour: str = BAR


def _macros():
    return environment().get_template("charts.svg.j2").module


def bars(series: Series) -> str:
    """Horizontal bars, largest on top, each with its count and share; labels beside the bars when
    they fit in ``LABEL_SHARE`` of the width, else on a line above each bar."""
    items = series.items
    values = [f"{n:,}" + (f"  {share(n, series.whole)}" if series.whole else "") for _, n in items]
    value_w = max((text_width(v) for v in values), default=0) + 6
    label_w = max((text_width(label or "(blank)") for label, _ in items), default=0) + 8
    beside = label_w <= WIDTH * LABEL_SHARE
    left, row = (label_w, ROW) if beside else (0, ROW + FONT + 3)
    room = WIDTH - left - value_w
    top = max((n for _, n in items), default=0) or 1
    drawn = []
    for i, ((label, n), value) in enumerate(zip(items, values)):
        y = TITLE_H + i * row + (0 if beside else FONT + 3)
        tip = f"{label or '(blank)'}: {value.strip()}"
        drawn.append(Bar(fit(label, (label_w if beside else WIDTH) - 8), tip, left, y, max(room * n / top, 1), value,
                         series.colour))
    height = TITLE_H + row * len(items) + 4
    return str(_macros().bars(series.title + (" (estimated)" if series.estimated else ""), drawn, beside, WIDTH,
                              height, FONT, ROW))


def histogram(series: Series) -> str:
    """Counts by value length as vertical bars, with the length axis labelled at a readable step."""
    items = series.items
    plot_top, plot_h, axis_h = TITLE_H + FONT, 90, 2 * FONT + 8
    left = text_width(f"{max((n for _, n in items), default=0):,}") + 8
    slot = (WIDTH - left - 4) / max(len(items), 1)
    top = max((n for _, n in items), default=0) or 1
    step = next(s for s in (1, 2, 5, 10, 20, 50) if s * slot >= text_width("99+") + 6 or s == 50)
    drawn, ticks = [], []
    for i, (label, n) in enumerate(items):
        h = plot_h * n / top
        x = left + i * slot
        drawn.append(Bar(label, f"{label} characters: {n:,}  {share(n, series.whole)}", x + slot * 0.08,
                         plot_top + plot_h - h, max(slot * 0.84, 1), ""))
        if i % step == 0 or i == len(items) - 1 and label.endswith("+"):
            ticks.append((x + slot / 2, label))
    height = plot_top + plot_h + axis_h
    return str(_macros().histogram(series.title, drawn, ticks, f"{top:,}", left, plot_top, plot_h, WIDTH, height, FONT))


def stacked(rows: Sequence[str], parts: dict[str, Sequence[int]], title: str) -> str:
    """One 100% bar per row, split into the shares of ``parts`` (coloured by name), a legend above."""
    width = WIDTH * 2
    legend, x, y = [], 0.0, TITLE_H
    for name in parts:
        w = 16 + text_width(name) + 14
        if x + w > width:
            x, y = 0.0, y + ROW
        legend.append((x, y, name, OUTCOME_COLOURS.get(name, BAR)))
        x += w
    first = y + ROW + 4
    label_w = min(max((text_width(r) for r in rows), default=0) + 10, width * 0.35)
    room = width - label_w - 4
    totals = [sum(values) or 1 for values in zip(*parts.values())] if parts else []
    drawn, labels = [], []
    for i, row in enumerate(rows):
        y, x = first + i * ROW, label_w
        labels.append((fit(row, label_w - 10), row, y))
        for name, values in parts.items():
            n = values[i]
            if n:
                w = room * n / totals[i]
                drawn.append(Bar(name, f"{row}: {name} {n:,}  {share(n, totals[i])}", x, y, w, "",
                                 OUTCOME_COLOURS.get(name, BAR)))
                x += w
    height = first + ROW * len(rows) + 4
    return str(_macros().stacked(title, legend, labels, drawn, label_w, width, height, FONT, ROW))


def chart(series: Series) -> str:
    """The SVG of one ``Series``, by its kind."""
    return histogram(series) if series.kind == "lengths" else bars(series)
