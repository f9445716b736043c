"""Person-name normalizer: behaviour on known cases, and the fast path proven equal to the slow path."""

from __future__ import annotations

import importlib.util
import json
import random

import polars as pl
import pytest
from faker import Faker

from normdesk.engine.normalize import make_normalizer
from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.normalize.name import NameNormalizer, parse_name
from normdesk.engine.types import ColumnType, Outcome
from shared_data import BENCH, BENCH_DATA

DATA = BENCH_DATA
LOCALES = ["en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "nl_NL",
           "pl_PL", "pt_BR", "sv_SE", "cs_CZ", "tr_TR", "vi_VN", "zh_CN", "ru_RU", "hu_HU"]


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))


def run(values, part=None, fast=True, preserve_accents=False) -> pl.DataFrame:
    norm = NameNormalizer(NormalizeOptions(preserve_accents=preserve_accents), part)
    norm.fast_path = fast
    return norm.normalize(pl.Series("name", values, dtype=pl.Utf8))


def one(value, part=None, preserve_accents=False) -> dict:
    return run([value], part, preserve_accents=preserve_accents).row(0, named=True)


# -- behaviour --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "value", "parts"),
    [
        ("SMITH, JOHN Q.", "John Q. Smith", (None, "John", "Q.", "Smith", None)),
        ("dr. john q smith jr", "Dr. John Q. Smith Jr.", ("Dr.", "John", "Q.", "Smith", "Jr.")),
        ("  mary   ann  jones ", "Mary Ann Jones", (None, "Mary", "Ann", "Jones", None)),
        ("mcdonald, ronald", "Ronald McDonald", (None, "Ronald", None, "McDonald", None)),
        ("MACDONALD, ANGUS", "Angus MacDonald", (None, "Angus", None, "MacDonald", None)),
        ("MACY GRAY", "Macy Gray", (None, "Macy", None, "Gray", None)),
        ("mack machado", "Mack Machado", (None, "Mack", None, "Machado", None)),
        ("o'brien, conan", "Conan O'Brien", (None, "Conan", None, "O'Brien", None)),
        ("VAN DER BERG, PIETER", "Pieter van der Berg", (None, "Pieter", None, "van der Berg", None)),
        ("juan de la cruz", "Juan de la Cruz", (None, "Juan", None, "de la Cruz", None)),
        ("JEAN-LUC PICARD", "Jean-Luc Picard", (None, "Jean-Luc", None, "Picard", None)),
        ("d'angelo, mary", "Mary D'Angelo", (None, "Mary", None, "D'Angelo", None)),
        ("DeShawn McKenzie", "DeShawn McKenzie", (None, "DeShawn", None, "McKenzie", None)),
        ("jOHN sMITH", "John Smith", (None, "John", None, "Smith", None)),
        ("José Müller", "Jose Muller", (None, "Jose", None, "Muller", None)),
        ("Ms jane doe, MD", "Ms. Jane Doe MD", ("Ms.", "Jane", None, "Doe", "MD")),
        ("prof. Ada Lovelace PH.D.", "Prof. Ada Lovelace PhD", ("Prof.", "Ada", None, "Lovelace", "PhD")),
        ("Mr Paul Allen, Sr", "Mr. Paul Allen Sr.", ("Mr.", "Paul", None, "Allen", "Sr.")),
        ("john smith 3rd", "John Smith III", (None, "John", None, "Smith", "III")),
        ("Dr Jones", "Dr. Jones", ("Dr.", None, None, "Jones", None)),
        ("ABAD JR,  VICENTE M", "Vicente M. Abad Jr.", (None, "Vicente", "M.", "Abad", "Jr.")),
        ("Łukasz Żółć", "Lukasz Zolc", (None, "Lukasz", None, "Zolc", None)),
    ],
)
def test_full_names(raw, value, parts):
    row = one(raw)
    assert row["value"] == value
    assert tuple(row[c] for c in ("title", "first", "middle", "last", "suffix")) == parts
    assert row["reason"] is None
    assert row["outcome"] == (Outcome.UNCHANGED if raw == value else Outcome.CHANGED)


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("Ana Ruiz Delgado", (None, "Ana", None, "Ruiz Delgado", None)),
        ("ANA MARIA RUIZ DELGADO", (None, "Ana", "Maria", "Ruiz Delgado", None)),
        ("Juan Carlos Martinez Lopez", (None, "Juan", "Carlos", "Martinez Lopez", None)),
        ("jose luis garcia oliveira, jr", (None, "Jose", "Luis", "Garcia Oliveira", "Jr.")),
        ("Ana Ruiz de la Cruz", (None, "Ana", None, "Ruiz de la Cruz", None)),
        # a middle word that may be a given name, or not Iberian, stays the middle name
        ("Maria Jose Garcia", (None, "Maria", "Jose", "Garcia", None)),
        ("John Fitzgerald Kennedy", (None, "John", "Fitzgerald", "Kennedy", None)),
        ("Mary Ann Jones", (None, "Mary", "Ann", "Jones", None)),
        # the surname-first order is taken as written
        ("Delgado, Ana Ruiz", (None, "Ana", "Ruiz", "Delgado", None)),
        ("Ruiz Delgado, Ana", (None, "Ana", None, "Ruiz Delgado", None)),
        # given names that are also titles or words
        ("Royal Brown", (None, "Royal", None, "Brown", None)),
        ("PRINCE JACKSON", (None, "Prince", None, "Jackson", None)),
        ("Spencer Grant", (None, "Spencer", None, "Grant", None)),
        ("Major Lane", (None, "Major", None, "Lane", None)),
        ("King Henry", ("King", "Henry", None, None, None)),
        ("Dr Jones", ("Dr.", None, None, "Jones", None)),
    ],
)
def test_compound_surnames_and_given_names_that_are_words(raw, parts):
    row = one(raw)
    assert tuple(row[c] for c in ("title", "first", "middle", "last", "suffix")) == parts


def test_clean_names_are_unchanged():
    out = run(["Mary Smith", "Dr. John Q. Smith Jr.", "Pieter van der Berg"])
    assert out["outcome"].to_list() == [Outcome.UNCHANGED] * 3


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("J0hn Smith", "digits inside a name"),
        ("12345", "no letters"),
        ("-", "no letters"),
        ("john.smith@example.com", "an email address, not a name"),
        ("www.example.com", "a web address, not a name"),
        ("https://example.org/john", "a web address, not a name"),
        ("Acme Widgets, Inc.", "looks like a company, not a person"),
        ("Smith & Sons LLC", "looks like a company, not a person"),
        ("John and Jane Smith", "names more than one person"),
        ("John #1 Smith", "unexpected character '#' in a name"),
        ("Dr.", "only a title or suffix, no name"),
        ("one two three four five six seven eight nine", "too many words (9) for one person's name"),
    ],
)
def test_invalid_values_are_kept_with_a_reason(raw, reason):
    row = one(raw)
    assert (row["value"], row["reason"], row["outcome"]) == (raw, reason, Outcome.INVALID)
    assert row["first"] is None and row["last"] is None


@pytest.mark.parametrize("raw", ["N/A", "n/a", "NA", "none", "NULL", "Unknown", "test", "TBD", "x"])
def test_placeholders_are_invalid_not_people(raw):
    row = one(raw)
    assert row["outcome"] == Outcome.INVALID
    assert row["reason"] == "a placeholder, not a name"
    assert row["value"] == raw and row["first"] is None


def test_empty_cells_stay_empty():
    out = run([None, "", "   ", "Ann Lee"])
    assert out["value"].to_list() == [None, "", "", "Ann Lee"]
    assert out["outcome"].to_list()[:3] == [Outcome.EMPTY] * 3
    assert out["reason"].null_count() == 4


def test_preserve_accents():
    assert one("JOSÉ MÜLLER", preserve_accents=True)["value"] == "José Müller"
    assert one("JOSÉ MÜLLER")["value"] == "Jose Muller"


@pytest.mark.parametrize(
    ("part", "raw", "value"),
    [
        ("first", "JOHN", "John"),
        ("first", "mary-kate", "Mary-Kate"),
        ("first", "j", "J."),
        ("middle", "q", "Q."),
        ("last", "VAN DER BERG", "van der Berg"),
        ("last", "mcdonald", "McDonald"),
        ("last", "o'brien jr", "O'Brien Jr."),
        ("last", "DE LA CRUZ", "de la Cruz"),
        ("last", "Müller", "Muller"),
    ],
)
def test_part_columns(part, raw, value):
    norm = make_normalizer(ColumnType.NAME, NormalizeOptions(), part)
    assert norm.components() == ()
    out = norm.normalize(pl.Series([raw]))
    assert out.columns == ["value", "outcome", "reason"]
    assert out["value"][0] == value


def test_part_column_invalid():
    row = one("J0hn", part="first")
    assert (row["value"], row["reason"]) == ("J0hn", "digits inside a name")


def test_library_config_is_private():
    from nameparser import HumanName
    from nameparser.config import CONSTANTS

    from normdesk.engine.normalize import name

    assert name.PARSER_CONFIG is not CONSTANTS
    assert HumanName("Dean Martin").first == HumanName("Dean Martin", constants=name.PARSER_CONFIG).first


def test_slow_path_runs_once_per_distinct_value(monkeypatch):
    from normdesk.engine.normalize import name

    calls = []
    monkeypatch.setattr(name, "parse_name", lambda text, **kw: calls.append(text) or parse_name(text, **kw))
    norm = NameNormalizer(NormalizeOptions())
    chunk = pl.Series(["Rev. Ann Lee", "Ann Lee", "Rev. Ann Lee", "Bob O'Ray"] * 50)
    first = norm.normalize(chunk)
    second = norm.normalize(chunk)  # next chunk: served by the cache
    assert sorted(calls) == ["Bob O'Ray", "Rev. Ann Lee"]
    assert first.equals(second)
    assert first["value"].to_list()[:4] == ["Rev. Ann Lee", "Ann Lee", "Rev. Ann Lee", "Bob O'Ray"]


# -- fast path == slow path -------------------------------------------------------------------
def _gen_contacts_names(n: int) -> list[str]:
    """Names in gen_contacts' messy layouts, from small Faker pools (its own take ~20 s)."""
    spec = importlib.util.spec_from_file_location("gen_contacts", BENCH / "gen_contacts.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    fake = Faker("en_US")
    fake.seed_instance(7)
    pools = {"first": list({fake.first_name() for _ in range(1500)}),
             "last": list({fake.last_name() for _ in range(1500)})}
    gen.build_pools = lambda seed: pools
    g = gen.Gen(11)
    return [g.name()[0] for _ in range(n)]


def _faker_names(per_locale: int) -> list[str]:
    rnd = random.Random(5)
    out = []
    for loc in LOCALES:
        fake = Faker(loc)
        fake.seed_instance(3)
        for _ in range(per_locale):
            first, last = fake.first_name(), fake.last_name()
            layout = rnd.randrange(6)
            name = (fake.name(), f"{first} {last}", f"{last}, {first}",
                    f"{first} {rnd.choice('ABCDEFGHJKLMNOPRSTW')}. {last}",
                    f"{last.upper()}, {first} {fake.first_name()}", f"{first} {fake.first_name()} {last}")[layout]
            out.append(rnd.choice((str, str.upper, str.lower, str.swapcase))(name))
    return out


def _corpus_names() -> list[str]:
    people = pl.read_csv(DATA / "probablepeople/probablepeople_labeled_flat.csv", infer_schema=False)
    names = people.filter(pl.col("kind_derived") == "person")["name"].to_list()
    cases = json.loads((DATA / "nameparser/nameparser_cases.json").read_text())["cases"]
    return names + [c["input"] for c in cases]


@pytest.fixture(scope="module")
def differential_names() -> list[str]:
    names = _gen_contacts_names(3000) + _faker_names(150) + _corpus_names()
    tricky = ["Li Wei", "Di Maria", "Vi Tran", "Xi Jin", "Ix Chel", "Liv Tyler", "Ed Stone",
              "Ma Long", "Do Kim", "Dean Martin", "King Henry", "Mackenzie Davis",
              "Mcx Y", "mc hammer", "MC", "Ann   Lee", "Lee ,Ann", "Lee , Ann B.", "ann lee-smith",
              "A. B. Cee", "a b c", "ANN B.", "Bo", "BO", "Q", "José", "Zoë Saldaña",
              "Ana Ruiz Delgado", "ana maria ruiz delgado", "RUIZ DELGADO, ANA", "Ana Ruiz Smith",
              "Ana Ruiz", "Ruiz Ana Delgado", "Royal Brown", "Prince Jackson", "Ana Ruiz-Delgado"]
    return names + tricky


@pytest.mark.parametrize(("part", "preserve"), [(None, False), (None, True), ("first", False), ("last", False)])
def test_fast_path_equals_slow_path(differential_names, part, preserve):
    values = differential_names
    if part is not None:  # a part column holds single names: take the words of the names
        values = [w for v in values[:3000] for w in v.replace(",", " ").split()[:2]]
    fast = run(values, part, fast=True, preserve_accents=preserve)
    slow = run(values, part, fast=False, preserve_accents=preserve)
    diff = fast.with_row_index().join(slow.with_row_index(), on="index", suffix="_slow")
    mismatch = [
        (values[row["index"]], {k: (row[k], row[k + "_slow"]) for k in fast.columns if row[k] != row[k + "_slow"]})
        for row in diff.iter_rows(named=True)
        if any(row[k] != row[k + "_slow"] for k in fast.columns)
    ]
    assert mismatch == []
    # the test means something only if the fast path takes a good share of the values
    norm = NameNormalizer(NormalizeOptions(preserve_accents=preserve), part)
    from normdesk.engine.normalize.name import _clean_expr, _fast_frame

    share = _fast_frame(_clean_expr(pl.Series(values), preserve), part)["ok"].mean()
    assert share > 0.4, share
    assert norm.components() == (() if part else ("title", "first", "middle", "last", "suffix"))
