"""Detection of a whole file, and the plan it suggests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from normdesk.engine.detect import FileDetection, detect_sample
from normdesk.engine.plan import Plan
from normdesk.engine.reader import open_source
from normdesk.settings import DEFAULTS

DETECT_SAMPLE_ROWS = 1000


def detect_file(path: str | Path, sheet: str | None = None, sample_rows: int = DETECT_SAMPLE_ROWS) -> FileDetection:
    """Detect the type of every column of a file from a sample of its first rows."""
    with open_source(path, sheet) as source:
        columns, country = detect_sample(source.sample(sample_rows))
        return FileDetection(str(path), columns, country)


def detected_country(detection: FileDetection, default_country: str | None = None) -> str:
    """The file's inferred country, else ``default_country``, else US."""
    return detection.country.code or (default_country or DEFAULTS.country).upper()


def plan_from_detection(
    detection: FileDetection, overrides: Mapping[str, str] | None = None, *,
    default_country: str | None = None, **options: Any
) -> Plan:
    """A plan from detected types, the user's overrides (``{"Tel": "phone", "Notes": "none"}``)
    and run options (country, preserve_accents, output_format, sheet).

    The region of numbers and addresses without a country: ``country`` when given (the user chose it
    for this file), else the file's country as its data shows it, else ``default_country`` (the
    user's default), else US. A country column, if any, still gives each row's region."""
    if options.get("country") is None:
        options.pop("country", None)
    plan = Plan(country=detected_country(detection, default_country)).with_detection(detection)
    plan = plan.with_overrides(overrides or {}, [c.name for c in detection.columns])
    return plan.with_options(**options)
