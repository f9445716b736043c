"""US address normalizer: Publication 28 output, invalid reasons, and the fast path proven equal
to the usaddress slow path on generated and real addresses."""

from __future__ import annotations

import csv
import subprocess
import sys

import polars as pl
import pytest
from faker import Faker

from normdesk.engine.normalize import NormalizeOptions, make_normalizer
from normdesk.engine.normalize.address import (
    BAD_ZIP,
    NO_NUMBER,
    NO_STREET,
    NOT_A_STATE,
    NOT_US,
    PARTS,
    UNPARSEABLE,
    AddressNormalizer,
)
from normdesk.engine.types import ColumnType, Outcome
from shared_data import SHARED

BENCH_DATA = SHARED / "bench-data" / "usaddress"
GEN = SHARED / "bench" / "gen_contacts.py"
needs_shared = pytest.mark.skipif(not BENCH_DATA.is_dir(), reason="shared bench data not present")


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))


def run(values, part=None, fast_path=True) -> pl.DataFrame:
    norm = AddressNormalizer(NormalizeOptions(), part, fast_path=fast_path)
    return norm.normalize(pl.Series("a", values, dtype=pl.Utf8))


def test_make_normalizer_gives_the_address_normalizer():
    norm = make_normalizer(ColumnType.ADDRESS, NormalizeOptions(), "street")
    assert isinstance(norm, AddressNormalizer) and norm.part == "street"
    assert norm.components() == ("line1", "line2", "city", "state", "zip")


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    "text, value",
    [
        ("123 N Main St Apt 4, Springfield, IL 62704", "123 N Main St Apt 4, Springfield, IL 62704"),
        ("  123 north main street apartment 4, springfield, illinois 62704 ", "123 N Main St Apt 4, Springfield, IL 62704"),
        ("431 MARIETTA AVENUE NORTHWEST SUITE 300, ATLANTA GA 303031234", "431 Marietta Ave NW Ste 300, Atlanta, GA 30303-1234"),
        ("77 Elm Boulv # 12, Boston, Massachusetts 2134", "77 Elm Blvd # 12, Boston, MA 02134"),
        ("9 5th Avenue, New York, New York 10001-0001", "9 5th Ave, New York, NY 10001-0001"),
        ("12 Lake View Crcl, Charleston, West Virginia 25301", "12 Lake View Cir, Charleston, WV 25301"),
        ("PO Box 123, Chicago IL 60601", "PO Box 123, Chicago, IL 60601"),
        ("500 Oak Pkwy\nAustin, TX 78701", "500 Oak Pkwy, Austin, TX 78701"),
        ("3756 W Jennings Place, West Shirleyfurt, NC 28853", "3756 W Jennings Pl, West Shirleyfurt, NC 28853"),
    ],
)
def test_standard_form(text, value, fast_path):
    out = run([text], fast_path=fast_path).row(0, named=True)
    assert out["reason"] is None
    assert out["value"] == value


def test_components_and_outcomes():
    out = run(["123 N Main St Apt 4B, Springfield, IL 62704", "123 N Main St Apt 4B, Springfield, IL 62704-0001",
               "123 n main st, springfield il 62704", "", "   ", None])  # fmt: skip
    first = out.row(0, named=True)
    assert (first["line1"], first["line2"], first["city"], first["state"], first["zip"]) == (
        "123 N Main St", "Apt 4B", "Springfield", "IL", "62704")  # fmt: skip
    assert out["zip"][1] == "62704-0001"
    assert out["value"][2] == "123 N Main St, Springfield, IL 62704"
    assert out["outcome"].to_list() == [Outcome.UNCHANGED, Outcome.UNCHANGED, Outcome.CHANGED] + [Outcome.EMPTY] * 3
    assert out["value"].to_list()[3:] == ["", "", None]


def test_street_part_keeps_place_out_of_components():
    out = run(["123 Main St", "9 w oak avenue unit 3", "12 Elm St, Boston, MA 02134"], part="street")
    assert out["reason"].to_list() == [None, None, None]
    assert out["value"].to_list() == ["123 Main St", "9 W Oak Ave Unit 3", "12 Elm St, Boston, MA 02134"]
    assert out["line2"].to_list() == [None, "Unit 3", None]
    assert out.select("city", "state", "zip").null_count().row(0) == (3, 3, 3)


def test_mc_names_keep_their_capital():
    out = run(["100 MCKINLEY AVE, MCALLEN, TX 78501"]).row(0, named=True)
    assert out["value"] == "100 McKinley Ave, McAllen, TX 78501"


def test_socrata_location_cells_lose_their_geocode():
    out = run(["14 Stonecroft Dr\nHebron, CT 06248\n(41.65, -72.36)"]).row(0, named=True)
    assert out["value"] == "14 Stonecroft Dr, Hebron, CT 06248"
    assert (out["line2"], out["city"], out["zip"]) == (None, "Hebron", "06248")


def test_incomplete_full_address_is_valid():
    out = run(["123 Main St", "123 Main St, Springfield"])
    assert out["reason"].to_list() == [None, None]
    assert out["city"].to_list() == [None, "Springfield"]
    assert out["state"].to_list() == [None, None]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("100 diamond street san francisco, ca, 941142414 san francisco 100 diamond street ca 941142414", UNPARSEABLE),
        ("Springfield, IL 62704", NO_STREET),
        ("PO", NO_STREET),  # a box type without a number is no PO box
        ("PO Box, Austin, TX", NO_STREET),
        ("(41.65, -72.36)", NO_STREET),  # a geocode alone
        (",;", NO_STREET),
        ("Main St & 1st Ave", NO_NUMBER),
        ("Main Street, Springfield, IL", NO_NUMBER),
        ("123 Main St, Springfield, XY", NOT_A_STATE),
        ("123 Main St, Springfield, IL, Germany", f"{NOT_US} (DE)"),
        ("12 Elm St, Austin, TX 2134", BAD_ZIP),
        ("12 Elm St, Austin, TX 787011", BAD_ZIP),
    ],
)
def test_invalid_values_are_kept_with_a_reason(text, reason):
    out = run([f" {text}"]).row(0, named=True)
    assert out["reason"] == reason
    assert out["value"] == f" {text}"
    assert out["outcome"] == Outcome.INVALID
    assert out["line1"] is None and out["zip"] is None


@needs_shared
def test_unparseable_file_never_raises():
    with open(BENCH_DATA / "train" / "unparseable.csv", newline="", encoding="utf-8") as f:
        values = [row[0] for row in csv.reader(f) if row]
    out = run(values)
    assert out.height == len(values) > 1000
    invalid = out.filter(pl.col("outcome") == Outcome.INVALID)
    assert invalid["reason"].null_count() == 0 and invalid.height > 100
    assert invalid["value"].to_list() == [v for v, o in zip(values, out["outcome"]) if o == Outcome.INVALID]
    valid = out.filter(pl.col("outcome") != Outcome.INVALID)
    assert valid["line1"].null_count() == 0


# -- differential: fast path == slow path on everything it decides -----------------------------
def assert_fast_equals_slow(values: list[str], min_hit: float) -> float:
    series = pl.Series("a", values, dtype=pl.Utf8)
    stripped = series.str.strip_chars()
    stripped = pl.select(pl.when(stripped != "").then(stripped)).to_series()
    fast_norm = AddressNormalizer(NormalizeOptions())
    slow_norm = AddressNormalizer(NormalizeOptions(), fast_path=False)
    fast, slow = fast_norm.parts(stripped), slow_norm.parts(stripped)
    hit = fast["hit"]
    rate = hit.sum() / max(stripped.is_not_null().sum(), 1)
    differ = pl.concat([stripped.to_frame("in"), fast.select(PARTS), slow.select(PARTS).rename(lambda c: c + "_slow")],
                       how="horizontal").filter(hit & pl.any_horizontal(
                           [pl.col(p).ne_missing(pl.col(p + "_slow")) for p in PARTS]))  # fmt: skip
    assert differ.height == 0, differ.head(10).to_dicts()
    assert rate >= min_hit
    # and the whole column, rendered, is the same with and without the fast path
    assert fast_norm.normalize(series).equals(slow_norm.normalize(series))
    return rate


@pytest.fixture(scope="module")
def gen_addresses(tmp_path_factory) -> list[str]:
    if not GEN.is_file():
        pytest.skip("gen_contacts.py not present")
    folder = tmp_path_factory.mktemp("gen")
    out, truth = folder / "contacts.csv", folder / "truth.csv"
    subprocess.run([sys.executable, str(GEN), "4000", "--out", str(out), "--truth", str(truth)],
                   check=True, capture_output=True)  # fmt: skip
    return pl.read_csv(out, infer_schema=False)["address"].to_list()


def test_fast_path_equals_slow_path_on_gen_contacts(gen_addresses):
    assert_fast_equals_slow(gen_addresses, min_hit=0.95)


def test_fast_path_equals_slow_path_on_faker_addresses():
    fake = Faker("en_US")
    fake.seed_instance(11)
    values = [fake.address() for _ in range(3000)]
    values += [fake.street_address() + ", " + fake.city() + " " + fake.state() + " " + fake.zipcode_plus4()
               for _ in range(1000)]  # fmt: skip
    assert_fast_equals_slow(values, min_hit=0.8)


@needs_shared
def test_fast_path_equals_slow_path_on_labeled_usaddress_data():
    values = pl.read_csv(BENCH_DATA.parent / "usaddress" / "usaddress_labeled_flat.csv", infer_schema=False)
    assert_fast_equals_slow(values["address"].to_list(), min_hit=0.05)


def test_each_distinct_slow_value_is_computed_once(monkeypatch):
    import normdesk.engine.normalize.address as address

    calls: list[str] = []
    real = address.parse_slow
    monkeypatch.setattr(address, "parse_slow", lambda text: calls.append(text) or real(text))
    norm = AddressNormalizer(NormalizeOptions())
    tricky = ["1 Park Ln, Springfield IL 62704", "Wrigley Field 1060 W Addison St Chicago IL"]
    norm.normalize(pl.Series(tricky * 50 + ["123 Main St, Springfield, IL 62704"] * 50))
    norm.normalize(pl.Series(tricky))
    assert sorted(calls) == sorted(tricky)
