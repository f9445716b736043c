"""count_rows: the preview's "N rows" (exact when it can be, "about" when a quoted field may hold a line end)."""

import polars as pl

from normdesk.engine.reader import open_source
from normdesk.engine import row_count
from normdesk.engine.row_count import RowCount, count_rows


def engine_rows(path):
    with open_source(path) as source:
        return sum(f.height for f in source.chunks(10_000))


def test_a_plain_csv_is_counted_exactly_with_or_without_a_last_line_end(tmp_path):
    path = tmp_path / "plain.csv"
    body = "name,email\n" + "".join(f"Person {i},p{i}@example.com\n" for i in range(12_345))
    path.write_text(body, encoding="utf-8")
    assert count_rows(path) == RowCount(12_345, True) and engine_rows(path) == 12_345
    path.write_text(body.rstrip("\n"), encoding="utf-8")
    assert count_rows(path) == RowCount(12_345, True)
    assert count_rows(path).words() == "12,345 rows"


def test_quoted_line_ends_make_a_big_file_an_estimate_and_a_small_one_is_read(tmp_path, monkeypatch):
    path = tmp_path / "quoted.csv"
    path.write_text('name,note\n"Ada","two\nlines"\nBob,x\n', encoding="utf-8")
    assert engine_rows(path) == 2 and count_rows(path) == RowCount(2, True)
    monkeypatch.setattr(row_count, "EXACT_BYTES", 10)  # as if it were a big file
    count = count_rows(path)
    assert count == RowCount(3, False) and count.words() == "about 3 rows"
    assert RowCount(1_234_567, False).words() == "about 1,235,000 rows"


def test_utf16_and_excel_are_counted_by_reading(tmp_path):
    text = tmp_path / "utf16.csv"
    text.write_text("name;email\nAda;a@example.com\nBob;b@example.com\n", encoding="utf-16")
    assert count_rows(text) == RowCount(2, True)
    book = tmp_path / "book.xlsx"
    pl.DataFrame({"name": [f"P{i}" for i in range(40)], "email": ["x@example.com"] * 40}).write_excel(book)
    assert count_rows(book) == RowCount(40, True)
