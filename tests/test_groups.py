"""Address and name groups: the plan's group parts, the group normalizers, the output layout,
detection of groups, and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from normdesk.engine import plan_from_detection, run_file
from normdesk.engine.errors import InputError
from normdesk.engine.files import detect_file
from normdesk.engine.groups import plan_groups
from normdesk.engine.normalize import NormalizeOptions
from normdesk.engine.normalize.group import make_group_normalizer
from normdesk.engine.plan import ColumnPlan, Plan
from normdesk.engine.types import ColumnType, Outcome
from shared_data import BENCH, BENCH_DATA

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import split_layouts  # noqa: E402

needs_generator = pytest.mark.skipif(not (BENCH / "gen_contacts.py").exists(), reason="gen_contacts.py not present")
SOCRATA = BENCH_DATA / "semantic-types" / "data" / "opendata_socrata_com"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))


def address(columns: dict[str, list], line: bool = False, country: str = "US"):
    norm = make_group_normalizer(ColumnType.ADDRESS, NormalizeOptions(country=country), tuple(columns), line)
    results, one_line = norm.normalize({p: pl.Series(p, v, dtype=pl.Utf8) for p, v in columns.items()})
    return {p: r.to_dicts() for p, r in results.items()}, one_line


# -- plan ---------------------------------------------------------------------------------------
def test_group_parts_parse_and_round_trip_through_a_saved_plan(tmp_path):
    col = ColumnPlan.parse("Address:City@home")
    assert (col.type, col.part, col.group) == (ColumnType.ADDRESS, "city", "home")
    assert col.label() == "address:city@home"
    assert ColumnPlan.parse("name:suffix").group is None
    plan = Plan(columns={"c": col, "t": ColumnPlan.parse("name:title@agent")}, address_line=True)
    plan.save(tmp_path / "p.json")
    again = Plan.load(tmp_path / "p.json")
    assert again == plan
    assert json.loads((tmp_path / "p.json").read_text())["columns"] == {"c": "address:city@home", "t": "name:title@agent"}


@pytest.mark.parametrize("text, message", [
    ("address@home", "only a part"),
    ("address:city@", "group name"),
    ("address:city@my home", "group name"),
    ("address:town", "unknown part"),
])
def test_bad_group_types_are_one_line_errors(text, message):
    with pytest.raises(InputError, match=message):
        ColumnPlan.parse(text)


def test_which_columns_form_groups():
    plan = Plan(columns={k: ColumnPlan.parse(v) for k, v in {
        "s": "address:street", "f": "name:first", "c2": "address:city@work", "z2": "address:zip@work",
        "st": "address:state", "full": "address",
    }.items()})
    groups = {g.label: g.parts for g in plan_groups(plan, list(plan.columns))}
    # a street with a state is a group; a lone first name stays a plain name column
    assert groups == {"address": {"street": "s", "state": "st"}, "address@work": {"city": "c2", "zip": "z2"}}
    alone = Plan(columns={"s": ColumnPlan.parse("address:street")})
    assert plan_groups(alone, ["s"]) == []


# -- address groups -----------------------------------------------------------------------------
def test_address_parts_are_standardized_each_in_its_own_column():
    out, line = address({
        "street": ["12 main street apt 4", "500 w 5th avenue", " 77 Elm St "],
        "line2": ["", "suite 200", "3rd floor"],
        "city": ["cambridge", "NEW YORK", "mcallen"],
        "state": ["Massachusetts", "n.y.", "tx"],
        "zip": ["2139", "100011234", "78501"],
    }, line=True)
    assert [r["value"] for r in out["street"]] == ["12 Main St", "500 W 5th Ave", "77 Elm St"]
    assert [r["value"] for r in out["line2"]] == ["Apt 4", "Ste 200", "Fl 3"]  # the unit moved to line 2
    assert out["line2"][0]["outcome"] == Outcome.CHANGED
    assert [r["value"] for r in out["city"]] == ["Cambridge", "New York", "McAllen"]
    assert [r["value"] for r in out["state"]] == ["MA", "NY", "TX"]
    assert [r["value"] for r in out["zip"]] == ["02139", "10001-1234", "78501"]
    assert line.to_list() == ["12 Main St Apt 4, Cambridge, MA 02139", "500 W 5th Ave Ste 200, New York, NY 10001-1234",
                              "77 Elm St Fl 3, McAllen, TX 78501"]
    assert all(r["reason"] is None for rows in out.values() for r in rows)


def test_inconsistent_parts_are_flagged_and_kept_valid():
    out, _ = address({
        "street": ["1 Oak Rd", "1 Oak Rd, Boston, MA", "9 Pine St"],
        "city": ["Boston", "Boston", "Chicago"],
        "state": ["CA", "MA", "IL"],
        "zip": ["02108", "02108", "00000"],
    })
    assert out["state"][0]["outcome"] == Outcome.WARNING
    assert out["state"][0]["reason"] == "state does not match ZIP: 02108 is in MA"
    assert out["street"][1]["outcome"] == Outcome.WARNING and out["street"][1]["reason"] == "city in the street column"
    assert out["zip"][2]["outcome"] == Outcome.WARNING and out["zip"][2]["reason"].startswith("unknown ZIP")
    wrong_city, _ = address({"city": ["Springfield"], "zip": ["10001"]})
    assert wrong_city["city"][0]["reason"] == "city does not match ZIP: 10001 is New York"
    right_city, _ = address({"city": ["St. Louis"], "state": ["MO"], "zip": ["63101"]})
    assert right_city["city"][0]["outcome"] == Outcome.UNCHANGED
    assert {r["outcome"] for r in right_city["state"] + right_city["zip"]} == {Outcome.UNCHANGED}


def test_bad_parts_are_kept_as_they_were_with_a_reason():
    out, _ = address({"street": ["Suite 100"], "state": ["Atlantis"], "zip": ["12ab"]})
    assert out["state"][0] == {"value": "Atlantis", "outcome": Outcome.INVALID, "reason": "not a US state or Canadian province"}
    assert out["zip"][0]["outcome"] == Outcome.INVALID and out["zip"][0]["value"] == "12ab"
    assert out["street"][0]["outcome"] == Outcome.INVALID and out["street"][0]["value"] == "Suite 100"


def test_a_country_part_gives_each_row_its_region():
    out, _ = address({
        "city": ["ottawa", "Berlin", "austin"], "state": ["Ontario", "Berlin", "Texas"],
        "zip": ["k1a0b1", "10115", "78701"], "country": ["Canada", "Germany", "USA"],
    })
    assert [r["value"] for r in out["state"]] == ["ON", "Berlin", "TX"]
    assert [r["value"] for r in out["zip"]] == ["K1A 0B1", "10115", "78701"]
    assert [r["value"] for r in out["country"]] == ["CA", "DE", "US"]
    assert all(r["reason"] is None for rows in out.values() for r in rows)


# -- name groups --------------------------------------------------------------------------------
def test_name_parts_take_their_standard_forms():
    norm = make_group_normalizer(ColumnType.NAME, NormalizeOptions(), ("title", "first", "last", "suffix"))
    cols = {"title": ["dr", "MRS.", ""], "first": ["JOHN", "dr. ann", "mary"],
            "last": ["o'brien", "lee jr.", "MCDONALD"], "suffix": ["jr", "phd", "iii"]}
    results, _ = norm.normalize({p: pl.Series(p, v) for p, v in cols.items()})
    values = {p: r.get_column("value").to_list() for p, r in results.items()}
    assert values == {"title": ["Dr.", "Mrs.", ""], "first": ["John", "Dr. Ann", "Mary"],
                      "last": ["O'Brien", "Lee Jr.", "McDonald"], "suffix": ["Jr.", "PhD", "III"]}
    assert results["first"].get_column("reason").to_list() == [None, "title in the first-name column", None]
    assert results["last"].get_column("outcome").to_list()[1] == Outcome.WARNING


# -- whole files --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    if not (BENCH / "gen_contacts.py").exists():
        pytest.skip("gen_contacts.py not present")
    folder = tmp_path_factory.mktemp("layouts")
    return {layout: (folder / f"{layout}.csv", *split_layouts.write(folder / f"{layout}.csv", 300, layout))
            for layout in split_layouts.LAYOUTS}


@needs_generator
@pytest.mark.parametrize("layout", split_layouts.LAYOUTS)
def test_detection_proposes_the_groups_of_each_layout(layouts, layout):
    path, _, cols = layouts[layout]
    found = {c.name: (c.type.value, c.part, c.group) for c in detect_file(path).columns}
    for header, _, gold in cols:
        if gold:
            kind, part, group = gold
            assert found[header] == (kind, part, group), header
    if layout == "split_line":  # the one-line address beside the parts stays a full address
        assert found["full_address"] == ("address", None, None)


@needs_generator
def test_a_split_file_comes_back_in_place_with_every_row(layouts, tmp_path):
    path, data, _ = layouts["two"]
    out = tmp_path / "out.csv"
    plan = plan_from_detection(detect_file(path), address_line=True)
    report = run_file(path, out, plan, workers=0)
    result = pl.read_csv(out, infer_schema=False)
    assert report.total_rows == result.height == 300
    header = pl.read_csv(path, n_rows=0).columns
    # every input column in place, no empty component columns, one line per group after its ZIP
    assert result.columns == [*header[:6], "home_address_line", *header[6:], "work_address_line", "normdesk_issues"]
    truth = [row["home_t_state"] or None for row in data]
    assert result.get_column("Home State").to_list() == truth
    assert report.data_versions["ZIP table"].startswith("zipcodes ")


@needs_generator
def test_the_command_line_types_groups_and_saves_them_in_the_plan(layouts, tmp_path):
    path, _, _ = layouts["split"]
    out, plan = tmp_path / "out.csv", tmp_path / "plan.json"
    types = ["address=address:street@home", "suite=address:line2@home", "city=address:city@home",
             "state=address:state@home", "zip=address:zip@home", "first_name=none", "last_name=none"]
    cmd = [sys.executable, "-m", "normdesk", "run", str(path), "-o", str(out), "--save-plan", str(plan)]
    done = subprocess.run(cmd + [a for t in types for a in ("--type", t)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(plan.read_text())["columns"]["city"] == "address:city@home"
    assert "address:city@home" in done.stdout
    again = subprocess.run([sys.executable, "-m", "normdesk", "run", str(path), "-o", str(tmp_path / "again.csv"),
                            "--plan", str(plan)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == out.read_bytes()
    bad = subprocess.run(cmd + ["--type", "city=address@home"], capture_output=True, text=True)
    assert bad.returncode != 0 and bad.stderr.count("\n") == 1 and "only a part" in bad.stderr


@pytest.mark.skipif(not SOCRATA.exists(), reason="semantic-types data not present")
def test_a_real_file_with_four_addresses_and_an_agent():
    found = detect_file(SOCRATA / "data.colorado.gov" / "2vmr-dspm.csv").columns
    groups: dict[tuple, set] = {}
    for c in found:
        if c.part and c.type in (ColumnType.ADDRESS, ColumnType.NAME):
            groups.setdefault((c.type.value, c.group), set()).add(c.part)
    everything = {"street", "line2", "city", "state", "zip", "country"}
    assert groups == {("address", "principal"): everything, ("address", "mailing"): everything,
                      ("address", "agentprincipal"): everything, ("address", "agentmailing"): everything,
                      ("name", None): {"first", "middle", "last", "suffix"}}


def test_the_preview_shows_and_keeps_a_columns_group(qtbot):
    from PySide6.QtWidgets import QTableView

    from normdesk.engine.detect import ColumnDetection
    from normdesk.gui.column_plan_model import CHOICES, ColumnPlanModel, PreviewColumn, TypeDelegate
    from normdesk.gui.file_preview import before_after

    model = ColumnPlanModel()
    model.set_detection([ColumnDetection("hc", ColumnType.ADDRESS, 0.9, "x", "city", "home")])
    cell = model.index(0, PreviewColumn.USE_AS)
    assert cell.data() == "City @home"
    assert {text for _, text in CHOICES} >= {"City", "State / province", "ZIP / postal code", "Name suffix"}
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = TypeDelegate(view)
    editor = delegate.createEditor(view, None, cell)
    delegate.setEditorData(editor, cell)
    assert editor.currentText() == "City"
    editor.setCurrentIndex(editor.findText("State / province"))
    delegate.setModelData(editor, model, cell)
    assert model.overrides() == {"hc": "address:state@home"}  # another part, the same group
    rows = before_after(["Massachusetts", "Atlantis"], ColumnPlan.parse("address:state@home"), "US", False)
    assert [(before, after, outcome) for before, after, _, outcome, _ in rows] == [
        ("Massachusetts", "MA", Outcome.CHANGED), ("Atlantis", "Atlantis", Outcome.INVALID)]


def test_the_zip_table_is_kept_in_the_data_folder_and_read_back(home, tmp_path, monkeypatch):
    import zipcodes

    from normdesk.engine.normalize.zip_table import zip_table

    zip_table.cache_clear()
    built = zip_table()
    kept = home / f"zip_table-{zipcodes.__version__}.parquet"
    assert kept.is_file() and built.height > 40_000
    assert built.filter(pl.col("zip5") == "10001")["zip_state"].to_list() == ["NY"]
    zip_table.cache_clear()
    kept.write_bytes(b"damaged")  # a damaged copy is built again, and kept again
    assert zip_table().equals(built) and pl.read_parquet(kept).equals(built)
    zip_table.cache_clear()
    assert zip_table().equals(built)  # from the kept copy
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "not-a-folder"))
    zip_table.cache_clear()
    try:
        assert zip_table().equals(built)  # no data folder: built, not kept
    finally:
        zip_table.cache_clear()


def test_jobs_submit_takes_the_plan_switches_of_run(home, tmp_path):
    from queue_helpers import run_pending

    from normdesk.jobs.queue import JobQueue

    src, out = tmp_path / "a.csv", tmp_path / "a.out.csv"
    src.write_text("first,last,street,suite,city,state,zip\nJOHN,smith,12 main street apt 4,,cambridge,"
                   "Massachusetts,2139\nRené,Lee,77 elm st,,springfield,IL,62704\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "normdesk", "jobs", "submit", str(src), "-o", str(out),
                           "--address-line", "--preserve-accents", "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (job,) = json.loads(done.stdout)
    assert job["config"]["address_line"] is True and job["config"]["preserve_accents"] is True
    queue = JobQueue()
    try:
        run_pending(queue)
        assert queue.get(job["id"]).status.value == "completed"
    finally:
        queue.close()
    result = pl.read_csv(out, infer_schema=False)
    assert result.get_column("address_line").to_list() == ["12 Main St Apt 4, Cambridge, MA 02139",
                                                          "77 Elm St, Springfield, IL 62704"]
    assert result.get_column("first").to_list() == ["John", "René"]
