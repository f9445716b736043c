"""Real-world US address forms (units, buildings, highways), Canadian addresses and other
countries' addresses; the fast path stays equal to the slow path on all of them."""

from __future__ import annotations

import polars as pl
import pytest
from faker import Faker

from normdesk.engine.normalize import NormalizeOptions
from normdesk.engine.normalize.address import AddressNormalizer
from normdesk.engine.normalize.address_units import rewrite
from normdesk.engine.types import Outcome
from normdesk.engine.transform import row_regions
from test_normalize_address import assert_fast_equals_slow


def one(text: str, country: str = "US") -> dict:
    out = AddressNormalizer(NormalizeOptions(country=country)).normalize(pl.Series([text], dtype=pl.Utf8))
    return out.row(0, named=True)


@pytest.mark.parametrize(
    "text, value, line2",
    [
        ("100 Main St, 3rd Floor, Springfield, IL 62701", "100 Main St Fl 3, Springfield, IL 62701", "Fl 3"),
        ("100 Main St 3rd Floor, Springfield, IL 62701", "100 Main St Fl 3, Springfield, IL 62701", "Fl 3"),
        ("100 Main St, Basement, Springfield, IL 62701", "100 Main St Bsmt, Springfield, IL 62701", "Bsmt"),
        ("100 Main St Bsmt, Springfield, IL 62701", "100 Main St Bsmt, Springfield, IL 62701", "Bsmt"),
        ("100 Main St, Upper Level, Springfield, IL 62701", "100 Main St Uppr, Springfield, IL 62701", "Uppr"),
        ("100 Main St Uppr, Springfield, IL 62701", "100 Main St Uppr, Springfield, IL 62701", "Uppr"),
        ("100 Main St Rm 4B, Springfield, IL 62701", "100 Main St Rm 4B, Springfield, IL 62701", "Rm 4B"),
        ("100 Main St, Box 7, Springfield, IL 62701", "100 Main St PO Box 7, Springfield, IL 62701", "PO Box 7"),
        ("100 Main St, Suite 300/3rd Floor, Springfield, IL 62701",
         "100 Main St Ste 300 Fl 3, Springfield, IL 62701", "Ste 300 Fl 3"),
        ("100 Main St, Suite 300, 3rd Floor, Springfield, IL 62701",
         "100 Main St Ste 300 Fl 3, Springfield, IL 62701", "Ste 300 Fl 3"),
        ("Suite 300, 100 Main St, Springfield, IL 62701", "100 Main St Ste 300, Springfield, IL 62701", "Ste 300"),
        ("12 Oak St, Second Floor Springfield, IL 62701", "12 Oak St Fl 2, Springfield, IL 62701", "Fl 2"),
        ("12 Oak St, Fourth Flr, Springfield, IL 62701", "12 Oak St Fl 4, Springfield, IL 62701", "Fl 4"),
        ("Two Harbor Plaza, 9th Floor, Boston, MA 02110", "Two Harbor Plz Fl 9, Boston, MA 02110", "Fl 9"),
        ("Empire State Building, 350 5th Ave, New York, NY 10118",
         "350 5th Ave Empire State Building, New York, NY 10118", "Empire State Building"),
        ("4100 Route 9, Freehold, NJ 07728", "4100 Rte 9, Freehold, NJ 07728", None),
        ("220 County Road K, Plover, WI 54467", "220 County Rd K, Plover, WI 54467", None),
        ("500 Main Street Northwest, Washington, DC 20001", "500 Main St NW, Washington, DC 20001", None),
        ("412 First St., SE, Ste. 100, Washington, DC 20003", "412 First St SE Ste 100, Washington, DC 20003",
         "Ste 100"),
        ("8751 Himes Avenue North, Tampa, FL 33614", "8751 Himes Ave N, Tampa, FL 33614", None),  # FL: Florida
    ],
)
def test_real_world_us_forms(text, value, line2):
    out = one(text)
    assert out["reason"] is None
    assert (out["value"], out["line2"]) == (value, line2)


def test_units_are_not_rewritten_where_usaddress_reads_them():
    assert rewrite("100 MAIN ST APT 4, SPRINGFIELD, IL 62701").units == []
    assert rewrite("100 MAIN ST, FRONT ROYAL, VA 22630").units == []  # a city, not the FRNT designator


@pytest.mark.parametrize(
    "text, value, province, postcode",
    [
        ("123 Main St, Toronto, ON M5V 2T6", "123 Main St, Toronto, ON M5V 2T6", "ON", "M5V 2T6"),
        ("123 Main St, Toronto, ON M5V2T6, Canada", "123 Main St, Toronto, ON M5V 2T6", "ON", "M5V 2T6"),
        ("2851 John Street, Suite One, Markham, Ontario L3R 5R7", "2851 John St Ste 1, Markham, ON L3R 5R7",
         "ON", "L3R 5R7"),
        ("10120 yonge st unit 4 richmond hill on l4c 1t8", "10120 Yonge St Unit 4, Richmond Hill, ON L4C 1T8",
         "ON", "L4C 1T8"),
        ("1 Rue Sainte-Catherine, Montréal, Québec H2X 1Z4", None, "QC", "H2X 1Z4"),
        ("500 Granville St, Vancouver, BC", "500 Granville St, Vancouver, BC", "BC", None),
    ],
)
def test_canadian_addresses_parse_into_the_same_components(text, value, province, postcode):
    out = one(text)
    assert out["reason"] is None, out
    assert (out["state"], out["zip"]) == (province, postcode)
    assert out["line1"] and out["city"]
    if value:
        assert out["value"] == value


@pytest.mark.parametrize(
    "text, code",
    [
        ("10 Downing St, London SW1A 2AA, United Kingdom", "GB"),
        ("10 Downing St, London SW1A 2AA", "GB"),  # the postcode alone says it
        ("Hauptstrasse 5, 10115 Berlin, Germany", "DE"),
        ("Keizersgracht 123, 1015 CJ Amsterdam", "NL"),
        ("Calle Mayor 5, 28013 Madrid, España", "ES"),
    ],
)
def test_other_countries_are_flagged_and_kept(text, code):
    out = one(text)
    assert out["reason"] == f"not a US or Canadian address ({code})"
    assert out["value"] == text and out["outcome"] == Outcome.INVALID


def test_us_states_that_are_country_names_stay_us():
    assert one("40 Courtland Street, Atlanta, Georgia")["state"] == "GA"
    assert one("RFD 2 BOX 5729, ME")["state"] == "ME"  # Maine, not a Dutch postcode


def test_each_rows_country_wins_and_the_default_country_applies_to_the_rest():
    values = pl.Series(["Calle 10 # 5-20, Bogotá", "123 Main St, Springfield, IL 62701",
                        "123 Main St, Toronto, ON M5V 2T6", "Av. Paulista 1000, São Paulo"])
    countries = pl.Series(["Colombia", "US", "CA", None])
    out = AddressNormalizer(NormalizeOptions(country="BR")).normalize(values, row_regions(countries))
    assert out["reason"].to_list() == ["not a US or Canadian address (CO)", None, None,
                                       "not a US or Canadian address (BR)"]
    assert out["value"].to_list()[1:3] == ["123 Main St, Springfield, IL 62701", "123 Main St, Toronto, ON M5V 2T6"]


def _generated_forms(n: int = 1500) -> list[str]:
    """Faker US addresses with the real-world unit forms, Canadian addresses and foreign ones."""
    fk, ca = Faker("en_US"), Faker("en_CA")
    fk.seed_instance(5)
    ca.seed_instance(5)
    units = ["3rd Floor", "Basement", "Upper Level", "Rm 4B", "Box 7", "Suite 300/3rd Floor", "Fl 12",
             "Second Floor", "Bsmt", "Apt 4", "Suite 200, 2nd Floor", "Lower Level", "# 12"]
    out = []
    for i in range(n):
        unit = units[i % len(units)]
        street, city, tail = fk.street_address(), fk.city(), f"{fk.state_abbr()} {fk.zipcode()}"
        shapes = [f"{street}, {unit}, {city}, {tail}", f"{street} {unit}, {city}, {tail}",
                  f"{unit}, {street}, {city}, {tail}", f"{street}, {unit} {city}, {tail}",
                  ca.address().replace("\n", ", ")]
        out.append(shapes[i % len(shapes)])
    return out


def test_fast_path_equals_slow_path_on_the_new_forms():
    assert_fast_equals_slow(_generated_forms(), min_hit=0.0)


def test_the_new_forms_parse():
    values = _generated_forms(500)
    out = AddressNormalizer(NormalizeOptions()).normalize(pl.Series(values))
    valid = out["reason"].is_null().mean()
    assert valid >= 0.95, out.filter(pl.col("reason").is_not_null()).head(10).to_dicts()
