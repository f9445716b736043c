"""Lines that are not text in the file's encoding (undecodable bytes, a NUL) are quarantined like
malformed lines; a file whose first non-ASCII text comes after the sniffed prefix and is not UTF-8
is read as cp1252 from there, as the sniff would have decided."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from normdesk.engine import InputError, Plan, run_file
from normdesk.engine.reader import open_source, parse_rows
from normdesk.engine.sniff import PREFIX_BYTES, sniff

PLAN = Plan.from_dict({"columns": {"name": "name", "city": "none"}})
ACCENTED = "Zoë Ågren,Malmö\n".encode()  # UTF-8 with non-ASCII letters
PLAIN = b"Bob Roe,Paris\n"


def read(path: Path):
    with open_source(path) as source:
        rows, rejects = [], []
        for frame in source.chunks(5000, quarantine=True):
            rows += frame.rows()
            rejects += source.take_rejects()
        return source.dialect.encoding, rows, rejects + source.take_rejects()


def rejects_file(output: Path) -> list[dict]:
    with open(output.with_name(output.stem + ".rejects.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_cp1252_line_in_a_utf8_file_is_set_aside_with_its_bytes_named(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    body = [ACCENTED] * 100_000  # past the sniffed prefix
    body[50_000] = b"Ren\xe9 Roe,Z\xfcrich\n"
    src.write_bytes(b"name,city\n" + b"".join(body))
    before = src.read_bytes()
    report = run_file(src, out, PLAN)
    assert report.rejects == 1 and report.total_rows == 99_999
    [reject] = rejects_file(out)
    assert reject == {"line": "50002", "reason": "line 50002 holds bytes that are not UTF-8 text (0xE9 0xFC)",
                      "raw": "René Roe,Zürich"}  # the raw text shows the bytes read as cp1252
    with open(out, newline="", encoding="utf-8") as f:
        assert sum(1 for _ in f) == 100_000  # header and every good row, in order
    assert src.read_bytes() == before


def test_an_invalid_byte_in_the_prefix_no_longer_makes_a_utf8_file_cp1252(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"name,city\n" + ACCENTED * 200 + b"Ren\xe9,Paris\n" + ACCENTED * 200)
    encoding, rows, rejects = read(src)
    assert encoding == "utf-8" and rows[0] == ("Zoë Ågren", "Malmö") and len(rows) == 400
    assert [r.line for r in rejects] == [202] and rejects[0].raw == "René,Paris"


def test_an_ascii_prefix_then_cp1252_is_a_cp1252_file(tmp_path):
    src = tmp_path / "in.csv"
    rows_before = PREFIX_BYTES // len(PLAIN) + 10
    src.write_bytes(b"name,city\n" + PLAIN * rows_before + b"Ren\xe9 Roe,Z\xfcrich\n" + "café,€\n".encode("cp1252"))
    assert sniff(src).encoding == "utf-8"  # what the prefix shows
    encoding, rows, rejects = read(src)
    assert rejects == [] and rows[-2:] == [("René Roe", "Zürich"), ("café", "€")] and len(rows) == rows_before + 2


def test_an_ascii_prefix_then_utf8_stays_utf8_and_later_bad_bytes_are_set_aside(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"name,city\n" + PLAIN * (PREFIX_BYTES // len(PLAIN) + 10) + ACCENTED * 3 + b"Ren\xe9,X\n")
    _, rows, rejects = read(src)
    assert rows[-1] == ("Zoë Ågren", "Malmö") and [r.reason.split(" holds ")[1] for r in rejects] == [
        "bytes that are not UTF-8 text (0xE9)"]


def test_a_nul_byte_and_cp1252_holes_are_not_text(tmp_path):
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"name,city\n" + PLAIN * 100_000 + b"Ann\x00,X\n" + PLAIN)
    _, rows, rejects = read(nul)
    assert len(rows) == 100_001 and [(r.reason, r.raw) for r in rejects] == [("line 100002 holds a NUL byte", "Ann\x00,X")]
    hole = tmp_path / "hole.csv"
    hole.write_bytes("name,city\nJosé,Zürich\n".encode("cp1252") + b"Ren\x81,Bern\nAnn,X\n")
    encoding, rows, rejects = read(hole)
    assert encoding == "cp1252" and rows == [("José", "Zürich"), ("Ann", "X")]
    assert rejects[0].reason == "line 3 holds bytes that are not Windows-1252 text (0x81)"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_marked_lines_across_the_reader_s_blocks(tmp_path, newline):
    # lines of every length around the 8 KiB blocks the reader decodes, a bad byte at each end of some
    src, lines, bad = tmp_path / "in.csv", [], []
    for i in range(7000):
        name = "Zoë" + "x" * (i % 97)
        if i % 23 in (0, 1):  # pairs of lines, under the share of malformed lines that fails a file
            name = (name + "\x00") if i == 3450 else ("\udce9" + name) if i % 2 else (name + "\udcff")
            bad.append(i + 2)
        lines.append(f"{name},{i}")
    data = newline.join(["name,n", *lines, ""]).encode("utf-8", "surrogateescape")
    src.write_bytes(data)
    assert len(data) > 40 * (1 << 13)
    _, rows, rejects = read(src)
    assert [r.line for r in rejects] == bad
    assert [int(n) for _, n in rows] == [i for i in range(7000) if i % 23 > 1]
    assert [r.raw for r in rejects] == [lines[i - 2].replace("\udce9", "é").replace("\udcff", "ÿ") for i in bad]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_a_marked_line_longer_than_several_blocks(tmp_path, newline):
    src = tmp_path / "in.csv"
    long_name = b"x" * 30_000 + b"\xe9" + b"y" * 30_000  # a bad byte in the middle of a 60 KB line
    rows = [b"name,n", "Zoë,1".encode(), long_name + b",2", b"Ann" + b"z" * 20_000 + b",3", "Bo,4".encode()]
    src.write_bytes(newline.join(rows) + newline)
    _, read_rows, rejects = read(src)
    assert [r[1] for r in read_rows] == ["1", "3", "4"] and len(read_rows[1][0]) == 20_003
    assert [(r.line, len(r.raw), r.reason) for r in rejects] == [
        (3, 60_003, "line 3 holds bytes that are not UTF-8 text (0xE9)")]


def test_utf16_with_a_lone_surrogate(tmp_path):
    src = tmp_path / "in.csv"
    bad = "Ann,X\n".encode("utf-16-le").replace(b"A\x00", b"\x00\xd8")  # a high surrogate alone
    src.write_bytes(b"\xff\xfe" + "name,city\nJosé,Zürich\n".encode("utf-16-le") + bad + "Bob,Y\n".encode("utf-16-le"))
    encoding, rows, rejects = read(src)
    assert encoding == "utf-16" and rows == [("José", "Zürich"), ("Bob", "Y")]
    assert rejects[0].line == 3 and "not UTF-16 text (0x00 0xD8)" in rejects[0].reason


def test_a_quoted_record_over_lines_is_set_aside_whole_and_the_header_is_read_as_cp1252(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b'name,cit\xe9\n"Ann\nRoe",X\xff\n' + ACCENTED * 2)
    _, rows, rejects = read(src)
    with open_source(src) as source:
        assert source.header == ["name", "cité"]  # the header cell's bytes, read as cp1252
    assert rows == [("Zoë Ågren", "Malmö")] * 2 and [(r.line, r.raw) for r in rejects] == [(2, '"Ann\nRoe",X\xff')]


def test_strict_fails_at_the_first_such_line_and_a_cluster_range_gives_up(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"name,city\n" + ACCENTED * 3 + b"Ren\xe9,X\n")
    with pytest.raises(InputError, match=r"^line 5 holds bytes that are not UTF-8 text \(0xE9\)$"):
        run_file(src, tmp_path / "out.csv", PLAN, strict=True)
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(InputError, match="not UTF-8 text"):  # the client then reads the file itself
        parse_rows(ACCENTED + b"Ren\xe9,X\n", sniff(src), ["name", "city"])


def test_the_command_line_says_how_many_were_set_aside(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"name,email\n" + "Zoë,zoe@example.com\n".encode() + b"Ren\xe9,r@example.com\nAnn,a@example.com\n")
    done = subprocess.run([sys.executable, "-m", "normdesk", "run", str(src), "-o", str(out)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 malformed line" in done.stdout + done.stderr
    assert [r["reason"] for r in rejects_file(out)] == ["line 3 holds bytes that are not UTF-8 text (0xE9)"]


def test_a_file_mostly_in_another_encoding_fails_at_once_saying_so(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"name,city\n" + ACCENTED * 50 + b"Ren\xe9,Z\xfcrich\n" * 30)  # UTF-8 by a majority
    with pytest.raises(InputError, match=r"^30 of the first 80 lines are malformed \(the first: line 52 holds bytes "
                                         r"that are not UTF-8 text \(0xE9 0xFC\)\): probably not all in UTF-8$"):
        read(src)
