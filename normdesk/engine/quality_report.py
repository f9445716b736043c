"""The data quality report of a run: one self-contained HTML file (Jinja2, inline SVG charts
by matplotlib; no external scripts, styles, fonts or images) or the same figures as JSON.

Jinja2 and matplotlib are the ``report`` extra: ``ReportUnavailable`` says so in one line when
they are missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from normdesk.engine.errors import InputError
from normdesk.engine.profile import MAX_LENGTH_BIN, TOP_CAP, ColumnProfile
from normdesk.engine.report import ColumnReport, Report
from normdesk.engine.writer import write_text_atomically

REPORT_FORMATS = (".html", ".htm", ".json")
TOP_ROWS = 10  # rows of each table in a column's section
CHART_BARS = 8


class ReportUnavailable(InputError):
    """The HTML report needs the ``report`` extra (Jinja2, matplotlib)."""


@dataclass(frozen=True, slots=True)
class ColumnView:
    """What one column's section shows, worked out from its profile and its counts."""

    key: str
    profile: ColumnProfile
    counts: ColumnReport | None

    @property
    def kind(self) -> str:
        if self.counts is None:
            return "not typed"
        return f"{self.counts.type} ({self.counts.part})" if self.counts.part else self.counts.type

    @property
    def filled(self) -> int:
        return self.profile.rows - self.profile.empty

    @property
    def valid(self) -> int | None:
        return None if self.counts is None else self.counts.changed + self.counts.unchanged

    def outcome_parts(self) -> dict[str, int]:
        if self.counts is None:
            return {"already clean": self.filled, "empty": self.profile.empty}
        c = self.counts
        return {"already clean": c.unchanged, "normalized": c.changed, "invalid": c.invalid, "empty": c.empty}


def check_report_path(path: str | Path) -> Path:
    """The report's path, checked before a run starts: a known suffix, and the extra installed."""
    path = Path(path)
    if path.suffix.lower() not in REPORT_FORMATS:
        raise InputError(f"--report takes a .html or .json file, not {path.name!r}")
    if path.suffix.lower() != ".json":
        _require_extra()
    return path


def write_report(report: Report, path: str | Path, source: str | Path) -> Path:
    """Write ``report`` as HTML or JSON (by suffix), atomically; returns the path."""
    path = check_report_path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps({"source": str(source), **report.to_dict()}, indent=2, ensure_ascii=False)
    else:
        text = render_html(report, source)
    write_text_atomically(path, text)
    return path


def render_html(report: Report, source: str | Path) -> str:
    """The report as one HTML document."""
    _require_extra()
    import jinja2

    from normdesk.engine import charts

    views = [ColumnView(key, prof, report.columns.get(key)) for key, prof in report.profile.items()]
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("normdesk.engine", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda part, whole: f"{100 * part / whole:.1f}%" if whole else "–"
    template = env.get_template("quality_report.html.j2")
    return template.render(
        report=report,
        source=str(source),
        source_name=Path(source).name,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        columns=views,
        overview_chart=charts.stacked(
            [v.profile.header for v in views], _transpose([v.outcome_parts() for v in views]),
            "Every column: share of rows by outcome",
        ) if views else "",
        column_charts={v.key: _column_charts(v, charts) for v in views},
        top=TOP_ROWS,
        top_cap=TOP_CAP,
    )


def _column_charts(view: ColumnView, charts: Any) -> list[str]:
    prof = view.profile
    out = []
    if prof.lengths.items:
        lengths = sorted((int(k), n) for k, n in prof.lengths.items.items())
        out.append(charts.histogram([k for k, _ in lengths], [n for _, n in lengths], "Value length",
                                    MAX_LENGTH_BIN + 1))
    if prof.patterns.items:
        top = prof.patterns.top(CHART_BARS)
        out.append(charts.bars([k for k, _ in top], [n for _, n in top], "Top patterns"))
    for name, counts in prof.facets.items():
        top = counts.top(CHART_BARS)
        out.append(charts.bars([k for k, _ in top], [n for _, n in top], name[:1].upper() + name[1:]))
    if prof.reasons.items:
        top = prof.reasons.top(CHART_BARS)
        out.append(charts.bars([k for k, _ in top], [n for _, n in top], "Why invalid", "#d9534f"))
    return out


def _transpose(parts: list[dict[str, int]]) -> dict[str, list[int]]:
    names = list(dict.fromkeys(name for p in parts for name in p))
    return {name: [p.get(name, 0) for p in parts] for name in names}


def _require_extra() -> None:
    try:
        import jinja2  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ReportUnavailable(
            f"the HTML report needs {err.name}: pip install 'normdesk[report]' (or write a .json report)"
        ) from None
