"""Conformance of sniff + reader against third-party CSV test suites in ../shared/bench-data.

Each case is one test id. Where our expectation differs from the suite's on purpose, the case
is listed in a DIFFERENCES table with the reason and what we expect instead; cases that do not
apply to a header-first reader without options are listed in a SKIPPED table with the reason.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from normdesk.engine.errors import InputError
from normdesk.engine.reader import open_source
from shared_data import BENCH_DATA

BENCH = BENCH_DATA
pytestmark = pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench-data")


def parse(path: Path):
    """("ok", dialect, [header] + data rows as lists, missing fields dropped) or ("error", message)."""
    try:
        with open_source(path) as source:
            rows = [list(source.header)] if source.dialect.has_header else []
            for frame in source.chunks(1000):
                rows += [[v for v in row if v is not None] for row in frame.iter_rows()]
            return "ok", source.dialect, rows
    except InputError as err:
        assert "\n" not in str(err)
        return "error", str(err)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


# --- csv-spectrum: the exact expected JSON ---------------------------------------------------

SPECTRUM = BENCH / "csv-spectrum"


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (SPECTRUM / "csvs").glob("*.csv")) if SPECTRUM.is_dir() else []
)
def test_csv_spectrum(name):
    expected = json.loads((SPECTRUM / "json" / f"{name}.json").read_text(encoding="utf-8"))
    path = SPECTRUM / "csvs" / f"{name}.csv"
    if b"\r" not in path.read_bytes():
        # newlines_crlf.csv was stored with LF bytes (its CRs were lost in the copy) while the
        # JSON still says "\r\n": we return the bytes of the file, so expect what it holds
        expected = json.loads(json.dumps(expected).replace("\\r\\n", "\\n"))
    status, dialect, rows = parse(path)
    assert status == "ok" and dialect.has_header
    header = rows[0]
    assert [dict(zip(header, row)) for row in rows[1:]] == expected


# --- PapaParse's parser cases ----------------------------------------------------------------

PAPA = BENCH / "papaparse" / "papaparse_parse_cases.json"
PAPA_CASES = json.loads(PAPA.read_text(encoding="utf-8"))["cases"] if PAPA.is_file() else []

PAPA_UNSUPPORTED_OPTIONS = {  # options of PapaParse we do not have: the cases test the option
    "comments": "comment lines are a PapaParse option; we read every line as data",
    "dynamicTyping": "we read every cell as text, by design",
    "preview": "preview is a PapaParse option (our sample(n) is tested in test_reader)",
    "skipFirstNLines": "skipping leading lines is a PapaParse option",
    "fastMode": "fastMode is a PapaParse option",
    "escapeChar": "backslash escapes: we read RFC 4180 doubled quotes only",
    "quoteChar": "the quote character is always '\"' for us",
}
PAPA_SKIPPED = {  # by description: cases whose premise does not fit a header-first file reader
    "Bad delimiter (\\n)": "tests PapaParse rejecting a forced newline delimiter; we have no forced delimiter",
    "Multi-character delimiter": "multi-character delimiters are not supported",
    "Multi-character delimiter (length 2) with quoted field": "multi-character delimiters are not supported",
    "ASCII 30 delimiter": "the record separator is not one of our delimiters (the unit separator is)",
}
# (description, input) -> (reason, what we give instead: rows, or "error")
PAPA_DIFFERENCES = {
    "Empty input string": ("an empty file is an InputError ('file is empty')", "error"),
    "Skip empty lines, with empty input": ("an empty file is an InputError ('file is empty')", "error"),
    "Quoted field has no closing quote": ("an unterminated quote is an InputError naming its line", "error"),
    "Quoted field has invalid trailing quote after delimiter": (
        "the quote opened on line 1 never closes: an InputError, not a guess", "error"),
    "Quoted field has invalid trailing quote before delimiter": (
        'lenient quotes: "b"c reads bc and the quote is closed', [["a", "bc", "d"], ["e", "f", "g"]]),
    "Quoted field has invalid trailing quote after new line": (
        'lenient quotes: the quote closes on line 2 and "e" joins the field', [["a", 'b,c\nde', "f", "g"]]),
    "Quoted field has invalid trailing quote after delimiter with a valid closer": (
        'lenient quotes make the header a,b | c" (2 fields); the 3-field row after it is an InputError',
        "error"),
    "Row with too many fields": (
        "a row with more non-blank fields than the header is an InputError (no __parsed_extra)", "error"),
    "Mixed slash n and slash r should choose first as precident": (
        "a bare CR always ends a line (we read CR-only files); blank lines are skipped",
        [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]]),
    "Quoted fields with spaces between closing quote and next delimiter": (
        "text after a closing quote is kept, spaces too (Python csv, Excel)", None),
    "Quoted fields with spaces between closing quote and next delimiter and contains delimiter": (
        "text after a closing quote is kept, spaces too (Python csv, Excel)", None),
    "Quoted fields with spaces between closing quote and next new line": (
        "text after a closing quote is kept, spaces too (Python csv, Excel)", None),
    "Quoted fields with spaces after closing quote": (
        "text after a closing quote is kept, spaces too (Python csv, Excel)", None),
    "Quoted fields with spaces between closing quote and newline and contains newline": (
        "text after a closing quote is kept, spaces too (Python csv, Excel)", None),
    "Input is just empty fields": (
        "blank fields beyond the header's width are dropped (trailing delimiters)", [["", "", ""], ["", "", ""]]),
    "Parsing with skipEmptyLines set to 'greedy'": (
        "lines of delimiters and blanks are rows: every input row is kept",
        [["a", "b"], ["", ""], ["c", "d"], [" ", " "], ["", " "], ["\t", "\t"], ["", ""]]),
    "Parsing with skipEmptyLines set to 'greedy' with quotes and delimiters as content": (
        "lines of delimiters are rows: every input row is kept",
        [["a", "b"], ["", ""], ["c", "d"], [" , ", ","], ['" "', '""']]),
    "Simple duplicated header names": ("duplicate names become 'A (2)', header kept as is", None),
    "Duplicated header names existing column": ("duplicate names become 'c (2)', header kept as is", None),
    "Duplicate header names with __proto__ field": ("duplicate names become 'x (2)', header kept as is", None),
}


def _papa_rows(case, header_names: list[str] | None) -> list[list[str]]:
    """PapaParse's expected rows as plain lists, blank-line rows dropped (we skip blank lines)."""
    data = case["expected"]["data"]
    if case["config"].get("header"):
        keys = header_names or []
        data = [keys] + [[row[k] for k in keys if k in row] for row in data]
    width = max(map(len, data), default=0)
    return [r for r in data if not (r == [""] or (width > 1 and len(r) == 1 and not r[0].strip()))]


def _papa_id(case) -> str:
    return f"{PAPA_CASES.index(case):03d}-{slug(case['description'])}"


@pytest.mark.parametrize("case", PAPA_CASES, ids=_papa_id)
def test_papaparse(case, tmp_path):
    config = case["config"]
    unsupported = [k for k in config if k in PAPA_UNSUPPORTED_OPTIONS and config[k] not in (False, 0, -2)]
    if unsupported:
        pytest.skip(PAPA_UNSUPPORTED_OPTIONS[unsupported[0]])
    if case["description"] in PAPA_SKIPPED:
        pytest.skip(PAPA_SKIPPED[case["description"]])
    path = tmp_path / "case.csv"
    path.write_bytes(case["input"].encode("utf-8"))
    result = parse(path)
    difference = PAPA_DIFFERENCES.get(case["description"])
    if difference and difference[1] == "error":
        assert result[0] == "error", difference[0]
        return
    assert result[0] == "ok", result
    _, dialect, rows = result
    if "delimiter" in config and len(rows[0]) > 1:
        assert dialect.delimiter == config["delimiter"]
    if difference and difference[1] is not None:
        assert rows == difference[1], difference[0]
        return
    if difference:  # values as PapaParse gives them, modulo the stated reason
        if "spaces" in difference[0]:
            rows = [[v.rstrip(" ") for v in row] for row in rows]
        else:  # duplicate header names: compare the data rows, check our keys
            with open_source(path) as source:
                assert len(set(source.columns)) == len(source.columns)
                assert source.header == rows[0]
            assert case["expected"]["data"][1:] == rows[1:]
            return
    assert rows == _papa_rows(case, rows[0] if config.get("header") else None)


# --- rvl torture corpus ----------------------------------------------------------------------

RVL = BENCH / "rvl-csv-corpus"
RVL_CASES = list(csv.DictReader(open(RVL / "expected.csv", encoding="utf-8"))) if RVL.is_dir() else []
RVL_DELIMITERS = {"\\t": "\t", "0x01": "\x01", "0x1F": "\x1f"}
# file -> (reason, our outcome: "parse_ok" or "error")
RVL_DIFFERENCES = {
    "ambiguous_delimiter.csv": ("a comma/semicolon tie goes to the comma: we read rather than refuse", "parse_ok"),
    "duplicate_headers.csv": ("duplicate names are kept in the header; keys become 'name (2)'", "parse_ok"),
    "single_column.csv": ("a one-column file (a list of e-mails) is valid input", "parse_ok"),
    "invalid_quote.csv": ('lenient quotes as in Excel and pandas: "12"x reads 12x', "parse_ok"),
    "control_byte_header.csv": (
        "rvl needs --delimiter 0x01; without it we refuse the file as binary ('not a text file')", "error"),
}
# rvl accepts these but reads the backslash as an escape; we do not (RFC 4180 quotes only)
RVL_VALUES = {"backslash_escape.csv": [["col"], ['a\\b"']]}


@pytest.mark.parametrize("case", RVL_CASES, ids=lambda c: c["file"])
def test_rvl(case):
    expected = "parse_ok" if case["expected"] == "parse_ok" else "error"
    reason, expected = RVL_DIFFERENCES.get(case["file"], ("", expected))
    result = parse(RVL / case["file"])
    assert result[0] == ("ok" if expected == "parse_ok" else "error"), (reason, result)
    if result[0] == "ok":
        delimiter = RVL_DELIMITERS.get(case["delimiter"], case["delimiter"])
        if case["delimiter"] != "n/a" and len(result[2][0]) > 1:
            assert result[1].delimiter == delimiter
        if case["file"] in RVL_VALUES:
            assert result[2] == RVL_VALUES[case["file"]]


def test_rvl_utf16_with_bom_is_accepted(tmp_path):
    """rvl refuses UTF-16/32 (E_ENCODING); we read them when the BOM is followed by real UTF-16."""
    source = (RVL / "basic_new.csv").read_text(encoding="utf-8")
    for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-32-be", b"\x00\x00\xfe\xff")):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(bom + source.encode(codec))
        assert parse(path)[2] == parse(RVL / "basic_new.csv")[2]


# --- DataProfiler's dialect files ------------------------------------------------------------

DP = BENCH / "dataprofiler-csv"
DP_CASES = list(csv.DictReader(open(DP / "expected.csv", encoding="utf-8"))) if DP.is_dir() else []
DP_SKIPPED = {  # file -> why the case does not apply to our model
    "csv__daily-activity-sheet-@.csv": "'@' is not a delimiter we sniff (nor is a title line before the header)",
    "csv__daily-activity-sheet-@-singlequote.csv": "'@' is not a delimiter we sniff; single-quote quoting",
    "csv__quote-test.txt": "space-separated values: a space is never a delimiter for us (names hold spaces)",
    "csv__quote-test-singlequote.txt": "space-separated values with single quotes",
    "csv__sentence-4x.txt": "'.' as a delimiter: we read prose as one column",
}
# file -> (reason, our expectation as {field: value})
DP_DIFFERENCES = {
    "csv__names-col-empty.txt": ("blank lines are skipped, not empty records", {"records": 6}),
    "csv__preferred-check-small-num.csv": (
        "the header is kept by default: '@3@' does not look like data", {"records": 4, "has_header": True}),
    "csv__all-strings-skip-header.csv": ("a leading blank line is skipped: the header is the first line with text", {}),
    "csv__sparse-first-and-last-column-empty-first-row.txt": ("a leading blank line is skipped", {}),
    "csv__all-strings-skip-header-author.csv": (
        "no preamble in our model: the title line 'Author: ...,,,' is the header, the real one data",
        {"records": 6}),
    "csv__all-strings-skip-partial-header.csv": (
        "a leading blank line is skipped; 'Blog Post,Date,,' is kept as the header (blank names allowed)",
        {"records": 5, "has_header": True}),
    "csv__sparse-first-and-last-column-two-headers.txt": (
        "two header lines: the second is read as data", {"records": 10}),
    "csv__sparse-first-and-last-column-header-and-author.txt": ("a title line before the header", "title"),
    "csv__sparse-first-and-last-column-header-and-author-description.txt": ("title lines before the header", "title"),
    "csv__daily-activity-sheet-int-description.csv": ("a title line before the header", "title"),
}


def _dp_expectation(case):
    header_row = json.loads(case["expected_header_row"].replace("None", "null"))
    exp = {
        "records": int(case["expected_record_count"]),
        "columns": int(case["expected_num_columns"]),
        "has_header": header_row[0] is not None,
        "encoding": case["expected_encoding"],
        "delimiter": {"None": None, "'\\t'": "\t"}.get(case["expected_delimiter"], case["expected_delimiter"].strip("'\"")),
    }
    reason, ours = DP_DIFFERENCES.get(case["file"], ("", {}))
    return exp, reason, ours


@pytest.mark.parametrize("case", [c for c in DP_CASES if c["expected_record_count"]], ids=lambda c: c["file"])
def test_dataprofiler(case):
    if case["file"] in DP_SKIPPED:
        pytest.skip(DP_SKIPPED[case["file"]])
    exp, reason, ours = _dp_expectation(case)
    result = parse(DP / case["file"])
    if ours == "title":  # no preamble in our model: the title line is a narrower header
        assert result[0] == "error" and re.search(r"has \d+ fields, the header has \d+$", result[1]), reason
        return
    exp.update(ours)
    assert result[0] == "ok", result
    _, dialect, rows = result
    got = {
        "records": len(rows) - dialect.has_header,
        "columns": max(len(r) for r in rows),
        "has_header": dialect.has_header,
        "encoding": dialect.encoding.replace("-sig", ""),
        "delimiter": dialect.delimiter if max(len(r) for r in rows) > 1 else None,
    }
    if exp["columns"] == 1:  # a one-column file has no delimiter to compare
        exp["delimiter"] = None
    assert got == exp, reason


@pytest.mark.parametrize("case", [c for c in DP_CASES if not c["expected_record_count"]], ids=lambda c: c["file"])
def test_dataprofiler_other_files_read_or_refuse_cleanly(case):
    """Files DataProfiler gives no CSV expectation for: we read them or raise a one-line InputError."""
    result = parse(DP / case["file"])
    if case["file"] == "csv__iris-utf-32.csv":
        assert result[1].encoding == "utf-32"
        # the same table as iris.csv but for one cell, which holds Greek text in this copy
        assert result[2][:-1] == parse(DP / "csv__iris.csv")[2][:-1]
        assert result[2][-1] == ["150", "5.9", "3.0", "5.1", "λεί τη μ", "Iris-virginica"]
    elif case["file"] == "csv__SchoolDataSmall.csv":
        assert result[0] == "ok" and result[1].delimiter == "," and len(result[2]) > 10
    else:
        assert result[0] in ("ok", "error")


# --- semantic-types: 413 real government CSVs, cut to their header + first 100 records -------

SEMANTIC = BENCH / "semantic-types"


def _semantic_files() -> dict[str, list[dict]]:
    if not SEMANTIC.is_dir():
        return {}
    files: dict[str, list[dict]] = {}
    for row in csv.DictReader(open(SEMANTIC / "reference_subset.csv", encoding="utf-8")):
        files.setdefault(row["File"], []).append(row)
    return files


SEMANTIC_FILES = _semantic_files()


@pytest.mark.parametrize("name", sorted(SEMANTIC_FILES), ids=lambda n: n.split("/", 2)[-1])
def test_semantic_types_real_files(name):
    """Header found (never judged headerless), record count and field names as labeled."""
    labels = SEMANTIC_FILES[name]
    status, dialect, rows = parse(SEMANTIC / name)
    assert status == "ok" and dialect.has_header
    assert len(rows) - 1 == int(labels[0]["RecordsKeptInThisCopy"])
    for label in labels:
        if label["HeaderMatches"] == "True":
            # the labels hold trimmed names; our header keeps the cells exactly
            assert rows[0][int(label["FieldOffset"])].strip() == label["FieldName"]
