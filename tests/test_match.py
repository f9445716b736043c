"""normdesk dedupe end to end: real files, real DuckDB on disk, the real Splink model."""

from __future__ import annotations

import json
from itertools import combinations

import polars as pl
import pytest

from normdesk.cli import main
from tests.shared_data import BENCH, SHARED

FEBRL1 = SHARED / "bench-data" / "febrl" / "dataset1.csv"
PEOPLE = """name,email,phone,address
Robert Allen,bob.allen@example.com,(415) 555-0100,"12 Elm St, Springfield, IL 62701"
Mary Jones,mary.jones@example.org,212-555-0199,"400 Oak Ave Apt 3, Boston, MA 02110"
Bob Allen,BOB.ALLEN@EXAMPLE.COM,415.555.0100,"12 Elm Street, Springfield IL 62701"
Peter Smith,psmith@example.net,+1 312 555 0142,"9 Pine Rd, Chicago, IL 60601"
Jones Mary,,(212) 555 0199,"400 Oak Avenue, Apt 3, Boston, MA 02110"
Anna Lee,anna.lee@example.com,617 555 0123,"77 Birch Ln, Cambridge, MA 02139"
"""


def _pairs(values) -> set:
    groups: dict = {}
    for i, v in enumerate(values):
        groups.setdefault(v, []).append(i)
    return {p for rows in groups.values() for p in combinations(rows, 2)}


@pytest.fixture
def febrl_subset(tmp_path):
    """The first 400 rows of FEBRL 1 (with their duplicates where these are in the subset)."""
    path = tmp_path / "febrl.csv"
    path.write_text("".join(FEBRL1.read_text().splitlines(keepends=True)[:401]))
    return path


def test_every_row_in_order_and_febrl_floor(home, febrl_subset, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(febrl_subset), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    src = pl.read_csv(febrl_subset, infer_schema=False)
    res = pl.read_csv(out, infer_schema=False)
    assert res.height == src.height == report["rows"] == 400
    assert res.get_column("rec_id").to_list() == src.get_column("rec_id").to_list()
    assert report["pairs_compared"] > 0 and "bk_name" in report["blocking_rules"]
    truth = _pairs(src.get_column("rec_id").str.extract(r"rec-(\d+)-").to_list())
    found = _pairs(res.get_column("normdesk_cluster").to_list())
    precision, recall = len(found & truth) / len(found), len(found & truth) / len(truth)
    assert precision >= 0.95 and recall >= 0.85, (precision, recall)
    # a cluster is named by its smallest row number
    for cluster, rows in res.with_row_index("row", 1).group_by("normdesk_cluster").agg("row").iter_rows():
        assert int(cluster) == min(rows)


def test_clusters_stable_and_people_found(home, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    outs = []
    for run in (1, 2):
        out = tmp_path / f"out{run}.csv"
        assert main(["dedupe", str(people), "-o", str(out), "--threshold", "0.5"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    clusters = pl.read_csv(tmp_path / "out1.csv", infer_schema=False).get_column("normdesk_cluster").to_list()
    assert clusters[0] == clusters[2] == "1"  # Robert / Bob Allen
    assert clusters[1] == clusters[4] == "2"  # Mary Jones / Jones Mary
    assert len({clusters[3], clusters[5], "1", "2"}) == 4


def test_several_files_merged_and_against(home, tmp_path):
    a, b = tmp_path / "crm.csv", tmp_path / "signups.csv"
    lines = PEOPLE.splitlines(keepends=True)
    a.write_text("".join(lines[:4]))
    b.write_text(lines[0] + "".join(lines[4:]))
    out, merged = tmp_path / "out.csv", tmp_path / "golden.csv"
    assert main(["dedupe", str(a), str(b), "-o", str(out), "--merged", str(merged), "--threshold", "0.5"]) == 0
    res = pl.read_csv(out, infer_schema=False)
    assert res.height == 6
    assert res.get_column("normdesk_source").to_list() == ["crm.csv"] * 3 + ["signups.csv"] * 3
    golden = pl.read_csv(merged, infer_schema=False)
    assert golden.height == res.get_column("normdesk_cluster").n_unique()
    allen = golden.filter(pl.col("normdesk_cluster") == "1").row(0, named=True)
    assert allen["normdesk_merged_rows"] == "1;3" and allen["email"] == "bob.allen@example.com"

    linked = tmp_path / "linked.csv"
    assert main(["dedupe", str(b), "-o", str(linked), "--against", str(a), "--threshold", "0.5"]) == 0
    res = pl.read_csv(linked, infer_schema=False)
    assert res.height == 3  # only the new rows
    # Peter Smith and Anna Lee are new (their own row numbers); Jones Mary is the base's Mary Jones
    assert res.get_column("normdesk_cluster").to_list() == ["4", "2", "6"]


def test_a_base_is_normalized_once_while_it_is_unchanged(home, tmp_path, capsys, monkeypatch):
    import importlib
    import os

    from normdesk.match import base_cache

    dedupe = importlib.import_module("normdesk.match.dedupe")  # the module (the package exports the function)

    a, b = tmp_path / "crm.csv", tmp_path / "signups.csv"
    lines = PEOPLE.splitlines(keepends=True)
    a.write_text("".join(lines[:4]))
    b.write_text(lines[0] + "".join(lines[4:]))
    normalized = []
    real = dedupe.run_file
    monkeypatch.setattr(dedupe, "run_file", lambda path, *args, **kw: normalized.append(path.name) or real(path, *args, **kw))
    outs, reports = [], []
    for run in range(3):
        if run == 2:  # the base changed: normalized again
            os.utime(a, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns + 10**9))
        out = tmp_path / f"linked{run}.csv"
        assert main(["dedupe", str(b), "-o", str(out), "--against", str(a), "--threshold", "0.5", "--json"]) == 0
        outs.append(out.read_bytes())
        reports.append(json.loads(capsys.readouterr().out))
    assert normalized == ["crm.csv", "signups.csv", "signups.csv", "crm.csv", "signups.csv"]
    assert outs[0] == outs[1] == outs[2]
    assert [r["rows_in_clusters"] for r in reports] == [1, 1, 1]  # Jones Mary, linked to the base's Mary Jones
    assert [(r["pairs_compared"], r["links"]) for r in reports[1:]] == [(reports[0]["pairs_compared"], reports[0]["links"])] * 2
    assert len(list((home / "dedupe-bases").glob("*.parquet"))) == 2
    for run in range(base_cache.KEEP + 1):  # only the most recently used bases are kept
        base_cache.keep(f"k{run}", pl.DataFrame({"x": [run]}), {"first"})
    assert sorted(p.stem for p in (home / "dedupe-bases").glob("*.json")) == [f"k{i}" for i in range(1, 5)]
    frame, roles = base_cache.load("k4")
    assert frame.equals(pl.DataFrame({"x": [4]})) and roles == {"first"}


@pytest.mark.skipif(not (BENCH / "gen_contacts.py").exists(), reason="../shared/bench absent")
def test_a_small_link_whose_name_pairs_all_match_trains_and_links(home, tmp_path, capsys):
    # every pair the name blocks is a match: that EM session's prior reaches 1 ("inf" in Splink's SQL)
    import subprocess
    import sys

    base, fresh, new = tmp_path / "base.csv", tmp_path / "fresh.csv", tmp_path / "new.csv"
    for rows, seed, path in ((300, 42, base), (50, 7, fresh)):
        subprocess.run([sys.executable, str(BENCH / "gen_contacts.py"), str(rows), "--seed", str(seed), "--out",
                        str(path), "--truth", str(path.with_suffix(".parquet"))], check=True, capture_output=True)
    known = pl.read_csv(base, infer_schema=False).with_row_index("row", 1).sample(n=50, seed=1)
    pl.concat([pl.read_csv(fresh, infer_schema=False), known.drop("row")]).write_csv(new)
    out = tmp_path / "linked.csv"
    assert main(["dedupe", str(new), "--against", str(base), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    linked = pl.read_csv(out, infer_schema=False).get_column("normdesk_cluster").cast(int).to_list()
    rows = known.get_column("row").to_list()
    found = [cluster == row for cluster, row in zip(linked[50:], rows)]
    # a known person takes its base row, or stays new (row 190 has only an email: too little to link)
    assert sum(found) >= 48 and all(ok or cluster > 300 for ok, cluster in zip(found, linked[50:]))
    assert all(cluster > 300 for cluster in linked[:50]) and report["rows_in_clusters"] == sum(found)


def test_bad_input_is_one_line(home, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["dedupe", str(tmp_path / "missing.csv"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("normdesk: ") and err.count("\n") == 1
    notes = tmp_path / "notes.csv"
    notes.write_text("note\nhello\nworld\n")
    assert main(["dedupe", str(notes), "-o", str(out)]) == 2
    assert "no column to compare" in capsys.readouterr().err
    assert not out.exists()
