"""Per-value overrides in a plan (fixed by hand in the results view), applied by the engine's transform."""

from __future__ import annotations

import json

import pytest

from normdesk.engine import InputError, Plan, run_file
from normdesk.engine.plan import ValueOverride
from tests.test_pipeline import ROWS, plan, read_rows, write_csv


def run(tmp_path, the_plan: Plan, workers: int = 0):
    src = write_csv(tmp_path / "in.csv", ROWS + [["jane doe", "not-an-email", "12", "", "again"]])
    report = run_file(src, tmp_path / "out.csv", the_plan, workers=workers)
    rows = read_rows(tmp_path / "out.csv")
    return report, rows[0], rows[1:]


def test_an_edited_raw_value_is_normalized_as_its_replacement(tmp_path):
    report, header, rows = run(tmp_path, plan().with_value("E-mail", "not-an-email", " Jane@Example.org"))
    email = header.index("E-mail")
    assert [r[email] for r in rows] == ["john.smith@example.com", "jane@example.org", "", "ada@math.org",
                                        "jane@example.org"]
    assert all("E-mail" not in r[-1] for r in rows)
    assert "Tel: " in rows[1][-1], "the row's other issues stay"
    assert report.invalid_rows == 2  # the phone "12" is still invalid in both jane rows


def test_a_value_kept_as_is_is_valid_and_unchanged(tmp_path):
    report, header, rows = run(tmp_path, plan().with_value("Tel", "12", None).with_value("E-mail", "not-an-email", None))
    tel = header.index("Tel")
    assert rows[1][tel] == "12" and rows[1][header.index("Tel_ext")] == ""
    assert rows[1][-1] == "" and rows[-1][-1] == ""
    assert report.invalid_rows == 0
    assert report.columns["Tel"].invalid == 0 and report.columns["E-mail"].invalid == 0


def test_overrides_give_the_same_output_in_worker_processes(tmp_path):
    edited = plan().with_value("Tel", "12", "+1 415 555 0100").with_value("E-mail", "not-an-email", None)
    _, _, here = run(tmp_path, edited, workers=0)
    (tmp_path / "out.csv").unlink()
    _, _, there = run(tmp_path, edited, workers=2)
    assert here == there
    assert here[1][ROWS[0].index("Tel") + 5] == "+14155550100"


def test_overrides_survive_json_and_replace_each_other():
    p = plan().with_value("Tel", "12", "13").with_value("Tel", "12", None).with_value("Name", "x", "y")
    assert p.values == (ValueOverride("Tel", "12", None), ValueOverride("Name", "x", "y"))
    again = Plan.from_json(p.to_json())
    assert again == p
    assert again.value_overrides("Tel") == ({}, {"12"})
    assert again.without_value("Tel", "12").values == (ValueOverride("Name", "x", "y"),)


def test_bad_overrides_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="not a typed column"):
        plan().with_value("Notes", "vip", "VIP")
    data = plan().to_dict() | {"values": [{"column": "Tel", "raw": 12}]}
    with pytest.raises(InputError, match="value override needs"):
        Plan.from_dict(json.loads(json.dumps(data)))
    missing = Plan.from_dict(plan().to_dict() | {"values": [{"column": "Fax", "raw": "1", "replacement": None}]})
    with pytest.raises(InputError, match="Fax"):
        missing.check_columns(ROWS[0])


def test_overrides_apply_to_the_parts_of_an_address_group(tmp_path):
    """A city, state or ZIP fixed by hand goes through the group's normalizer (checked against the
    other parts); one kept as is stays exactly as it was."""
    from normdesk.engine.plan import ColumnPlan

    src = write_csv(tmp_path / "split.csv", [["street", "city", "state", "zip"],
                                             ["12 main street", "cambrige", "MA", "02139"],
                                             ["1 federal st", "boston", "Massachusetts", "2110"],
                                             ["9 elm st", "Springfield", "IL", "627O4"]])
    parts = {name: ColumnPlan.parse(f"address:{part}") for name, part in
             (("street", "street"), ("city", "city"), ("state", "state"), ("zip", "zip"))}
    the_plan = Plan(columns=parts).with_value("city", "cambrige", "Cambridge").with_value("zip", "627O4", None)
    run_file(src, tmp_path / "out.csv", the_plan, workers=0)
    header, *rows = read_rows(tmp_path / "out.csv")
    city, zip_ = header.index("city"), header.index("zip")
    assert rows[0][city] == "Cambridge" and "city" not in rows[0][-1]
    assert rows[2][zip_] == "627O4" and "zip:" not in rows[2][-1].lower()
    assert rows[1][header.index("state")] == "MA" and rows[1][zip_] == "02110"  # the group still normalizes
