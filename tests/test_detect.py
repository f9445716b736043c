"""Column type detection: content and header evidence, parts, junk, negatives, JSON, speed."""

from __future__ import annotations

import json
import random
import time

import polars as pl
import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from normdesk.engine import detect
from normdesk.engine.detect import ColumnDetection, FileDetection, detect_columns, detect_sample, header_hint
from normdesk.engine.types import ColumnType
from shared_data import BENCH

ROWS = 300


def _values(make, n: int = ROWS, seed: int = 3, junk: float = 0.0) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        x = rnd.random()
        out.append(rnd.choice(["", "  ", "N/A", "-", "unknown", "null"]) if x < junk else make())
    return out


def _faker(locale: str = "en_US", seed: int = 11) -> Faker:
    fk = Faker(locale)
    fk.seed_instance(seed)
    return fk


def _detect(header: str, values: list[str | None]) -> ColumnDetection:
    (det,) = detect_columns(pl.DataFrame({header: values}, schema={header: pl.Utf8}))
    return det


# -- headers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("Teléfono", "phone"), ("Telefon", "phone"), ("Tél", "phone"), ("Tel", "phone"),
        ("Telefonnummer", "phone"), ("business_phone", "phone"), ("Courriel", "email"),
        ("E-Mail", "email"), ("Correo electrónico", "email"), ("email_address", "email"),
        ("Nachname", "name:last"), ("Apellido", "name:last"), ("Cognome", "name:last"),
        ("adminlastname", "name:last"), ("Vorname", "name:first"), ("Prénom", "name:first"),
        ("FirstName", "name:first"), ("middle_initial", "name:middle"), ("Nombre", "name?"), ("Name", "name?"),
        ("Contact Name", "name"), ("Adresse", "address"), ("Dirección", "address"), ("Straße", "address"),
        ("Indirizzo", "address"), ("Rua", "address"), ("Endereço", "address"), ("address1", "address"),
        ("address_city", "not"), ("Address Line 2", "not"), ("IP Address", "not"), ("company_name", "not"),
        ("zip_code", "not"), ("Case Number", "not"), ("Column 3", None), ("Field_7", None), ("", None),
    ],
)
def test_header_hints_in_several_languages(header, hint):
    assert header_hint(header) == hint


@pytest.mark.parametrize(
    ("header", "make", "expected"),
    [
        ("Teléfono", lambda fk: fk.phone_number(), "phone"),
        ("Tél", lambda fk: fk.phone_number(), "phone"),
        ("Courriel", lambda fk: fk.email(), "email"),
        ("E-Mail", lambda fk: fk.email(), "email"),
        ("Nachname", lambda fk: fk.last_name(), "name:last"),
        ("Vorname", lambda fk: fk.first_name(), "name:first"),
        ("Apellido", lambda fk: fk.last_name(), "name:last"),
        ("Adresse", lambda fk: fk.street_address(), "address:street"),
        ("Straße", lambda fk: fk.street_address(), "address:street"),
        ("Indirizzo", lambda fk: fk.street_address(), "address:street"),
        ("Rua", lambda fk: fk.street_address(), "address:street"),
    ],
)
def test_multilingual_header_and_content_agree(header, make, expected):
    locale = {"Teléfono": "es_ES", "Apellido": "es_ES", "Tél": "fr_FR", "Courriel": "fr_FR", "Adresse": "fr_FR",
              "Nachname": "de_DE", "Vorname": "de_DE", "Straße": "de_DE", "E-Mail": "de_DE",
              "Indirizzo": "it_IT", "Rua": "pt_BR"}[header]
    fk = _faker(locale)
    det = _detect(header, _values(lambda: make(fk)))
    assert (f"{det.type.value}:{det.part}" if det.part else det.type.value) == expected
    assert f"header '{header}' suggests" in det.evidence
    assert det.confidence >= 0.8


def test_header_settles_thin_content():
    """Two unknown surnames under 'LAST NAME', one number under 'Phone', an empty 'Nachname'."""
    few = _detect("LAST NAME", ["DONAHUE", "MARZI"] * 8)
    assert (few.type, few.part) == (ColumnType.NAME, "last")
    one = _detect("Phone", ["5734684144"] + [""] * 20)
    assert one.type is ColumnType.PHONE
    empty = _detect("Nachname", ["", " ", "N/A", None])
    assert (empty.type, empty.part) == (ColumnType.NAME, "last")
    assert empty.confidence < 0.5 and "no values" in empty.evidence


# -- content against misleading or meaningless headers ----------------------------------------------------


def test_content_wins_over_misleading_header():
    fk = _faker()
    emails_as_phone = _detect("Phone", _values(fk.email))
    assert emails_as_phone.type is ColumnType.EMAIL
    assert "content disagrees" in emails_as_phone.evidence
    phones_as_email = _detect("Email", _values(lambda: f"({fk.random_int(201, 989)}) 555-{fk.random_int(1000, 9999)}"))
    assert phones_as_email.type is ColumnType.PHONE
    names_as_city = _detect("City", _values(fk.name))
    assert names_as_city.type is ColumnType.NAME


@pytest.mark.parametrize("header", ["Column 3", "Field_7", "x", "col12"])
@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda fk: fk.name(), ("name", None)),
        (lambda fk: fk.first_name(), ("name", "first")),
        (lambda fk: fk.last_name(), ("name", "last")),
        (lambda fk: fk.email(), ("email", None)),
        (lambda fk: fk.phone_number(), ("phone", None)),
        (lambda fk: fk.street_address(), ("address", "street")),
        (lambda fk: fk.address().replace("\n", ", "), ("address", None)),
    ],
)
def test_content_alone_under_meaningless_header(header, make, expected):
    fk = _faker()
    det = _detect(header, _values(lambda: make(fk)))
    assert (det.type.value, det.part) == expected
    assert "header" not in det.evidence


# -- parts --------------------------------------------------------------------------------------------


def test_name_parts_from_content():
    fk = _faker("en_GB")
    middle = _detect("Column 1", _values(lambda: random.Random(fk.random_int()).choice("ABCDEFGHJKLMPRSTW") + "."))
    assert (middle.type, middle.part) == (ColumnType.NAME, "middle")
    last_first = _detect("Column 2", _values(lambda: f"{fk.last_name().upper()}, {fk.first_name()}"))
    assert (last_first.type, last_first.part) == (ColumnType.NAME, None)


def test_header_part_overrides_content_part():
    """First names that are also surnames (James, Thomas...) under 'last_name' are last names."""
    values = ["James", "Thomas", "Lewis", "Howard", "Kelly", "Grant", "Morgan", "Russell"] * 10
    det = _detect("last_name", values)
    assert (det.type, det.part) == (ColumnType.NAME, "last")


def test_full_us_address_and_street():
    full = ["1600 Pennsylvania Ave NW, Washington, DC 20500", "350 Fifth Avenue, New York, NY 10118",
            "1 Infinite Loop, Cupertino, CA 95014-2083", "233 S Wacker Dr Chicago IL 60606",
            "PO Box 1234, Austin, TX 78701", "4059 Mt Lee Dr, Hollywood, CA 90068"] * 5
    det = _detect("Column 9", full)
    assert (det.type, det.part) == (ColumnType.ADDRESS, None)
    streets = ["1600 Pennsylvania Ave NW", "350 Fifth Avenue", "1 Infinite Loop", "233 S Wacker Dr",
               "PO Box 1234", "4059 Mt Lee Dr", "12 Elm St Apt 4", "77 Mass Ave"] * 5
    det = _detect("Column 10", streets)
    assert (det.type, det.part) == (ColumnType.ADDRESS, "street")


# -- junk and blanks ------------------------------------------------------------------------------------


def test_email_forms_with_display_names():
    values = [f"Ann Lee{i} <ann.lee{i}@example.org>" for i in range(30)] + [f"mailto:b{i}@x.de" for i in range(10)]
    det = _detect("Column 1", values)
    assert det.type is ColumnType.EMAIL


def test_junk_and_blanks_do_not_count():
    fk = _faker()
    values = _values(fk.email, junk=0.4)
    det = _detect("Column 1", values)
    assert det.type is ColumnType.EMAIL
    real = len({v for v in values if "@" in v})
    assert f"of {real} distinct values" in det.evidence
    assert det.confidence >= 0.9


@pytest.mark.parametrize("values", [[], ["", "  ", None], ["N/A", "-", "unknown", "null", "--", "?", "#N/A"]])
def test_only_junk_is_unknown(values):
    det = _detect("Column 3", values)
    assert det.type is ColumnType.UNKNOWN
    assert "no values" in det.evidence


def test_non_text_and_empty_samples():
    assert detect_columns(pl.DataFrame()) == []
    sample = pl.DataFrame({"n": [1, 2, 3], "f": [1.5, None, 2.0], "b": [True, False, None]})
    assert [d.type for d in detect_columns(sample)] == [ColumnType.UNKNOWN] * 3


# -- negatives -------------------------------------------------------------------------------------------

NEGATIVES = {
    "companies": lambda fk: fk.company(),
    "jobs": lambda fk: fk.job(),
    "cities": lambda fk: fk.city(),
    "states": lambda fk: fk.administrative_unit(),
    "postcodes": lambda fk: fk.postcode(),
    "zip+4": lambda fk: fk.zipcode_plus4(),
    "countries": lambda fk: fk.country(),
    "dates": lambda fk: str(fk.date()),
    "us dates": lambda fk: fk.date(pattern="%m/%d/%Y"),
    "amounts": lambda fk: f"{fk.pyfloat(min_value=1, max_value=99999, right_digits=2):.2f}",
    "ids": lambda fk: str(fk.random_number(digits=10, fix_len=True)),
    "uuids": lambda fk: fk.uuid4(),
    "urls": lambda fk: fk.url(),
    "ips": lambda fk: fk.ipv4(),
    "booleans": lambda fk: fk.random_element(["true", "false", "Y", "N", "yes", "no"]),
    "free text": lambda fk: fk.sentence(),
    "catch phrases": lambda fk: fk.catch_phrase(),
    "colors": lambda fk: fk.color_name(),
    "user names": lambda fk: fk.user_name(),
}


@pytest.mark.parametrize("kind", sorted(NEGATIVES))
@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR"])
def test_negative_columns_are_unknown(kind, locale):
    fk = _faker(locale)
    if kind == "zip+4" and locale != "en_US":
        pytest.skip("US-only provider")
    det = _detect("Column 5", _values(lambda: NEGATIVES[kind](fk)))
    assert det.type is ColumnType.UNKNOWN, det.evidence


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("status", ["Active"] * 60),  # one value repeated is a category
        ("eyes", ["Brown", "Blue", "Green", "Black", "Unknown"] * 20),
        ("race", ["White", "Black", "Unknown"] * 30),
        ("precinct", ["LFP 46-0003", "BEL 48-3675", "KIR 01-0019", "AUB 47-0056"] * 10),
        ("grade", ["9 to 12", "K to 6", "K to 12", "6 to 8"] * 10),
        ("died", ["06 December 1917", "25 January 1918", "31 December 1917", "2 May 1920"] * 10),
        ("incident", ["153321-2019", "107741-2019", "037539-2019", "073028-2019", "186047-2019"] * 10),
        ("CASE ID", [str(2017158202 + 37 * i) for i in range(80)]),
        ("Column 1", ["CA", "NY", "TX", "WA", "OR", "FL", "IL", "MA", "PA", "OH"] * 8),  # state codes
        ("Column 2", ["M", "F"] * 40),
        ("Column 3", ["Y", "N", "N"] * 30),
        ("Column 4", [f"SKU-{10007 * i % 90000 + 10000}" for i in range(80)]),
        ("Column 5", [f"{i % 24:02d}:{i * 7 % 60:02d}" for i in range(80)]),
        ("Column 6", [f"${i * 1237 % 99999:,}.{i % 100:02d}" for i in range(80)]),
        ("Column 7", [f"{100 + i * 7 % 800}-{10 + i % 90}-{1000 + i * 37 % 9000}" for i in range(80)]),  # SSN
        ("Column 8", [f"{10000 + i * 977 % 90000}" for i in range(80)]),  # ZIP codes
        ("Column 9", [f"{-90 + i * 2.123457:.6f}" for i in range(80)]),  # latitudes
    ],
)
def test_real_world_decoys_are_unknown(header, values):
    det = _detect(header, values)
    assert det.type is ColumnType.UNKNOWN, det.evidence


# -- output shape ------------------------------------------------------------------------------------------


def test_json_shape():
    fk = _faker()
    sample = pl.DataFrame({"Tel": _values(fk.phone_number, 50), "Vorname": _values(fk.first_name, 50),
                           "Notes": _values(fk.sentence, 50)})
    result = FileDetection("/tmp/contacts.csv", *detect_sample(sample))
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == ["file", "columns", "country"] and data["file"] == "/tmp/contacts.csv"
    assert set(data["country"]) == {"code", "evidence", "column"}
    assert [c["name"] for c in data["columns"]] == ["Tel", "Vorname", "Notes"]
    for col in data["columns"]:
        assert set(col) == {"name", "type", "confidence", "evidence", "part", "group"}
        assert col["type"] in {"name", "email", "phone", "address", "unknown"}
        assert 0.0 <= col["confidence"] <= 1.0 and isinstance(col["evidence"], str) and col["evidence"]
    assert [(c["type"], c["part"]) for c in data["columns"]] == [("phone", None), ("name", "first"), ("unknown", None)]
    assert "header 'Tel' suggests phone" in data["columns"][0]["evidence"]
    assert "% of" in data["columns"][0]["evidence"]


def test_detections_are_frozen_values():
    det = ColumnDetection("a", ColumnType.EMAIL, 1.0, "x")
    with pytest.raises(AttributeError):
        det.type = ColumnType.NAME  # type: ignore[misc]
    assert det.to_dict() == {"name": "a", "type": "email", "confidence": 1.0, "evidence": "x", "part": None,
                             "group": None}


# -- cost ------------------------------------------------------------------------------------------------------


def _wide(rows: int = 1000) -> pl.DataFrame:
    fk = _faker()
    makers = [fk.name, fk.first_name, fk.last_name, fk.email, fk.phone_number, fk.street_address, fk.company,
              fk.job, fk.city, fk.url, fk.ipv4, fk.sentence, fk.postcode, fk.country, lambda: str(fk.date()),
              lambda: str(fk.random_number(digits=10)), fk.catch_phrase, fk.state, fk.user_name, fk.msisdn]
    return pl.DataFrame({f"Field_{i}": [m() for _ in range(rows)] for i, m in enumerate(makers)})


def test_wide_sample_is_fast():
    wide = _wide()
    detect_columns(wide.head(5))  # word lists are loaded once per process
    detect._phone_grade.cache_clear()
    start = time.perf_counter()
    result = detect_columns(wide)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.2f} s for 20 columns x 1000 rows"
    assert [d.type.value for d in result[:6]] == ["name", "name", "name", "email", "phone", "address"]


def test_phone_library_runs_on_a_bounded_subsample():
    fk = _faker()
    sample = pl.DataFrame({"a": [fk.phone_number() for _ in range(2000)],
                           "b": [str(fk.random_number(digits=10, fix_len=True)) for _ in range(2000)]})
    detect._phone_grade.cache_clear()
    detect_columns(sample)
    assert detect._phone_grade.cache_info().misses <= 2 * detect.PHONE_SUBSAMPLE


@pytest.mark.bench
def test_benchmark_workload_is_detected(tmp_path):
    """The shared benchmark generator's messy contacts, with and without their headers."""
    import subprocess
    import sys

    gen = BENCH / "gen_contacts.py"
    if not gen.exists():
        pytest.skip("shared benchmark generator not available")
    out = tmp_path / "contacts.csv"
    subprocess.run([sys.executable, str(gen), "1000", "--out", str(out), "--truth", str(tmp_path / "t.csv")],
                   check=True, capture_output=True)
    sample = pl.read_csv(out, infer_schema=False)
    expected = [("name", None), ("email", None), ("phone", None), ("address", None), ("unknown", None),
                ("unknown", None)]
    for frame in (sample, sample.rename({c: f"Column {i}" for i, c in enumerate(sample.columns)})):
        assert [(d.type.value, d.part) for d in detect_columns(frame)] == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=0, max_size=30), min_size=1, max_size=4),
       st.lists(st.text(max_size=20), min_size=4, max_size=4, unique=True))
def test_any_text_gives_a_well_formed_detection(columns, headers):
    height = max(len(c) for c in columns)
    sample = pl.DataFrame({h: c + [None] * (height - len(c)) for h, c in zip(headers, columns)},
                          schema={h: pl.Utf8 for h in headers[: len(columns)]})
    result = detect_columns(sample)
    assert [d.name for d in result] == sample.columns
    for det in result:
        assert det.type in ColumnType and 0.0 <= det.confidence <= 1.0 and det.evidence
        assert det.part in (None, "first", "middle", "last", "street")
        assert det.part is None or det.type in (ColumnType.NAME, ColumnType.ADDRESS)
