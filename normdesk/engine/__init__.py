"""The normdesk engine: sniff -> read -> detect -> plan -> normalize -> write -> report.

Qt-free, usable from a script or a notebook::

    from normdesk.engine import detect_file, plan_from_detection, run_file
    plan = plan_from_detection(detect_file("contacts.csv"), overrides={"Notes": "none"})
    report = run_file("contacts.csv", "contacts.clean.csv", plan)

Names load on first use, so ``import normdesk.engine.errors`` (or a command that only needs the
plan) does not import polars.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "ColumnDetection": "normdesk.engine.detect", "FileDetection": "normdesk.engine.detect",
    "detect_columns": "normdesk.engine.detect", "detect_sample": "normdesk.engine.detect",
    "Cancelled": "normdesk.engine.errors", "InputError": "normdesk.engine.errors",
    "NormdeskError": "normdesk.engine.errors", "OutputError": "normdesk.engine.errors",
    "Checkpoint": "normdesk.engine.pipeline", "run_file": "normdesk.engine.pipeline",
    "ColumnPlan": "normdesk.engine.plan", "Plan": "normdesk.engine.plan",
    "NoProgress": "normdesk.engine.progress", "Progress": "normdesk.engine.progress",
    "Source": "normdesk.engine.reader", "open_source": "normdesk.engine.reader",
    "Report": "normdesk.engine.report",
    "ColumnType": "normdesk.engine.types", "Outcome": "normdesk.engine.types",
    "detect_file": "normdesk.engine.files", "plan_from_detection": "normdesk.engine.files",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'normdesk.engine' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
