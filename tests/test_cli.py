"""The command line contract, run as a real subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "sample_contacts.csv"


def normdesk(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "normdesk", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_detect_json_shape_on_the_sample():
    result = normdesk("detect", "--json", SAMPLE)
    assert result.returncode == 0, result.stderr
    files = json.loads(result.stdout)
    assert [f["file"] for f in files] == [str(SAMPLE)]
    types = {c["name"]: c["type"] for c in files[0]["columns"]}
    assert types == {"full_name": "name", "email": "email", "phone": "phone", "address": "address",
                     "company": "unknown", "signup_date": "unknown"}
    for col in files[0]["columns"]:
        assert 0.0 <= col["confidence"] <= 1.0 and col["evidence"]


def test_run_on_the_sample_with_plan_round_trip(tmp_path):
    out, plan = tmp_path / "out.csv", tmp_path / "plan.json"
    result = normdesk("run", SAMPLE, "-o", out, "--save-plan", plan, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total_rows"] == 1000 and report["valid_rows"] + report["invalid_rows"] == 1000
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 1001 and rows[0][0] == "full_name" and rows[0][-1] == "normdesk_issues"
    saved = json.loads(plan.read_text())
    assert saved["columns"]["phone"] == "phone" and saved["columns"]["company"] == "unknown"

    again = normdesk("run", SAMPLE, "-o", tmp_path / "again.csv", "--plan", plan)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()


def test_type_override_excludes_and_retypes(tmp_path):
    out = tmp_path / "out.csv"
    result = normdesk("run", SAMPLE, "-o", out, "--type", "phone=none", "--type", "company=name", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "phone" not in report["columns"] and report["columns"]["company"]["type"] == "name"
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "phone_ext" not in header and "company_first" in header


@pytest.mark.parametrize(
    "args, message",
    [
        (["--type", "Nope=phone"], "no column named 'Nope'"),
        (["--type", "phone=fax"], "unknown column type 'fax'"),
        (["--country", "USA"], "two-letter code"),
    ],
)
def test_bad_arguments_get_one_line(tmp_path, args, message):
    result = normdesk("run", SAMPLE, "-o", tmp_path / "out.csv", *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary\xff\xfe\x00" * 20])
def test_bad_input_files_get_one_line(tmp_path, content):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    result = normdesk("run", bad, "-o", tmp_path / "out.csv")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("normdesk: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not (tmp_path / "out.csv").exists()


def test_missing_file(tmp_path):
    result = normdesk("detect", tmp_path / "missing.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ('Name,Email\n"Ann,ann@x.org\nBob,bob@x.org\n', "unterminated quoted field starting on line 2"),
        ("Name,Email\nAnn,ann@x.org\nBob,bob@x.org,extra,more\n", "line 3 has 4 fields, the header has 2"),
    ],
)
def test_malformed_csv_fails_with_the_line_when_strict(tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    result = normdesk("run", bad, "-o", tmp_path / "out.csv", "--strict")  # without: quarantined (test_rejects)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.glob("out.csv*")) and not list(tmp_path.glob(".*normdesk-part"))


def test_short_rows_are_kept_and_counted(tmp_path):
    src = tmp_path / "short.csv"
    src.write_text("Name,Email,Tel\nAnn Lee,ann@x.org,415-555-0100\nBob Ray\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = normdesk("run", src, "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["short_rows"] == 1 and report["total_rows"] == 2
    rows = list(csv.reader(out.open(newline="", encoding="utf-8")))
    assert rows[2][0] == "Bob Ray" and len(rows[2]) == len(rows[0])


def test_excel_input_and_output(tmp_path):
    import polars as pl

    src = tmp_path / "in.xlsx"
    pl.DataFrame({"Name": ["ann LEE"], "Mail": ["Ann@X.org"], "Zip": ["02134"]}).write_excel(src)
    out = tmp_path / "out.xlsx"
    result = normdesk("run", src, "-o", out, "--type", "Name=name", "--type", "Mail=email", "--type", "Zip=none")
    assert result.returncode == 0, result.stderr
    got = pl.read_excel(out, infer_schema_length=0)
    assert got["Mail"].to_list() == ["ann@x.org"] and got["Zip"].to_list() == ["02134"]
    assert got["Name_first"].to_list() == ["Ann"]


def test_version_goes_to_stdout():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "normdesk", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("normdesk ") and proc.stderr == ""
