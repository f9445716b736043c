"""run_file end to end on real files: the output contract, formats, atomicity, resume, cancel."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from normdesk.engine import Cancelled, Checkpoint, ColumnPlan, ColumnType, InputError, Plan, run_file

ROWS = [
    ["Name", "E-mail", "Tel", "Address", "Notes"],
    ["SMITH, John Q.", " John.Smith@Example.COM ", "(415) 555-0132 x12", "123 north main street apt 4, springfield, illinois 62704", "vip"],
    ["jane doe", "not-an-email", "12", "", ""],
    ["", "", "", "", "empty typed cells"],
    ["Dr. Ada Lovelace", "ada@math.org", "+44 20 7946 0958", "500 Oak Ave, Austin, TX 78701", "x"],
]


def write_csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def plan(**options) -> Plan:
    cols = {
        "Name": ColumnPlan(ColumnType.NAME),
        "E-mail": ColumnPlan(ColumnType.EMAIL),
        "Tel": ColumnPlan(ColumnType.PHONE),
        "Address": ColumnPlan(ColumnType.ADDRESS),
        "Notes": ColumnPlan(ColumnType.UNKNOWN),
    }
    return Plan(columns=cols).with_options(**options)


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_output_contract(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    before = digest(src)
    report = run_file(src, tmp_path / "out.csv", plan(), workers=0)
    assert digest(src) == before, "the input is never modified"
    out = read_rows(tmp_path / "out.csv")
    header = out[0]
    assert header == [
        "Name", "Name_title", "Name_first", "Name_middle", "Name_last", "Name_suffix",
        "E-mail", "Tel", "Tel_ext",
        "Address", "Address_line1", "Address_line2", "Address_city", "Address_state", "Address_zip",
        "Notes", "normdesk_issues",
    ]
    assert len(out) == len(ROWS), "every row comes out"
    rows = [dict(zip(header, r)) for r in out[1:]]
    assert [r["Notes"] for r in rows] == [r[4] for r in ROWS[1:]], "untyped columns pass through, in order"
    first = rows[0]
    assert (first["Name_first"], first["Name_middle"], first["Name_last"]) == ("John", "Q.", "Smith")
    assert first["E-mail"] == "john.smith@example.com"
    assert (first["Tel"], first["Tel_ext"]) == ("+14155550132", "12")
    assert first["Address_state"] == "IL" and first["Address_zip"] == "62704"
    assert first["normdesk_issues"] == ""
    bad = rows[1]
    assert bad["E-mail"] == "not-an-email" and bad["Tel"] == "12", "invalid values are kept as they were"
    assert bad["normdesk_issues"].startswith("E-mail: ") and "; Tel: " in bad["normdesk_issues"]
    empty = rows[2]
    assert all(empty[c] == "" for c in header[:-2]) and empty["normdesk_issues"] == ""
    assert rows[3]["Tel"] == "+442079460958"
    assert (report.total_rows, report.valid_rows, report.invalid_rows) == (4, 3, 1)
    email = report.columns["E-mail"]
    assert (email.empty, email.changed, email.unchanged, email.invalid) == (1, 1, 1, 1)
    assert report.invalid_samples[0] == {"row": 2, "column": "E-mail", "value": "not-an-email",
                                         "reason": report.invalid_samples[0]["reason"]}
    assert not list(tmp_path.glob("*.normdesk-part")), "no temporary file is left"


@pytest.mark.parametrize("fmt", ["xlsx", "json", "parquet"])
def test_other_formats_hold_the_same_table(tmp_path, fmt):
    src = write_csv(tmp_path / "in.csv", ROWS)
    run_file(src, tmp_path / "ref.csv", plan(), workers=0)
    run_file(src, tmp_path / f"out.{fmt}", plan(output_format=fmt), workers=0)
    expected = read_rows(tmp_path / "ref.csv")
    if fmt == "xlsx":
        got = pl.read_excel(tmp_path / "out.xlsx", infer_schema_length=0)
    elif fmt == "json":
        got = pl.DataFrame(json.loads((tmp_path / "out.json").read_text()))
    else:
        got = pl.read_parquet(tmp_path / "out.parquet")
    assert got.columns == expected[0]
    cells = [[v or "" for v in row] for row in got.rows()]
    assert cells == expected[1:]


def test_resume_from_checkpoint_is_byte_identical(tmp_path):
    rows = [ROWS[0]] + [r for _ in range(300) for r in ROWS[1:]]
    src = write_csv(tmp_path / "in.csv", rows)
    run_file(src, tmp_path / "whole.csv", plan(), workers=0, chunk_rows=100)

    seen: list[Checkpoint] = []

    class Crash(Exception):
        pass

    def on_checkpoint(cp):
        seen.append(cp)
        if len(seen) == 5:
            raise Crash  # as if the process died after the fifth chunk

    with pytest.raises(Crash):
        run_file(src, tmp_path / "resumed.csv", plan(), workers=0, chunk_rows=100, on_checkpoint=on_checkpoint)
    assert not (tmp_path / "resumed.csv").exists()
    last = Checkpoint.from_dict(json.loads(json.dumps(seen[-1].to_dict())))
    assert Path(last.part_path).exists() and last.rows_done == 500
    report = run_file(src, tmp_path / "resumed.csv", plan(), workers=0, chunk_rows=100, checkpoint=last)
    assert digest(tmp_path / "resumed.csv") == digest(tmp_path / "whole.csv")
    assert report.total_rows == 1200 and report.invalid_rows == 300
    assert not list(tmp_path.glob("*.normdesk-part"))


def test_worker_processes_give_the_same_output(tmp_path):
    rows = [ROWS[0]] + [r for _ in range(200) for r in ROWS[1:]]
    src = write_csv(tmp_path / "in.csv", rows)
    a = run_file(src, tmp_path / "a.csv", plan(), workers=0, chunk_rows=64)
    b = run_file(src, tmp_path / "b.csv", plan(), workers=2, chunk_rows=64)
    assert digest(tmp_path / "a.csv") == digest(tmp_path / "b.csv")
    assert a.columns == b.columns and a.invalid_rows == b.invalid_rows


def test_cancel_leaves_no_output(tmp_path):
    rows = [ROWS[0]] + [r for _ in range(100) for r in ROWS[1:]]
    src = write_csv(tmp_path / "in.csv", rows)
    (tmp_path / "out.csv").write_text("previous output\n")

    class StopAfterFirst:
        def update(self, rows_done, fraction):
            self.rows = rows_done

        def cancelled(self):
            return True

    with pytest.raises(Cancelled):
        run_file(src, tmp_path / "out.csv", plan(), workers=0, chunk_rows=50, progress=StopAfterFirst())
    assert (tmp_path / "out.csv").read_text() == "previous output\n", "the previous output is intact"
    assert not list(tmp_path.glob("*.normdesk-part"))


def test_output_over_input_is_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(InputError, match="overwrite the input"):
        run_file(src, src, plan(), workers=0)


def test_plan_naming_missing_column_is_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    bad = Plan(columns={"Phone number": ColumnPlan(ColumnType.PHONE)})
    with pytest.raises(InputError, match="Phone number"):
        run_file(src, tmp_path / "out.csv", bad, workers=0)


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_duplicate_and_blank_headers_survive_named_formats(tmp_path, fmt):
    src = write_csv(tmp_path / "in.csv", [["Email", "", "Email", ""], ["A@X.ORG", "1", "b@y.org", "2"]])
    cols = {"Email": ColumnPlan(ColumnType.EMAIL), "Email (2)": ColumnPlan(ColumnType.EMAIL)}
    run_file(src, tmp_path / f"out.{fmt}", Plan(columns=cols).with_options(output_format=fmt), workers=0)
    got = (pl.DataFrame(json.loads((tmp_path / "out.json").read_text())) if fmt == "json"
           else pl.read_parquet(tmp_path / "out.parquet"))
    assert got.columns == ["Email", "Column 2", "Email (2)", "Column 4", "normdesk_issues"]
    assert got.row(0) == ("a@x.org", "1", "b@y.org", "2", None)


def test_progress_follows_the_rows_written(tmp_path):
    rows = [ROWS[0]] + [r for _ in range(250) for r in ROWS[1:]]
    src = write_csv(tmp_path / "in.csv", rows)
    seen = []

    class Record:
        def update(self, rows_done, fraction):
            seen.append((rows_done, fraction))

        def cancelled(self):
            return False

    run_file(src, tmp_path / "out.csv", plan(), workers=2, chunk_rows=100, progress=Record())
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    for rows_done, fraction in seen[:-1]:  # the workers hold chunks read ahead: they do not count yet
        # within ~one chunk (the reader buffers ahead a little); the workers hold 3 chunks (0.3)
        assert abs(fraction - rows_done / 1000) < 0.15, (rows_done, fraction)
