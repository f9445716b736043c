#!/usr/bin/env python3
"""Build the word lists that column detection ships, from Faker's providers (MIT).

    python benchmarks/build_detect_vocab.py

Writes to normdesk/engine/detect_data/:
    first_names.txt   given names of the Latin-script Faker locales (lower case, plus accent-free forms)
    last_names.txt    surnames of the same locales (multi-word and hyphenated ones split into words)
    street_suffixes.txt  street types of the English-language locales (Avenue, Skyway, Corso...)
    faker_nonname_words.txt  words of job titles, company suffixes and slogans, street/city words,
                      states, countries and real place names that are not also a first or last name

The hand-written lists beside them (org_words.txt, place_words.txt) are not generated.
Run it again after a Faker upgrade; the output is sorted, so the diff shows what changed.
"""
from __future__ import annotations

import importlib
import re
import unicodedata
from pathlib import Path

from faker.config import AVAILABLE_LOCALES

OUT = Path(__file__).resolve().parent.parent / "normdesk" / "engine" / "detect_data"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
LATIN = re.compile(r"^[a-zà-ÿāăąćčďđēėęěğīįıķĺļľłńņňōőœŕřśşšţťūůűųźżžș']+$")
FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
               "first_names_unisex", "male_first_names", "female_first_names", "unisex_first_names")
LAST_ATTRS = ("last_names", "last_names_male", "last_names_female", "last_names_nonbinary",
              "last_names_unisex", "male_last_names", "female_last_names", "unisex_last_names")
STREET_LOCALES = ("en_US", "en_GB", "en_AU", "en_CA", "en_NZ")  # USPS-style street types
NONNAME_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl")  # keeps the list small
NONNAME_ATTRS = {
    "job": ("jobs", "jobs_female", "jobs_male"),
    "company": ("company_suffixes", "catch_phrase_words", "bsWords", "nouns", "verbs", "attributes",
                "company_types", "company_adjectives", "company_prefixes"),
    "address": ("street_suffixes", "street_suffixes_long", "street_suffixes_short", "street_prefixes",
                "city_prefixes", "city_suffixes", "states", "countries", "provinces", "regions", "counties"),
}


def words(value: object) -> set[str]:
    """Lower-case words of one provider entry, with their accent-free forms."""
    text = " ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    out = set()
    for word in WORD.findall(text.lower().replace("’", "'")):
        if LATIN.match(word) and len(word) > 1:
            out.add(word)
            folded = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
            if folded and len(folded) > 1:
                out.add(folded)
    return out


def collect(kind: str, attrs: tuple[str, ...], only: tuple[str, ...] = ()) -> set[str]:
    """Words of ``attrs`` in the ``kind`` providers of every locale (or of the languages or
    locales in ``only``)."""
    found: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        if only and locale not in only and locale.split("_")[0] not in only:
            continue
        try:
            provider = importlib.import_module(f"faker.providers.{kind}.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            entries = getattr(provider, attr, ())
            if isinstance(entries, (list, tuple, dict, set, frozenset)):
                for entry in entries:
                    found |= words(entry)
    return found


def main() -> None:
    first = collect("person", FIRST_ATTRS)
    last = collect("person", LAST_ATTRS)
    other: set[str] = set()
    for kind, attrs in NONNAME_ATTRS.items():
        other |= collect(kind, attrs, NONNAME_LANGUAGES)
    geo = importlib.import_module("faker.providers.geo").Provider
    for entry in geo.land_coords:
        other |= words(entry[2])
    other -= first | last
    streets = set()
    for locale in STREET_LOCALES:  # one-word street types only ("Right Of Way" would add "of")
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        streets |= {s.lower() for s in provider.street_suffixes if s.isalpha() and s.isascii()}
    OUT.mkdir(parents=True, exist_ok=True)
    lists = (("first_names", first), ("last_names", last), ("faker_nonname_words", other), ("street_suffixes", streets))
    for name, vocab in lists:
        (OUT / f"{name}.txt").write_text("\n".join(sorted(vocab)) + "\n", encoding="utf-8")
        print(f"{name}: {len(vocab)} words")


if __name__ == "__main__":
    main()
