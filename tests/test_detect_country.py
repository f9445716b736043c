"""A file's country from its data, phones of other countries, and content that looks like
addresses or names but is not (scales, coded categories, periods, months, places)."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from faker import Faker

from normdesk.engine import detect_file, plan_from_detection
from normdesk.engine.detect import detect_columns, detect_sample
from normdesk.engine.types import ColumnType

ROWS = 120


def _fk(locale: str, seed: int = 4) -> Faker:
    fk = Faker(locale)
    fk.seed_instance(seed)
    return fk


def _co_mobile(rnd: random.Random) -> str:
    """A Colombian mobile number written nationally; its "exchange" starts with 0 or 1, so it is
    no valid US number either."""
    prefix = rnd.choice([300, 301, 302, 304, 305, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321])
    return f"{prefix} {rnd.randint(0, 199):03d} {rnd.randint(1000, 9999)}"


def _country(frame: dict[str, list[str]]):
    return detect_sample(pl.DataFrame(frame))


@pytest.mark.parametrize(
    "locale, column, maker, code",
    [
        ("en_AU", "State", "state_abbr", "AU"),
        ("en_CA", "Prov", "province_abbr", "CA"),
        ("en_US", "ST", "state_abbr", "US"),
        ("es_CO", "Departamento", "department", "CO"),
        ("en_GB", "Postcode", "postcode", "GB"),
        ("en_CA", "Postal", "postalcode", "CA"),
        ("nl_NL", "Postcode", "postcode", "NL"),
    ],
)
def test_country_from_subdivisions_and_postcodes(locale, column, maker, code):
    fk = _fk(locale)
    _, country = _country({"Name": [fk.name() for _ in range(ROWS)],
                           column: [getattr(fk, maker)() for _ in range(ROWS)]})
    assert country.code == code, country
    assert column in country.evidence and country.column is None


def test_country_from_phone_numbers():
    fk = _fk("de_DE")
    _, country = _country({"Telefon": [fk.phone_number() for _ in range(ROWS)]})
    assert country.code == "DE" and "Telefon" in country.evidence


def test_a_country_column_names_the_file_and_each_row():
    rnd = random.Random(2)
    countries = ["Colombia"] * 90 + ["Canada"] * 20 + ["USA"] * 10
    _, country = _country({"País": countries, "Teléfono": [_co_mobile(rnd) for _ in range(ROWS)]})
    assert (country.code, country.column) == ("CO", "País")
    assert "country column 'País'" in country.evidence


def test_no_evidence_no_country():
    fk = _fk("en_US")
    _, country = _country({"Name": [fk.name() for _ in range(ROWS)], "Notes": [fk.sentence() for _ in range(ROWS)]})
    assert country.code is None and country.column is None


def test_national_numbers_of_the_files_country_are_phones():
    rnd = random.Random(3)
    phones = [_co_mobile(rnd) for _ in range(ROWS)]
    alone = detect_columns(pl.DataFrame({"Column 1": phones}))[0]
    fk = _fk("es_CO")
    with_country, country = _country({"Column 1": phones, "Departamento": [fk.department() for _ in range(ROWS)]})
    assert country.code == "CO"
    assert alone.type is ColumnType.UNKNOWN or alone.confidence < 0.7  # in the US they are not valid
    assert with_country[0].type is ColumnType.PHONE and with_country[0].confidence >= 0.95
    assert with_country[0].evidence.startswith("100%")


def test_australian_numbers_without_a_header_hint():
    fk = _fk("en_AU")
    cols, country = _country({"Column 2": [fk.phone_number() for _ in range(ROWS)],
                              "Column 3": [fk.state_abbr() for _ in range(ROWS)]})
    assert country.code == "AU" and cols[0].type is ColumnType.PHONE


# -- the plan and the command line ------------------------------------------------------------------


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def mixed_file(tmp_path) -> Path:
    """Australian contacts, some rows of other countries named in a country column."""
    fk = _fk("en_AU")
    rows = [["Name", "Phone", "State", "Country"]]
    for i in range(60):
        rows.append([fk.name(), f"0412 345 6{i:02d}", fk.state_abbr(), "Australia"])
    rows.append(["Ana Ruiz", "310 456 7890", "", "Colombia"])
    rows.append(["Jo Smith", "(415) 555-0100", "CA", "United States"])
    return _write(tmp_path / "contacts.csv", rows)


def test_plan_takes_the_files_country_unless_the_user_gives_one(mixed_file):
    detection = detect_file(mixed_file)
    assert (detection.country.code, detection.country.column) == ("AU", "Country")
    assert plan_from_detection(detection).country == "AU"
    assert plan_from_detection(detection, country="NZ").country == "NZ"
    assert plan_from_detection(detection).country_column == "Country"


def normdesk(*args):
    return subprocess.run([sys.executable, "-m", "normdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_cli_detect_json_has_the_country_and_run_uses_it_row_by_row(mixed_file, tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    result = normdesk("detect", "--json", mixed_file)
    assert result.returncode == 0, result.stderr
    (data,) = json.loads(result.stdout)
    assert list(data)[:2] == ["file", "columns"]
    assert data["country"]["code"] == "AU" and data["country"]["column"] == "Country"
    text = normdesk("detect", mixed_file)
    assert "country: AU" in text.stdout

    out = tmp_path / "out.csv"
    result = normdesk("run", mixed_file, "-o", out, "--workers", "0", "--json")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(open(out, newline="", encoding="utf-8")))
    assert rows[0]["Phone"] == "+61412345600"
    assert json.loads(result.stdout)["columns"]["Phone"]["invalid"] == 0
    assert rows[-2]["Phone"] == "+573104567890"  # the row's country, not the file's
    assert rows[-1]["Phone"] == "+14155550100"

    again = tmp_path / "nz.csv"
    result = normdesk("run", mixed_file, "-o", again, "--country", "NZ", "--workers", "0", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["columns"]["Phone"]["invalid"] == 0  # each row says Australia etc.


# -- not addresses, not names -------------------------------------------------------------------------


def _type(header: str, values: list[str]) -> ColumnType:
    frame = pl.DataFrame({header: (values * (ROWS // len(values) + 1))[:ROWS]})
    return detect_columns(frame)[0].type


@pytest.mark.parametrize(
    "header, values",
    [
        ("Q7", ["5 Very satisfied", "4 Satisfied", "3 Neutral", "2 Dissatisfied", "1 Very dissatisfied"]),
        ("Agreement", ["1 Strongly disagree", "2 Disagree", "3 Neither", "4 Agree", "5 Strongly agree"]),
        ("income_class", ["1 Low income", "2 Lower middle", "3 Upper middle", "4 High income"]),
        ("Estrato", ["Estrato 1", "Estrato 2", "Estrato 3", "Estrato 4", "Estrato 5", "Estrato 6"]),
        ("Category", ["Category 1", "Category 2", "Category 3", "Tier 1", "Tier 2"]),
        ("period", ["2019 Quarter 1", "2019 Quarter 2", "2019 Quarter 3", "2019 Quarter 4", "2020 Quarter 1"]),
        ("period", ["Q1 2019", "Q2 2019", "Quarter 3 2019", "Fall 2020", "Spring 2021", "FY2021 Q4"]),
        ("Address", ["5 Very satisfied", "4 Satisfied", "3 Neutral", "2 Dissatisfied", "1 Very dissatisfied"]),
    ],
)
def test_scales_categories_and_periods_are_not_addresses(header, values):
    assert _type(header, values) is not ColumnType.ADDRESS


@pytest.mark.parametrize(
    "header, values",
    [
        ("name", ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]),
        ("Month", ["June", "July", "August", "May", "April"]),
        ("name", ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        ("suburb_name", ["Riverside", "Northfield", "Brookside", "Hillcrest", "Lakeview", "Oakwood", "Maplewood",
                         "Fairview", "Greenwood", "Ashford"]),
        ("name", ["Riverside", "Northfield", "Brookside", "Hillcrest", "Lakeview", "Oakwood", "Maplewood",
                  "Fairview", "Greenwood", "Glenview"]),
        ("name", ["Kampala Central", "Nakawa Division", "Makindye East", "Rubaga North", "Kawempe South",
                  "Wakiso Rural", "Mukono Urban", "Entebbe Municipality"]),
    ],
)
def test_months_and_places_are_not_names(header, values):
    assert _type(header, values) is not ColumnType.NAME


def test_real_names_and_streets_still_detected():
    fk = _fk("en_US")
    assert _type("name", [fk.name() for _ in range(ROWS)]) is ColumnType.NAME
    assert _type("First", ["June", "April", "Mark", "Sarah", "John", "Linda", "Paul", "Emma", "David"]) \
        is ColumnType.NAME  # a few month-named people among others
    assert _type("Last", [fk.last_name() for _ in range(ROWS)]) is ColumnType.NAME
    assert _type("Street", [fk.street_address() for _ in range(ROWS)]) is ColumnType.ADDRESS
    assert _type("addr", ["12 Main", "540 Broad", "1330 Elm", "77 Oak", "9 Pine", "1200 Cedar", "8 Hill"]) \
        is ColumnType.ADDRESS


def test_single_letters_are_no_subdivisions():
    """Options ("x", "y"), initials ("D.") and grades are also one-letter subdivision codes of some
    countries (Venezuela's X and Y): they name no country."""
    _, country = _country({"Notes": ["x", "y", "x"], "Middle": ["D.", "B.", "X."]})
    assert country.code is None, country
