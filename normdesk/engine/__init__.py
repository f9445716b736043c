"""The normdesk engine: sniff -> read -> detect -> plan -> normalize -> write -> report.

Qt-free, usable from a script or a notebook::

    from normdesk.engine import detect_file, plan_from_detection, run_file
    plan = plan_from_detection(detect_file("contacts.csv"), overrides={"Notes": "none"})
    report = run_file("contacts.csv", "contacts.clean.csv", plan)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from normdesk.engine.detect import ColumnDetection, FileDetection, detect_columns, detect_sample
from normdesk.engine.errors import Cancelled, InputError, NormdeskError, OutputError
from normdesk.engine.pipeline import Checkpoint, run_file
from normdesk.engine.plan import ColumnPlan, Plan
from normdesk.engine.progress import NoProgress, Progress
from normdesk.engine.reader import Source, open_source
from normdesk.engine.report import Report
from normdesk.engine.types import ColumnType, Outcome

DETECT_SAMPLE_ROWS = 1000


def detect_file(path: str | Path, sheet: str | None = None, sample_rows: int = DETECT_SAMPLE_ROWS) -> FileDetection:
    """Detect the type of every column of a file from a sample of its first rows."""
    with open_source(path, sheet) as source:
        columns, country = detect_sample(source.sample(sample_rows))
        return FileDetection(str(path), columns, country)


def plan_from_detection(
    detection: FileDetection, overrides: Mapping[str, str] | None = None, **options: Any
) -> Plan:
    """A plan from detected types, the user's overrides (``{"Tel": "phone", "Notes": "none"}``)
    and run options (country, preserve_accents, output_format, sheet). The file's inferred
    country is the default region unless ``country`` is given; its country column, if any, gives
    each row's region."""
    plan = Plan(columns={c.name: ColumnPlan(c.type, c.part) for c in detection.columns},
                country=detection.country.code or "US", country_column=detection.country.column)
    plan = plan.with_overrides(overrides or {}, [c.name for c in detection.columns])
    return plan.with_options(**options)


__all__ = [
    "Cancelled", "Checkpoint", "ColumnDetection", "ColumnPlan", "ColumnType", "FileDetection",
    "InputError", "NoProgress", "NormdeskError", "Outcome", "OutputError", "Plan", "Progress",
    "Report", "Source", "detect_columns", "detect_file", "detect_sample", "open_source", "plan_from_detection", "run_file",
]
