"""open_source / Source on real files in tmp_path: CSV parsing rules, chunking, errors, Excel."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os

import polars as pl
import pytest
import xlsxwriter

from normdesk.engine.errors import InputError
from normdesk.engine.reader import open_source, unique_columns


def write(tmp_path, data: bytes | str, name: str = "in.csv"):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rows_of(source, size: int = 50_000, skip_rows: int = 0) -> list[tuple]:
    frames = list(source.chunks(size, skip_rows))
    assert all(f.columns == source.columns for f in frames)
    assert all(dtype == pl.Utf8 for f in frames for dtype in f.dtypes)
    return [row for f in frames for row in f.iter_rows()]


def read_all(path, **kw) -> tuple[list[str], list[tuple]]:
    with open_source(path, **kw) as source:
        return source.header, rows_of(source)


def test_quoted_fields_line_endings_and_text_values(tmp_path):
    text = (
        'id,name,note\r\n'
        '007,"Lee, Ann","said ""hi"""\r\n'
        '010,"Roe\nBob","two\r\nlines"\r\n'
        '011,,""\r\n'
    )
    header, rows = read_all(write(tmp_path, text))
    assert header == ["id", "name", "note"]
    assert rows == [
        ("007", "Lee, Ann", 'said "hi"'),
        ("010", "Roe\nBob", "two\r\nlines"),
        ("011", "", ""),
    ]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_line_endings(tmp_path, eol):
    header, rows = read_all(write(tmp_path, eol.join(["a,b", "1,2", "3,4"]) + eol))
    assert (header, rows) == (["a", "b"], [("1", "2"), ("3", "4")])


def test_no_trailing_newline_and_mixed_endings(tmp_path):
    _, rows = read_all(write(tmp_path, "a,b\r\n1,2\n3,4\r5,6"))
    assert rows == [("1", "2"), ("3", "4"), ("5", "6")]


def test_short_rows_padded_with_null_and_counted(tmp_path):
    with open_source(write(tmp_path, "a,b,c\n1,2,3\n4\n5,6\n,\n")) as source:
        assert rows_of(source) == [("1", "2", "3"), ("4", None, None), ("5", "6", None), ("", "", None)]
        assert source.short_rows == 3


def test_blank_lines_skipped_but_delimiter_only_rows_kept(tmp_path):
    _, rows = read_all(write(tmp_path, "\n\na,b\n1,2\n\n   \n\t\n,\n3,4\n\n"))
    assert rows == [("1", "2"), ("", ""), ("3", "4")]


def test_whitespace_line_is_a_value_in_a_single_column_file(tmp_path):
    _, rows = read_all(write(tmp_path, "email\na@x.org\n\n  \nb@y.com\n"))
    assert rows == [("a@x.org",), ("  ",), ("b@y.com",)]


def test_trailing_blank_fields_beyond_the_header_are_dropped(tmp_path):
    with open_source(write(tmp_path, "a,b\n1,2,,\n3,4, ,\t\n")) as source:
        assert rows_of(source) == [("1", "2"), ("3", "4")]
        assert source.short_rows == 0


def test_too_many_fields_names_the_physical_line(tmp_path):
    # the record before the bad one spans lines 3-4; the bad one starts on line 6
    text = 'a,b,c,d,e\n1,2,3,4,5\n"x\ny",2,3,4,5\n\n6,7,8,9,10,11,12\n'
    with open_source(write(tmp_path, text)) as source:
        with pytest.raises(InputError, match=r"^line 6 has 7 fields, the header has 5$"):
            rows_of(source)


def test_error_deep_in_the_file_is_raised_from_chunks(tmp_path):
    lines = ["name,email"] + [f"n{i},e{i}@x.org" for i in range(1, 120_000)] + ["bad,row,here"]
    with open_source(write(tmp_path, "\n".join(lines) + "\n")) as source:
        got = 0
        with pytest.raises(InputError, match=r"^line 120001 has 3 fields, the header has 2$"):
            for frame in source.chunks(50_000):
                got += frame.height
        assert got == 100_000


@pytest.mark.parametrize(
    "text, line",
    [
        ('id,value\nA,"123\n', 2),
        ('id,value\nA,1\n\nB,"12\n3\nC,4\n', 4),
        ('id,value\nA,"1"\nB,"1""\n', 3),
    ],
    ids=["at-end", "runs-to-eof", "escaped-quote-then-open"],
)
def test_unterminated_quote(tmp_path, text, line):
    with open_source(write(tmp_path, text)) as source:
        with pytest.raises(InputError, match=f"^unterminated quoted field starting on line {line}$"):
            rows_of(source)


def test_unterminated_quote_in_header(tmp_path):
    with pytest.raises(InputError, match="unterminated quoted field starting on line 1"):
        open_source(write(tmp_path, 'a,"b\n1,2\n'))


def test_lenient_quotes_as_in_excel(tmp_path):
    _, rows = read_all(write(tmp_path, 'a,b\n"12"x,5" tall\n x "y",z\n'))
    assert rows == [("12x", '5" tall'), (' x "y"', "z")]


def test_sep_line_and_bom(tmp_path):
    header, rows = read_all(write(tmp_path, b"\xef\xbb\xbfsep=|\nname|email\nAnn|a@x.org\n"))
    assert (header, rows) == (["name", "email"], [("Ann", "a@x.org")])


def test_utf16_and_cp1252(tmp_path):
    text = "name;city\r\nJosé Müller;Zürich\r\n"
    for data in (b"\xff\xfe" + text.encode("utf-16-le"), text.encode("cp1252")):
        header, rows = read_all(write(tmp_path, data))
        assert (header, rows) == (["name", "city"], [("José Müller", "Zürich")])


def test_header_kept_exactly_and_unique_column_keys(tmp_path):
    with open_source(write(tmp_path, " Name ,Name,,Name (2),\n1,2,3,4,5\n")) as source:
        assert source.header == [" Name ", "Name", "", "Name (2)", ""]
        assert source.columns == [" Name ", "Name", "Column 3", "Name (2)", "Column 5"]
        assert rows_of(source) == [("1", "2", "3", "4", "5")]


def test_unique_columns_never_collide():
    assert unique_columns(["a", "a", "a (2)", "a"]) == ["a", "a (3)", "a (2)", "a (4)"]
    assert unique_columns(["Column 2", ""]) == ["Column 2", "Column 2 (2)"]


def test_headerless_file(tmp_path):
    with open_source(write(tmp_path, "1,ann@x.org\n2,bob@y.com\n")) as source:
        assert source.dialect.has_header is False
        assert source.header == source.columns == ["Column 1", "Column 2"]
        assert rows_of(source) == [("1", "ann@x.org"), ("2", "bob@y.com")]


def test_chunks_sizes_skip_rows_sample_and_fraction(tmp_path):
    lines = ["id,zip"] + [f"{i},{i:05d}" for i in range(1, 1001)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    with open_source(path) as source:
        frames = list(source.chunks(300))
        assert [f.height for f in frames] == [300, 300, 300, 100]
        assert source.fraction_read() == 1.0
        assert frames[0]["zip"][0] == "00001"
        assert rows_of(source, 400, skip_rows=950) == [(str(i), f"{i:05d}") for i in range(951, 1001)]
        assert rows_of(source, 10, skip_rows=5000) == []
        sample = source.sample(5)
        assert sample.columns == ["id", "zip"] and sample["id"].to_list() == ["1", "2", "3", "4", "5"]
        assert source.sample(5000).height == 1000
        it = source.chunks(100)
        next(it)
        assert 0.0 < source.fraction_read() < 1.0
        it.close()


def test_header_only_file(tmp_path):
    with open_source(write(tmp_path, "a,b,c\n")) as source:
        assert rows_of(source) == []
        assert source.sample().shape == (0, 3) and source.sample().columns == ["a", "b", "c"]


def test_input_file_is_never_modified(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,4\n")
    path.chmod(0o444)
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns)
    read_all(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns) == before


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: d / "missing.csv", "file not found"),
        (lambda d: d, "is a folder"),
        (lambda d: write(d, ""), "file is empty"),
        (lambda d: write(d, b"\x00\x01\x02binary\x00"), "not a text file"),
        (lambda d: write(d, "x", "book.xlsx"), "not a readable Excel .xlsx file"),
    ],
    ids=["missing", "folder", "empty", "binary", "xlsx-not-zip"],
)
def test_bad_paths_are_one_line_input_errors(tmp_path, setup, message):
    with pytest.raises(InputError, match=message) as info:
        open_source(setup(tmp_path))
    assert "\n" not in str(info.value)


def test_parse_matches_python_csv_on_a_generated_file(tmp_path):
    """Differential check over awkward values: our chunks give what csv.reader gives."""
    values = ["plain", "", "lead 0", "0042", 'q"uote', "com,ma", "new\nline", "cr\rlf\r\n", " sp ", "é€"]
    table = [[values[(r * 7 + c * 3) % len(values)] for c in range(4)] for r in range(3000)]
    path = tmp_path / "gen.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows([["w", "x", "y", "z"], *table])
    header, rows = read_all(path)
    assert header == ["w", "x", "y", "z"]
    assert rows == [tuple(r) for r in table]


# --- Excel -----------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(path)
    people = book.add_worksheet("People")
    date, stamp, clock = (book.add_format({"num_format": f}) for f in ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm"))
    for col, title in enumerate(["Name", "Zip", "Amount", "Joined", "Seen", "At", "", "Name"]):
        people.write_string(0, col, title)
    people.write_row(1, 0, ["Ann", "02134", 12, None, None, None, None, "x"])
    people.write_datetime(1, 3, dt.datetime(2021, 3, 4), date)
    people.write_datetime(1, 4, dt.datetime(2021, 3, 4, 5, 6, 7), stamp)
    people.write_datetime(1, 5, dt.time(5, 6), clock)
    people.write_row(2, 0, ["Bob", 2134, 12.5])
    people.write_row(4, 0, ["Cy", "", 1e15])  # row 4 (index 3) stays empty and is skipped
    other = book.add_worksheet("Other")
    other.write_row(0, 0, ["email"])
    for i in range(1, 11):
        other.write_row(i, 0, [f"u{i}@x.org"])
    book.add_worksheet("Empty")
    book.close()
    return path


def test_xlsx_first_sheet_as_displayed_text(workbook):
    with open_source(workbook) as source:
        assert (source.kind, source.dialect) == ("xlsx", None)
        assert source.header == ["Name", "Zip", "Amount", "Joined", "Seen", "At", "", "Name"]
        assert source.columns[6:] == ["Column 7", "Name (2)"]
        assert rows_of(source) == [
            ("Ann", "02134", "12", "2021-03-04", "2021-03-04 05:06:07", "05:06:00", "", "x"),
            ("Bob", "2134", "12.5", "", "", "", "", ""),
            ("Cy", "", "1000000000000000", "", "", "", "", ""),
        ]


def test_xlsx_named_sheet_chunks_and_skip(workbook):
    with open_source(workbook, sheet="Other") as source:
        assert source.header == ["email"]
        assert [f.height for f in source.chunks(4)] == [4, 4, 2]
        assert source.fraction_read() == 1.0
        assert rows_of(source, 3, skip_rows=8) == [("u9@x.org",), ("u10@x.org",)]
        assert source.sample(2)["email"].to_list() == ["u1@x.org", "u2@x.org"]


@pytest.mark.parametrize("sheet, message", [("Nope", "no sheet named 'Nope'"), ("Empty", "is empty")])
def test_xlsx_bad_sheet(workbook, sheet, message):
    with pytest.raises(InputError, match=message):
        open_source(workbook, sheet=sheet)


def test_sheet_on_a_csv_is_an_error(tmp_path):
    with pytest.raises(InputError, match="only Excel files have sheets"):
        open_source(write(tmp_path, "a\n1\n"), sheet="x")


@pytest.mark.bench
def test_memory_flat_and_speed_on_1m_rows():
    """python -m pytest -m bench tests/test_reader.py -s  (needs /tmp/c1m.csv from gen_contacts.py)."""
    import resource
    import time

    path = "/tmp/c1m.csv"
    if not os.path.exists(path):
        pytest.skip("make it with: python ../shared/bench/gen_contacts.py 1000000 --out /tmp/c1m.csv")
    with open_source(path) as source:
        start, cpu = time.perf_counter(), time.process_time()
        rows = sum(f.height for f in source.chunks(50_000))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{rows} rows in {wall:.2f} s wall, {cpu:.2f} s CPU: {rows / wall:,.0f} rows/s; peak RSS {peak:.0f} MB")
    assert rows == 1_000_000
    assert peak < 600
