"""Spreadsheet formula cells: counted in every run, prefixed with ' when the plan asks for
``safe_formulas``, in every output format; typed columns and plain numbers are never touched."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import polars as pl
import pytest

from normdesk.engine import ColumnPlan, ColumnType, Plan, run_file
from normdesk.engine.formulas import protect, risky

HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x.example","click")', "@SUM(A1:A9)", "+1+2", "-2+3",
           "\tTAB", "\rCR"]
HARMLESS = ["-12.5", "+3", "42", "1e5", "plain text", "a=b", "", "-", "+"]


def write_input(path):
    rows = [["Phone", "Notes"]] + [["+1 415 555 0100", value] for value in HOSTILE + HARMLESS]
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def plan(**options) -> Plan:
    return Plan(columns={"Phone": ColumnPlan(ColumnType.PHONE), "Notes": ColumnPlan(ColumnType.UNKNOWN)}
                ).with_options(**options)


def read_output(path, fmt) -> pl.DataFrame:
    if fmt == "csv":
        return pl.read_csv(path, infer_schema=False)
    if fmt == "xlsx":
        return pl.read_excel(path, infer_schema_length=0)
    if fmt == "json":
        return pl.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    return pl.read_parquet(path)


def test_risky_cells():
    series = pl.Series(HOSTILE + HARMLESS + [None])
    flags = pl.select(risky(pl.lit(series))).to_series().to_list()
    assert flags == [True] * len(HOSTILE) + [False] * (len(HARMLESS) - 2) + [True, True, False]
    assert pl.select(protect(pl.lit(pl.Series(["=1", "-5", None])))).to_series().to_list() == ["'=1", "-5", None]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
@pytest.mark.parametrize("safe", [True, False], ids=["safe", "as-is"])
def test_formula_cells_in_every_format(tmp_path, fmt, safe):
    src = write_input(tmp_path / "in.csv")
    out = tmp_path / f"out.{fmt}"
    report = run_file(src, out, plan(output_format=fmt, safe_formulas=safe), workers=0)
    frame = read_output(out, fmt)
    notes = [v or "" for v in frame["Notes"].to_list()]
    assert notes[: len(HOSTILE)] == [("'" + v if safe else v) for v in HOSTILE]
    assert notes[len(HOSTILE):len(HOSTILE) + len(HARMLESS) - 2] == HARMLESS[:-2], "plain numbers and text untouched"
    assert notes[-2:] == (["'-", "'+"] if safe else ["-", "+"])
    assert set(frame["Phone"].to_list()) == {"+14155550100"}, "a typed column is never touched"
    assert report.formula_cells == {"Notes": len(HOSTILE) + 2}, "counted either way"
    assert report.safe_formulas is safe
    warning = report.formula_warning()
    assert ("prefixed with '" in warning) is safe and ("may run them" in warning) is not safe


def test_the_command_line_is_off_by_default_and_has_a_flag(tmp_path):
    src = write_input(tmp_path / "in.csv")
    common = [sys.executable, "-m", "normdesk", "run", str(src), "--type", "Phone=phone", "--type", "Notes=none"]
    plain = subprocess.run([*common, "-o", str(tmp_path / "plain.csv")], capture_output=True, text=True, timeout=120)
    safe = subprocess.run([*common, "-o", str(tmp_path / "safe.csv"), "--safe-formulas"], capture_output=True,
                          text=True, timeout=120)
    assert plain.returncode == safe.returncode == 0, plain.stderr + safe.stderr
    assert "warning: 9 cells begin like a spreadsheet formula (Notes 9)" in plain.stdout
    assert "9 cells began like a spreadsheet formula (Notes 9): prefixed with '" in safe.stdout
    assert "=cmd|" in (tmp_path / "plain.csv").read_text() and "'=cmd|" not in (tmp_path / "plain.csv").read_text()
    assert "'=cmd|" in (tmp_path / "safe.csv").read_text()


def test_the_plan_keeps_the_option():
    assert Plan.from_json(plan(safe_formulas=True).to_json()).safe_formulas is True
    assert Plan.from_dict({"columns": {}}).safe_formulas is False
