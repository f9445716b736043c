"""The CSV conformance cases that are a hard error when read strictly, read with quarantine: each
has its expected outcome here (written out by hand from the case's input, not from our output).

"quarantine": the rows read (header first) and the rejects as (line, reason, raw text exactly).
"error": files that cannot be read as a table at all stay one-line errors (empty, binary, no
header, a header whose quote never closes), and so do files most of whose lines are malformed
(a title line above the header makes every row too wide): the threshold's message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from normdesk.engine.errors import InputError
from normdesk.engine.reader import open_source
from test_conformance import BENCH, DP, PAPA_CASES, RVL, RVL_CASES, DP_CASES, parse

pytestmark = pytest.mark.skipif(not BENCH.is_dir(), reason="needs ../shared/bench-data")

MOST = "lines are malformed"  # the start of the threshold's message

PAPA_EXPECTED = {  # PapaParse case index -> expected outcome
    19: ("error", "unterminated quoted field starting on line 1"),  # the header's quote never closes
    20: ("quarantine", [["a,b", 'c"']], [(2, "line 2 has 3 fields, the header has 2", "d,e,f")]),
    21: ("quarantine", [["a", "b,c"]], [(2, "line 2 has 3 fields, the header has 2", "d,e,f")]),
    35: ("error", "file is empty"),
    75: ("quarantine", [["A", "B", "C"], ["f", "g", "h"]], [(2, "line 2 has 5 fields, the header has 3", "a,b,c,d,e")]),
    92: ("quarantine", [["A", "B", "C"], ["-4", "-4.5", "-4e-5"]],
         [(2, "line 2 has 4 fields, the header has 3", "1,2.2,1e3,5.5")]),
    103: ("error", "file is empty"),
    # a quoted line break inside the too-wide record: the whole record, its CRLF kept
    111: ("quarantine", [["a", "b", "c"]], [(2, "line 2 has 6 fields, the header has 3", 'd,e,"f\r\nf",g,h,i')]),
    116: ("error", "file is empty"),
    129: ("error", MOST),  # "#Comment" read as a one-column header
    138: ("error", MOST),  # "." as the quote character (a PapaParse option): ".a" is a one-column header
    139: ("error", MOST),
    147: ("error", MOST),  # a line to skip (a PapaParse option) read as the header
}

RVL_EXPECTED = {  # rvl file -> expected outcome
    "blank_only.csv": ("error", "file has no header row"),
    "control_byte_header.csv": ("error", "not a text file"),
    "empty_file.csv": ("error", "file is empty"),
    "encoding_nul_first8k.csv": ("error", "not a text file"),
    "encoding_utf16le.csv": ("error", "not a valid UTF-16 file"),
    "encoding_utf32be.csv": ("error", "not a valid UTF-32 file"),
    "extra_fields_non_empty.csv": ("quarantine", [["id", "value"]], [(3, "line 3 has 3 fields, the header has 2", "A,1,extra")]),
    "extra_trailing_nonempty.csv": ("quarantine", [["id", "value"]],
                                    [(3, "line 3 has 3 fields, the header has 2", "1,10,extra")]),
    "nul_in_8k.csv": ("error", "not a text file"),
    "only_blank_lines.csv": ("error", "file has no header row"),
    "sep_only.csv": ("error", "file has no header row"),
    "unterminated_quote.csv": ("quarantine", [["id", "value"]],
                               [(2, "unterminated quoted field starting on line 2", 'A,"123')]),
    "utf16le_bom.csv": ("error", "file is empty"),
    "utf32be_bom.csv": ("error", "file is empty"),
    "wide_row_extra_non_empty.csv": ("quarantine", [["a", "b"]], [(3, "line 3 has 3 fields, the header has 2", "1,2,3")]),
}

DP_EXPECTED = {  # title lines above the header: every row is wider than the "header"
    "csv__daily-activity-sheet-int-description.csv": ("error", MOST),
    "csv__sparse-first-and-last-column-header-and-author.txt": ("error", MOST),
    "csv__sparse-first-and-last-column-header-and-author-description.txt": ("error", MOST),
}


def quarantined(path: Path):
    """("quarantine", [header] + rows, [(line, reason, raw)]) or ("error", message)."""
    try:
        with open_source(path) as source:
            rows, rejects = [list(source.header)], []
            for frame in source.chunks(1000, quarantine=True):
                rows += [[v for v in row if v is not None] for row in frame.iter_rows()]
                rejects += source.take_rejects()
            rejects += source.take_rejects()
            return "quarantine", rows, [(r.line, r.reason, r.raw) for r in rejects]
    except InputError as err:
        assert "\n" not in str(err)
        return "error", str(err)


def check(result, expected):
    if expected[0] == "error":
        assert result[0] == "error" and expected[1] in result[1], result
    else:
        assert result == expected


def papa_file(tmp_path: Path, index: int) -> Path:
    path = tmp_path / f"papa{index}.csv"
    path.write_bytes(PAPA_CASES[index]["input"].encode("utf-8"))
    return path


@pytest.mark.parametrize("index", sorted(PAPA_EXPECTED))
def test_papaparse_errors_quarantined(index, tmp_path):
    check(quarantined(papa_file(tmp_path, index)), PAPA_EXPECTED[index])


@pytest.mark.parametrize("name", sorted(RVL_EXPECTED))
def test_rvl_errors_quarantined(name):
    check(quarantined(RVL / name), RVL_EXPECTED[name])


@pytest.mark.parametrize("name", sorted(DP_EXPECTED))
def test_dataprofiler_errors_quarantined(name):
    check(quarantined(DP / name), DP_EXPECTED[name])


def test_every_hard_error_has_an_expected_quarantine_result(tmp_path):
    """The tables above cover exactly the cases a strict read refuses: none missed, none stale."""
    papa = {i for i in range(len(PAPA_CASES)) if parse(papa_file(tmp_path, i))[0] == "error"}
    assert papa == set(PAPA_EXPECTED)
    assert {c["file"] for c in RVL_CASES if parse(RVL / c["file"])[0] == "error"} == set(RVL_EXPECTED)
    assert {c["file"] for c in DP_CASES if parse(DP / c["file"])[0] == "error"} == set(DP_EXPECTED)
