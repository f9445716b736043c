"""The data quality report of a run: one self-contained HTML file (Jinja2, inline SVG charts of
``charts``; no external scripts, styles, fonts or images) or the same figures as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from normdesk.engine import charts
from normdesk.engine.chart_data import OUTCOMES, column_series, outcome_parts, valid_count
from normdesk.engine.errors import InputError
from normdesk.engine.profile import TOP_CAP, ColumnProfile
from normdesk.engine.report import ColumnReport, Report
from normdesk.engine.templating import environment
from normdesk.engine.writer import write_text_atomically

REPORT_FORMATS = (".html", ".htm", ".json")
TOP_ROWS = 10  # rows of each table in a column's section


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
    def count_dict(self) -> dict[str, Any] | None:
        return None if self.counts is None else asdict(self.counts)

    @property
    def valid(self) -> int | None:
        return None if self.counts is None else valid_count(self.count_dict)

    def outcome_parts(self) -> dict[str, int]:
        return outcome_parts(self.profile, self.count_dict)

    def charts(self) -> list[str]:
        return [charts.chart(series) for series in column_series(self.profile, self.count_dict)]


def check_report_path(path: str | Path) -> Path:
    """The report's path, checked before a run starts: a known suffix."""
    path = Path(path)
    if path.suffix.lower() not in REPORT_FORMATS:
        raise InputError(f"--report takes a .html or .json file, not {path.name!r}")
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
    views = [ColumnView(key, prof, report.columns.get(key)) for key, prof in report.profile.items()]
    template = environment().get_template("quality_report.html.j2")
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
        top=TOP_ROWS,
        top_cap=TOP_CAP,
    )


def _transpose(parts: list[dict[str, int]]) -> dict[str, list[int]]:
    """{outcome: count of each column}, in ``OUTCOMES`` order, less outcomes no column has."""
    return {name: [p.get(name, 0) for p in parts] for name in OUTCOMES if any(p.get(name) for p in parts)}
