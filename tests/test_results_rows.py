"""The results view's engine side on real files: the row index, filters, before/after, export."""

from __future__ import annotations

import csv

import polars as pl
import pytest

from normdesk.engine import ColumnPlan, ColumnType, run_file
from normdesk.engine.results import ResultLayout, RowFilter, _walk, export_rows, input_index, matching_rows, open_input
from normdesk.engine.row_index import STRIDE, RowIndex
from tests.test_pipeline import ROWS, plan, read_rows, write_csv


def test_index_reads_every_row_as_the_csv_module_does(tmp_path):
    rows = [["a", "b"]] + [[f"r{i}", f"line one\nline \"two\" {i}" if i % 7 == 0 else str(i)] for i in range(3 * STRIDE + 5)]
    path = tmp_path / "x.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    index = RowIndex(path)
    seen = []
    index.build(on_progress=seen.append)
    assert index.done and index.rows == len(rows) - 1 and index.header == ["a", "b"]
    assert index.read(0, index.rows) == rows[1:]
    assert index.read(STRIDE - 2, 5) == rows[STRIDE - 1 : STRIDE + 4]
    assert index.read(index.rows - 1, 10) == [rows[-1]]
    assert seen[-1] == index.rows


def test_index_of_a_semicolon_cp1252_input_skips_blank_lines_like_the_reader(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes("sep=;\nName;Ville\n\nRen\xe9;Z\xfcrich\n   \nAnn;\"Bern\nOst\"\nBob;X".encode("cp1252"))
    index = RowIndex(path, encoding="cp1252", delimiter=";", skip_lines=1)
    index.build()
    assert index.header == ["Name", "Ville"]
    assert index.read(0, 10) == [["René", "Zürich"], ["Ann", "Bern\nOst"], ["Bob", "X"]]


@pytest.fixture()
def finished(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = tmp_path / "out.csv"
    run_file(src, out, plan(), workers=0)
    header = read_rows(out)[0]
    return src, out, ResultLayout.of(plan(), open_input(plan(), src), header)


def test_layout_pairs_each_typed_output_column_with_its_raw_input_column(finished):
    src, out, layout = finished
    assert [(t.key, layout.header[t.output], t.input) for t in layout.typed] == [
        ("Name", "Name", 0), ("E-mail", "E-mail", 1), ("Tel", "Tel", 2), ("Address", "Address", 3)]
    before = input_index(open_input(plan(), src))
    before.build()
    assert before.read(1, 1)[0][1] == "not-an-email"


def test_filters_keep_the_rows_they_name(finished):
    src, out, layout = finished

    def rows(**kw):
        return matching_rows(out, ",", RowFilter(**kw), layout, plan(), src).to_list()

    assert rows() == [0, 1, 2, 3]
    assert rows(issues_only=True) == [1]
    assert rows(column="E-mail") == [1] and rows(column="Notes") == []
    assert rows(reason="PHONE NUMBER") == [1]
    assert rows(text="lovelace") == [3]
    assert rows(text="vip", search_in=layout.header.index("Notes")) == [0]
    assert rows(text="vip", search_in=0) == []
    assert rows(changed_only=True) == [0, 1, 3]  # "jane doe" -> "Jane Doe"; row 2 is empty
    assert rows(changed_only=True, column="E-mail") == [1]
    assert rows(changed_only=True, text="ada") == [3]


def test_export_writes_just_the_filtered_rows_atomically(finished, tmp_path):
    src, out, layout = finished
    index = RowIndex.of_output(out)
    index.build()
    target = tmp_path / "invalid.csv"
    target.write_text("old")
    picked = matching_rows(out, ",", RowFilter(issues_only=True), layout)
    assert export_rows(index, picked, target, layout.header) == 1
    assert read_rows(target) == [layout.header, read_rows(out)[2]]
    assert export_rows(index, pl.Series([0, 1, 3], dtype=pl.UInt32), target, layout.header) == 3
    assert export_rows(index, None, target, layout.header) == 4
    assert read_rows(target) == read_rows(out)
    assert not list(tmp_path.glob(".*normdesk-part"))
    with pytest.raises(Exception, match="cannot write"):
        export_rows(index, None, tmp_path / "missing" / "x.csv", layout.header)


def test_the_header_walk_refuses_what_it_cannot_read_for_sure():
    assert _walk(["phone", "x"], [True, False], ["phone", "phone_ext", "x", "normdesk_issues"]) == [0, 2]
    # an input column named like a component: the walk stops there and does not account for every column
    assert _walk(["phone", "phone_ext"], [True, False],
                 ["phone", "phone_ext", "phone_ext", "normdesk_issues"]) is None
    assert _walk(["a"], [False], ["b", "normdesk_issues"]) is None


def test_layout_falls_back_to_the_normalizers_for_an_ambiguous_header(tmp_path):
    rows = [["Tel", "Tel_ext"], ["(415) 555-0100 x7", "note"]]
    src = write_csv(tmp_path / "amb.csv", rows)
    the_plan = plan().with_options(columns={"Tel": ColumnPlan(ColumnType.PHONE), "Tel_ext": ColumnPlan(ColumnType.UNKNOWN)})
    run_file(src, tmp_path / "amb.out.csv", the_plan, workers=0)
    header = read_rows(tmp_path / "amb.out.csv")[0]
    assert header == ["Tel", "Tel_ext", "Tel_ext", "normdesk_issues"]
    layout = ResultLayout.of(the_plan, open_input(the_plan, src), header)
    assert [(t.key, t.output, t.input) for t in layout.typed] == [("Tel", 0, 0)]


def test_quoted_newlines_across_block_edges(tmp_path, monkeypatch):
    from normdesk.engine import row_index

    monkeypatch.setattr(row_index, "BLOCK_BYTES", 37)  # every few records cut mid-record, mid-quote
    rows = [["a", "b"]] + [[f"r{i}", f"x\n\"y\"\nz{i}" if i % 3 else ""] for i in range(2 * STRIDE + 3)]
    path = tmp_path / "edges.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    index = RowIndex(path)
    index.build()
    assert index.rows == len(rows) - 1
    assert index.read(0, index.rows) == rows[1:]


def test_a_stopped_build_ends_without_claiming_to_be_done(tmp_path, monkeypatch):
    from normdesk.engine import row_index

    monkeypatch.setattr(row_index, "BLOCK_BYTES", 64)
    path = write_csv(tmp_path / "s.csv", [["a", "b"]] + [[str(i), "x"] for i in range(500)])
    index = RowIndex(path)
    blocks = []
    index.build(on_progress=blocks.append, cancelled=lambda: len(blocks) >= 3)
    assert not index.done and 0 < index.rows < 500
    assert index.read(0, index.rows) == [[str(i), "x"] for i in range(index.rows)]


def test_an_excel_input_gives_its_raw_values_too(tmp_path):
    import xlsxwriter

    src = tmp_path / "in.xlsx"
    book = xlsxwriter.Workbook(src)
    sheet = book.add_worksheet("Contacts")
    for r, row in enumerate(ROWS):
        sheet.write_row(r, 0, row)
    book.close()
    out = tmp_path / "out.csv"
    run_file(src, out, plan(), workers=0)
    layout = ResultLayout.of(plan(), open_input(plan(), src), read_rows(out)[0])
    before = input_index(open_input(plan(), src))
    assert [t.key for t in layout.typed] == ["Name", "E-mail", "Tel", "Address"]
    before.build()
    assert before.done and before.rows == 4
    assert before.read(1, 2) == [[c for c in ROWS[2]], [c for c in ROWS[3]]]
    changed = matching_rows(out, ",", RowFilter(changed_only=True), layout, plan(), src)
    assert changed.to_list() == [0, 1, 3]
