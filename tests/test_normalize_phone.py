"""Phone normalizer: the phonenumbers contract, and the vectorized fast path proven equal to
phonenumbers value by value (gen_contacts layouts, Faker numbers in many locales, every region's
example numbers, hypothesis strings)."""

from __future__ import annotations

import csv
import importlib.util
import random

import phonenumbers
import polars as pl
import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from normdesk.engine.errors import InputError
from normdesk.engine.normalize import make_normalizer
from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize import phone
from normdesk.engine.normalize.phone import PhoneNormalizer, fast_normalize, library_normalize
from normdesk.engine.types import ColumnType, Outcome
from shared_data import BENCH, BENCH_DATA

DATA = BENCH_DATA / "phonenumbers"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="needs ../shared/bench-data")
LOCALES = {
    "en_US": "US", "en_CA": "CA", "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR", "it_IT": "IT",
    "es_ES": "ES", "pt_BR": "BR", "es_MX": "MX", "en_IN": "IN", "en_AU": "AU", "ja_JP": "JP",
    "nl_NL": "NL", "pl_PL": "PL", "ru_RU": "RU", "zh_CN": "CN", "ko_KR": "KR", "sv_SE": "SE",
    "de_CH": "CH", "es_AR": "AR",
}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))


@pytest.fixture
def every_group(monkeypatch):
    """The fast path also decides calling codes with few numbers in the chunk."""
    monkeypatch.setattr(phone, "MIN_GROUP_ROWS", 0)


def run(values, country="US", fast=True) -> pl.DataFrame:
    norm = PhoneNormalizer(NormalizeOptions(country=country))
    norm.fast_path = fast
    return norm.normalize(pl.Series("phone", values, dtype=pl.Utf8))


def differential(values: list[str], region: str) -> int:
    """Every value the fast path decides gets the library's exact answer; returns how many it decided."""
    stripped = pl.Series(values, dtype=pl.Utf8).str.strip_chars()
    fast = fast_normalize(stripped, region)
    decided = 0
    for text, value, ext in zip(stripped.to_list(), fast["value"].to_list(), fast["ext"].to_list()):
        if value is None:
            assert ext is None
            continue
        decided += 1
        assert (value, ext, None) == library_normalize(text, region), (text, region)
    return decided


def gen_contacts_phones(n: int, seed: int = 42) -> list[tuple[str, str, str]]:
    """(cell, E.164, extension) in gen_contacts' 14 layouts; its phone() needs only its random."""
    spec = importlib.util.spec_from_file_location("gen_contacts", BENCH / "gen_contacts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    gen = module.Gen.__new__(module.Gen)
    gen.r = random.Random(seed)
    return [gen.phone() for _ in range(n)]


# -- behaviour ----------------------------------------------------------------------------------
def test_formats_extensions_and_outcomes():
    out = run(["(415) 555-0100", "+14155550100", "415.555.0100 x12", " 1-415-555-0100 ext. 7 ",
               "+44 20 7946 0018", "", "   ", None, "555-0100", "hello"])
    assert out["value"].to_list() == [
        "+14155550100", "+14155550100", "+14155550100", "+14155550100", "+442079460018",
        "", "", None, "555-0100", "hello"]
    assert out["ext"].to_list() == [None, None, "12", "7", None, None, None, None, None, None]
    assert out["outcome"].to_list() == [
        Outcome.CHANGED, Outcome.UNCHANGED, Outcome.CHANGED, Outcome.CHANGED, Outcome.CHANGED,
        Outcome.EMPTY, Outcome.EMPTY, Outcome.EMPTY, Outcome.INVALID, Outcome.INVALID]
    assert out["reason"].to_list()[-2:] == ["not a valid phone number", "not a phone number"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("123 456 7890", "not a valid phone number"),
        ("415 555 01", "too short to be a phone number"),
        ("12", "too short to be a phone number"),
        ("4155550100123456789", "too long to be a phone number"),
        ("no number here", "not a phone number"),
        ("---", "not a phone number"),
        ("+999 1234 5678", "invalid country code"),
        ("+1 415 555 010", "too short to be a phone number"),
        ("+1 415 555 010000", "too long to be a phone number"),
    ],
)
def test_invalid_reasons_in_plain_words(text, reason):
    row = run([text]).row(0, named=True)
    assert row == {"value": text, "ext": None, "outcome": Outcome.INVALID, "reason": reason}


def test_extension_forms():
    forms = ["415-555-0100 x123", "415-555-0100 ext. 123", "415-555-0100 ext 123", "415-555-0100 #123",
             "415-555-0100 X123", "415-555-0100;ext=123", "tel:+1-415-555-0100;ext=123",
             "415-555-0100 extension 123", "+1 415 555 0100 Ext. 123"]
    out = run(forms)
    assert out["value"].to_list() == ["+14155550100"] * len(forms)
    assert out["ext"].to_list() == ["123"] * len(forms)


def test_default_country_applies_to_national_numbers_only():
    out = run(["030 1234567", "+1 415 555 0100", "0049 30 1234567"], country="de")
    assert out["value"].to_list() == ["+49301234567", "+14155550100", "+49301234567"]
    assert out["outcome"].to_list() == [Outcome.CHANGED] * 3


def test_unknown_country_is_an_input_error():
    with pytest.raises(InputError, match="unknown country 'XX'"):
        PhoneNormalizer(NormalizeOptions(country="XX"))


def test_registry_builds_it():
    norm = make_normalizer(ColumnType.PHONE, NormalizeOptions(country="GB"))
    assert isinstance(norm, PhoneNormalizer) and norm.components() == ("ext",)
    assert norm.normalize(pl.Series(["020 7946 0018"]))["value"].to_list() == ["+442079460018"]


def test_slow_results_are_cached_across_chunks():
    norm = PhoneNormalizer(NormalizeOptions())
    norm.normalize(pl.Series(["555-0100", "1-800-FLOWERS"]))
    assert set(norm.cache._data) == {"555-0100", "1-800-FLOWERS"}
    second = norm.normalize(pl.Series(["1-800-FLOWERS", None]))
    assert second["value"].to_list() == ["+18003569377", None]


def test_fast_path_off_gives_the_same_frame():
    cells = [c for c, _, _ in gen_contacts_phones(3000)] + ["", None, "555-0100", "+49 30 1234567 x5"]
    assert run(cells).equals(run(cells, fast=False))


def test_every_region_compiles_to_polars_expressions():
    """A pattern polars' regex engine rejected would fail a job at run time: compile them all."""
    digits = pl.Series(["0", "12", "4155550100", "0301234567", "00441234567890", "1" * 17])
    for code in phonenumbers.SUPPORTED_REGIONS:
        region = phone._region(code)
        x = pl.lit(digits)
        stripped, undecidable = region.strip_national_prefix(x)
        exprs = [region.viable(x), region.is_valid(x), stripped, undecidable]
        exprs += [x.str.contains(f"^(?:{p})") for p in (region.leading_digits, region.idd) if p]
        assert pl.select(pl.struct(*[e.alias(str(i)) for i, e in enumerate(exprs)])).height == len(digits)


# -- contract: libphonenumber's own cases and example numbers ------------------------------------
def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@needs_data
def test_example_numbers_of_every_region_round_trip():
    """246 regions x number types: E.164, national and international forms all give the E.164."""
    rows = [r for r in _rows("libphonenumber_example_numbers.csv") if r["valid_in_phonenumbers_9_0_43"] == "True"]
    assert len(rows) > 1000
    by_region: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_region.setdefault("US" if r["region"] == "001" else r["region"], []).append(r)
    for region, group in by_region.items():
        forms = [r["e164"] for r in group] + [r["international_format_derived"] for r in group]
        expected = [r["e164"] for r in group] * 2
        if region != "US" or group[0]["region"] != "001":
            forms += [r["national_format_derived"] for r in group if r["region"] == region]
            expected += [r["e164"] for r in group if r["region"] == region]
        out = run(forms, country=region)
        assert out["value"].to_list() == expected, region
        assert out["reason"].null_count() == len(forms), region


@needs_data
def test_parse_cases_agree_with_libphonenumber():
    """Cases from libphonenumber's tests (TEST metadata): where real metadata agrees, a valid
    number has the expected E.164 and extension, and an invalid one is kept with a reason."""
    rows = [r for r in _rows("libphonenumber_parse_cases.csv") if r["real_metadata_agrees"] == "True"]
    valid = 0
    for r in rows:
        region = r["default_region"] or "ZZ"
        if phonenumbers.PhoneMetadata.metadata_for_region(region) is None:
            region = "US"  # the cases with no usable region all start with '+'
        row = run([r["input"]], country=region).row(0, named=True)
        if row["outcome"] == Outcome.INVALID:
            assert row["value"] == r["input"] and row["reason"]
            assert not phonenumbers.is_valid_number(phonenumbers.parse(r["input"], region))
        else:
            valid += 1
            assert row["value"] == r["expected_e164"], r
            assert row["ext"] == (r["expected_extension"] or None), r
    assert len(rows) == 150 and valid >= 100


@needs_data
def test_parse_failures_give_the_matching_reason():
    words = {
        "NOT_A_NUMBER": "not a phone number", "TOO_LONG": "too long to be a phone number",
        "INVALID_COUNTRY_CODE": "invalid country code", "TOO_SHORT_NSN": "too short to be a phone number",
        "TOO_SHORT_AFTER_IDD": "too short to be a phone number",
    }
    rows = _rows("libphonenumber_parse_failures.csv")
    assert len(rows) == 27
    for r in rows:
        assert library_normalize(r["input"], r["default_region"]) == (None, None, words[r["expected_error"]]), r
        if r["input"] and phonenumbers.PhoneMetadata.metadata_for_region(r["default_region"]):
            row = run([r["input"]], country=r["default_region"]).row(0, named=True)
            assert row["reason"] == words[r["expected_error"]] and row["value"] == r["input"]


# -- differential: fast path == phonenumbers ----------------------------------------------------
def test_differential_gen_contacts_layouts(every_group):
    rows = gen_contacts_phones(20_000)
    cells = [c for c, _, _ in rows]
    assert differential(cells, "US") == len(cells)  # every layout is decided by the fast path
    assert differential(cells[:5000], "CA") == 5000
    out = run(cells)
    assert out["value"].to_list() == [e164 for _, e164, _ in rows]  # and matches gen_contacts' truth
    assert out["ext"].to_list() == [ext or None for _, _, ext in rows]


def test_differential_faker_locales(every_group):
    decided = total = 0
    for locale, region in LOCALES.items():
        fake = Faker(locale)
        fake.seed_instance(7)
        numbers = [fake.phone_number() for _ in range(1000)]
        for default in {region, "US"}:
            decided += differential(numbers, default)
            total += len(numbers)
    assert total == 39_000 and decided > total // 3


@needs_data
def test_differential_example_numbers_from_many_default_regions(every_group):
    rows = _rows("libphonenumber_example_numbers.csv")
    forms = [r[k] for r in rows for k in ("e164", "national_format_derived", "international_format_derived",
                                         "national_significant_number")]
    decided = sum(differential(forms, region) for region in ("US", "GB", "AG"))
    assert decided > 3 * len(rows)


@needs_data
def test_differential_each_region_as_default(every_group):
    """Every region's national formats with that region as the default: its metadata compiles
    into polars expressions, and every answer matches."""
    by_region: dict[str, list[str]] = {}
    for r in _rows("libphonenumber_example_numbers.csv"):
        if r["region"] != "001":
            by_region.setdefault(r["region"], []).extend(
                [r["national_format_derived"], r["national_significant_number"], r["e164"]])
    decided = sum(differential(values, region) for region, values in by_region.items())
    assert len(by_region) > 240 and decided > 2500


def semantic_type_values(semantic_type: str) -> list[tuple[str, str]]:
    """(value, region) of the columns labelled ``semantic_type`` in the real Socrata files."""
    root = DATA.parent / "semantic-types"
    ref = pl.read_csv(root / "reference_subset.csv", infer_schema=False)
    out = []
    labelled = ref.filter(pl.col("SemanticType") == semantic_type, pl.col("NonEmptyInKeptRows") != "0")
    for r in labelled.iter_rows(named=True):
        frame = pl.read_csv(root / r["File"], infer_schema=False, truncate_ragged_lines=True,
                            encoding="utf8-lossy", ignore_errors=True)
        if int(r["FieldOffset"]) < frame.width:
            out += [(v, r["Locale"][-2:]) for v in frame.to_series(int(r["FieldOffset"])).drop_nulls()]
    return out


@needs_data
def test_differential_real_telephone_columns(every_group):
    """Socrata TELEPHONE columns (en-US, en-CA): the fast path decides nearly every valid number."""
    values = semantic_type_values("TELEPHONE")
    assert len(values) > 4000
    for region in ("US", "CA"):
        numbers = [v for v, locale in values if locale == region]
        valid = sum(library_normalize(v.strip(), region)[0] is not None for v in numbers if v.strip())
        assert differential(numbers, region) > 0.95 * valid  # the rest: letters, e.g. "HC-ES-2016-000001"


PHONEISH = st.lists(
    st.one_of(
        st.text(alphabet="0123456789+()-. /x#", max_size=22),
        st.builds(
            lambda plus, groups, seps, ext: plus + "".join(g + s for g, s in zip(groups, seps)).strip() + ext,
            st.sampled_from(["", "+", "+1 ", "1-", "0", "00", "011 ", "(", "+44 ", "+49 "]),
            st.lists(st.text(alphabet="0123456789", min_size=1, max_size=5), min_size=1, max_size=5),
            st.lists(st.sampled_from([" ", "-", ".", ") ", "/", ""]), min_size=5, max_size=5),
            st.sampled_from(["", " x12", " ext. 3", "#9", " X 77", "x1234567", " ext", ";ext=5", " # 1"]),
        ),
    ),
    min_size=100,
    max_size=100,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(PHONEISH, st.sampled_from(["US", "GB", "DE", "CA", "AG", "FR", "BR"]))
def test_differential_hypothesis(every_group, values, region):
    differential(values, region)


@needs_data
@pytest.mark.soak
def test_soak_differential_mutated_example_numbers(every_group):
    """python -m pytest -m soak tests/test_normalize_phone.py: 220,000 example numbers with a digit
    changed, dropped or added, random prefixes (0, 1, 8, CC, +CC, 00CC, 011CC), separators and
    extensions, from 55 default regions (~2 min)."""
    rows = _rows("libphonenumber_example_numbers.csv")
    rnd = random.Random(1)

    def mutate(r: dict[str, str]) -> str:
        digits = list(r["national_significant_number"])
        if rnd.random() < 0.3:
            i = rnd.randrange(len(digits))
            rnd.choice([lambda: digits.__setitem__(i, str(rnd.randrange(10))), lambda: digits.pop(i),
                        lambda: digits.insert(i, str(rnd.randrange(10)))])()
        nsn, out = "".join(digits), ""
        while nsn:
            k = rnd.randint(1, 4)
            out, nsn = out + nsn[:k] + rnd.choice([" ", "-", ".", "", "/", ") "]), nsn[k:]
        cc = r["country_code"]
        prefix = rnd.choice(["", f"+{cc}", f"+{cc} ", f"00{cc}", f"011{cc}", "0", "1", "8", cc, "+", "(0)"])
        ext = rnd.choice([" x", " ext. ", "#", " X"]) + str(rnd.randint(1, 99999)) if rnd.random() < 0.1 else ""
        return prefix + rnd.choice(["", " "]) + out.strip() + ext

    regions = ["US", "CA", "GB", "DE", "FR", "IT", "ES", "BR", "AR", "MX", "IN", "AU", "JP", "CN", "RU", "KZ",
               "AG", "JM", "PR", "NL", "BE", "CH", "AT", "SE", "NO", "FI", "PL", "CZ", "HU", "GR", "TR", "IL",
               "ZA", "NG", "KE", "EG", "SA", "AE", "SG", "MY", "ID", "PH", "VN", "TH", "KR", "NZ", "CL", "CO",
               "PE", "VE", "GG", "IM", "JE", "BY", "UA"]
    decided = sum(differential([mutate(rnd.choice(rows)) for _ in range(4000)], region) for region in regions)
    assert decided > 10_000
