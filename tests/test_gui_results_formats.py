"""The results view on xlsx, json and parquet outputs of real jobs: the same rows, cells, filters
and export as the CSV output of the same input and plan; and the output readers on their own."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from normdesk.engine import InputError, run_file
from normdesk.engine import output_rows
from normdesk.engine.output_rows import open_output
from normdesk.engine.results import RowFilter
from tests.test_gui_results import PLAN, opened
from tests.test_gui_window import ROWS, queue, run_pending, write_csv  # noqa: F401 (queue: a fixture)
from tests.test_pipeline import read_rows

FORMATS = ("xlsx", "json", "parquet")
# text a spreadsheet would read as a date or a number: it must show as the output wrote it; then an
# empty row last (an xlsx sheet has no cells for it)
LOOKALIKES = ROWS + [["Bo Wu", "bo@example.com", "415 555 0123", "1 A St", "2021-03-04 00:00:00"],
                     ["Cy Ho", "", "", "", "0012"], ["Di Ma", "di@example.io", "", "", "1.50"], [""] * 5]
FILTERS = [  # a filter (search_in: a column's title) and the rows it keeps in the CSV output
    (dict(reason="TOO SHORT"), 5),
    (dict(changed_only=True), 21),
    (dict(text="ANN.LEE@"), 5),
    (dict(column="Tel", changed_only=True), 5),
    (dict(text="0012", search_in="Notes"), 1),
]


def run_job(queue, tmp_path, fmt):
    src = tmp_path / "in.csv"
    if not src.exists():
        write_csv(src, LOOKALIKES)
    job = queue.submit(src, tmp_path / f"out.{fmt}", PLAN.with_options(output_format=fmt))
    run_pending(queue)
    done = queue.get(job.id)
    assert done.status.value == "completed", done.error
    return done


def filtered(qtbot, view, flt):
    with qtbot.waitSignal(view.model.filtered, timeout=20_000):
        view.model.set_filter(flt)
    return view.model.visible_rows().to_list()


def exported(qtbot, view, path):
    view.export(path)
    qtbot.waitUntil(lambda: "Exported" in view.summary.text(), timeout=20_000)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_output_in_another_format_shows_filters_and_exports_as_the_csv_output(qtbot, queue, tmp_path, fmt):
    csv_view = opened(qtbot, run_job(queue, tmp_path, "csv"))
    view = opened(qtbot, run_job(queue, tmp_path, fmt))
    model, ref = view.model, csv_view.model
    assert [c.title for c in model.columns] == [c.title for c in ref.columns]
    assert model.rowCount() == ref.rowCount() == len(LOOKALIKES) - 1
    cells = [[model.cell(r, c) for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert cells == [[ref.cell(r, c) for c in range(ref.columnCount())] for r in range(ref.rowCount())]
    notes = [c.title for c in model.columns].index("Notes")
    assert [cells[r][notes] for r in (-4, -3, -2)] == ["2021-03-04 00:00:00", "0012", "1.50"]
    assert set(cells[-1]) == {""}
    assert view.changed_box.isEnabled() and "Name (before)" in [c.title for c in model.columns]

    for fields, count in FILTERS:
        where = fields.get("search_in")
        flt = RowFilter(**{**fields, "search_in": None if where is None else model.layout.header.index(where)})
        expected = filtered(qtbot, csv_view, flt)
        assert len(expected) == count, flt
        assert filtered(qtbot, view, flt) == expected, flt
    assert view.model.rowCount() == 1
    assert exported(qtbot, view, tmp_path / f"{fmt}.rows.csv") == exported(qtbot, csv_view, tmp_path / "csv.rows.csv")
    assert read_rows(tmp_path / f"{fmt}.rows.csv") == [read_rows(tmp_path / "out.csv")[0], read_rows(tmp_path / "out.csv")[-3]]


def test_the_search_box_filters_a_parquet_output_of_a_detected_plan(qtbot, queue, tmp_path):
    job = queue.submit(write_csv(tmp_path / "in.csv", LOOKALIKES), output_format="parquet")
    run_pending(queue)
    view = opened(qtbot, queue.get(job.id))
    assert view.job.output_path.endswith(".parquet") and view.model.columns[0].title == "Name (before)"
    view.search_edit.setText("ann.lee@")
    qtbot.waitUntil(lambda: view.model.rowCount() == 5, timeout=20_000)
    assert all(view.model.cell(r, 0) == "Ann Lee" for r in range(5))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_readers_give_every_row_as_the_csv_output(tmp_path, monkeypatch, fmt):
    monkeypatch.setattr(output_rows, "BLOCK_ROWS", 7)  # parquet: several blocks, reads across their edges
    src = write_csv(tmp_path / "in.csv", LOOKALIKES)
    run_file(src, tmp_path / "out.csv", PLAN, workers=0)
    report = run_file(src, tmp_path / f"out.{fmt}", PLAN.with_options(output_format=fmt), workers=0)
    expected = read_rows(tmp_path / "out.csv")
    if fmt == "xlsx":  # the empty row last has no cells in the sheet: without the count, it is not there
        alone = open_output(tmp_path / "out.xlsx", fmt)
        alone.build()
        assert alone.rows == len(expected) - 2
    reader = open_output(tmp_path / f"out.{fmt}", fmt, report.total_rows)
    assert reader.read_header() == expected[0]
    reader.build()
    assert reader.done and reader.rows == len(expected) - 1
    assert reader.read(0, reader.rows + 5) == expected[1:]
    assert reader.read(5, 4) == expected[6:10] and reader.read(reader.rows - 1, 3) == [expected[-1]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_output_that_cannot_be_read_is_one_line(tmp_path, fmt):
    bad = tmp_path / f"out.{fmt}"
    bad.write_text("this is not the output\n")
    with pytest.raises(InputError, match=f"^out.{fmt}: cannot read this output") as err:
        reader = open_output(bad, fmt)
        reader.read_header()
        reader.build()
    assert "\n" not in str(err.value)
