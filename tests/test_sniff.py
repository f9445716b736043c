"""sniff(): encoding, delimiter and header guesses on real files written to tmp_path."""

from __future__ import annotations

import codecs
import os

import pytest

from normdesk.engine.errors import InputError
from normdesk.engine.sniff import FALLBACK_ERRORS, Dialect, open_text, sniff

ROWS = "name,email,phone\nAnn Lee,ann@x.org,555-0100\nBob Roe,bob@y.com,555-0101\n"


def write(tmp_path, data: bytes, name: str = "in.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data, encoding",
    [
        (ROWS.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + ROWS.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + ROWS.encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF32_BE + ROWS.encode("utf-32-be"), "utf-32"),
        ("name,city\nJosé Müller,Zürich\n".encode("cp1252"), "cp1252"),
        ("name,city\nJosé Müller,Zürich\n".encode("utf-8"), "utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "utf32le", "utf32be", "cp1252", "utf8-accents"],
)
def test_encoding(tmp_path, data, encoding):
    dialect = sniff(write(tmp_path, data))
    assert dialect.encoding == encoding
    assert dialect.delimiter == ","
    with open_text(tmp_path / "in.csv", dialect) as f:
        text = f.read()
    assert "\ufffd" not in text and "\ufeff" not in text and text.startswith("name,")


def test_cp1252_undefined_bytes_read_as_latin1(tmp_path):
    # 0x81 0x8D 0x8F 0x90 0x9D are undefined in cp1252: latin-1 gives them their code point
    data = b"name\n" + "Café \u20ac".encode("cp1252") + b" \x81\x8d\x8f\x90\x9d\n"
    path = write(tmp_path, data)
    dialect = sniff(path)
    assert dialect.encoding == "cp1252"
    with open_text(path, dialect) as f:
        assert f.read() == "name\nCafé € \x81\x8d\x8f\x90\x9d\n"


def test_cp1252_byte_late_in_a_utf8_file_is_not_lost(tmp_path):
    # the strict UTF-8 test sees a clean prefix; the bad byte comes after it
    head = "name,city\n" + "Zoë Ågren,Malmö\n" * 80_000
    path = write(tmp_path, head.encode("utf-8") + b"Ren\xe9 Roe,Paris\n")
    assert os.path.getsize(path) > 1 << 20
    dialect = sniff(path)
    assert dialect.encoding == "utf-8"
    with open_text(path, dialect) as f:
        assert f.read().endswith("René Roe,Paris\n")
    assert b"\xe9".decode("utf-8", errors=FALLBACK_ERRORS) == "é"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|", "^", "\x1f"])
def test_delimiter(tmp_path, delimiter):
    rows = [["name", "email", "note"], ["Ann", "ann@x.org", "a"], ["Bob", "bob@y.com", "b"]]
    text = "\n".join(delimiter.join(r) for r in rows) + "\n"
    assert sniff(write(tmp_path, text.encode())).delimiter == delimiter


def test_delimiter_is_quote_aware(tmp_path):
    # commas inside quoted fields outnumber the semicolons, but only ";" splits consistently
    text = 'name;address\n"Lee, Ann";"1 Main St, Springfield, IL"\n"Roe, Bob";"2 Oak Ave, Salem, OR"\n'
    assert sniff(write(tmp_path, text.encode())).delimiter == ";"


def test_delimiter_prefers_consistent_counts(tmp_path):
    # commas appear in every line but in varying numbers; tabs split every line in 3
    text = "a\tb\tc\nx, y\t1\t2\nx, y, z\t3\t4\nw\t5\t6\n"
    assert sniff(write(tmp_path, text.encode())).delimiter == "\t"


def test_excel_sep_line(tmp_path):
    path = write(tmp_path, b"sep=;\r\nname;email\r\nAnn;a@x.org\r\n")
    assert sniff(path) == Dialect("utf-8", ";", '"', True, skip_lines=1)


def test_single_column_gets_a_delimiter_that_never_splits(tmp_path):
    path = write(tmp_path, b"email\nann@x.org\nbob@y.com\n")
    dialect = sniff(path)
    assert dialect.delimiter not in path.read_text()
    assert dialect.has_header


def test_leading_blank_lines_are_skipped(tmp_path):
    assert sniff(write(tmp_path, b"\n  \n\r\nname,email\nAnn,a@x.org\n")).skip_lines == 3


@pytest.mark.parametrize(
    "text, has_header",
    [
        ("name,zip\nAnn,02134\nBob,10001\n", True),
        ("5.1,3.5,setosa\n4.9,3.0,setosa\n4.7,3.2,setosa\n", False),
        ("ann@x.org,Ann\nbob@y.com,Bob\n", False),
        ("2021-03-04,Ann\n2021-03-05,Bob\n", False),
        ("id,amount\n1,10\n2,20\n", True),
        ("name,2020,2021\nAnn,1,2\nBob,3,4\n", True),
        ("only\n", True),
    ],
    ids=["header", "numbers", "emails", "dates", "numeric-columns", "year-header", "header-only"],
)
def test_header_guess(tmp_path, text, has_header):
    assert sniff(write(tmp_path, text.encode())).has_header is has_header


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "file is empty"),
        (b"\n \n\t\n", "no header row"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
        (b"a,b\nrow\x00x\n", "not a text file"),
        (bytes(range(1, 32)) * 40, "not a text file"),
        (codecs.BOM_UTF16_LE + b"id,value\nA,1\n", "not a valid UTF-16 file"),
    ],
    ids=["empty", "blank-lines", "png", "nul", "control-bytes", "fake-utf16"],
)
def test_bad_input_is_a_one_line_input_error(tmp_path, data, message):
    with pytest.raises(InputError, match=message) as info:
        sniff(write(tmp_path, data))
    assert "\n" not in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        sniff(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        sniff(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, ROWS.encode())
    path.chmod(0)
    with pytest.raises(InputError, match="permission denied"):
        sniff(path)
