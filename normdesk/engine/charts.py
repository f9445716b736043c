"""Small charts for the quality report, drawn by matplotlib straight to inline SVG text.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot, no GUI backend: safe in any
thread and headless); text stays text (``svg.fonttype: none``), labels are never read as
mathtext, and ids are salted so the same report renders to the same bytes.
"""

from __future__ import annotations

import io
from typing import Sequence

from matplotlib import rc_context
from matplotlib.figure import Figure

OUTCOME_COLOURS = {"already clean": "#4c9f70", "normalized": "#3a7bd5", "invalid": "#d9534f", "empty": "#c8c8c8"}
BAR = "#3a7bd5"
_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "normdesk",
    "text.parse_math": False,
    "font.size": 8,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
}
_WIDTH_IN = 3.4


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE: the SVG goes inline
    return text.replace("<svg ", '<svg role="img" ', 1)


def bars(labels: Sequence[str], counts: Sequence[int], title: str, colour: str = BAR) -> str:
    """Horizontal bars, largest on top, each labelled with its count."""
    with rc_context(_RC):
        fig = Figure(figsize=(_WIDTH_IN, 0.35 + 0.2 * max(len(labels), 1)))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, counts, color=colour, height=0.7)
        ax.set_yticks(positions, [_short(label) for label in labels])
        ax.set_title(title, loc="left", fontsize=8.5)
        ax.tick_params(axis="x", labelsize=7)
        ax.bar_label(ax.containers[0], labels=[f"{c:,}" for c in counts], padding=2, fontsize=7)
        ax.margins(x=0.18)
        return _svg(fig)


def histogram(lengths: Sequence[int], counts: Sequence[int], title: str, overflow_at: int) -> str:
    """Value lengths as vertical bars; ``overflow_at`` is the bin that counts every longer value."""
    with rc_context(_RC):
        fig = Figure(figsize=(_WIDTH_IN, 1.5))
        ax = fig.add_subplot()
        ax.bar(lengths, counts, color=BAR, width=0.9)
        ax.set_title(title, loc="left", fontsize=8.5)
        ax.set_xlabel("characters" + (f" ({overflow_at}: longer)" if overflow_at in lengths else ""))
        ax.tick_params(labelsize=7)
        return _svg(fig)


def stacked(rows: Sequence[str], parts: dict[str, Sequence[int]], title: str) -> str:
    """One horizontal bar per row, split into the shares of ``parts`` (colour by part name)."""
    with rc_context(_RC):
        fig = Figure(figsize=(_WIDTH_IN * 1.6, 0.6 + 0.22 * max(len(rows), 1)))
        ax = fig.add_subplot()
        positions = list(range(len(rows)))[::-1]
        totals = [sum(values) or 1 for values in zip(*parts.values())] if parts else []
        left = [0.0] * len(rows)
        for name, values in parts.items():
            shares = [100 * v / t for v, t in zip(values, totals)]
            ax.barh(positions, shares, left=left, color=OUTCOME_COLOURS.get(name, BAR), label=name, height=0.7)
            left = [a + b for a, b in zip(left, shares)]
        ax.set_yticks(positions, [_short(r, 28) for r in rows])
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of rows")
        ax.set_title(title, loc="left", fontsize=8.5)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=7.5)
        return _svg(fig)


def _short(text: str, width: int = 22) -> str:
    text = text if text else "(blank)"
    return text if len(text) <= width else text[: width - 1] + "…"
