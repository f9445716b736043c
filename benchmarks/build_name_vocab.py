#!/usr/bin/env python3
"""Build the surname list the name normalizer uses for two-word Spanish surnames.

    python benchmarks/build_name_vocab.py

Writes normdesk/engine/normalize/data/spanish_surnames.txt: the surnames of Faker's Spanish
locales (MIT; one word each, lower case, accent-free), less every word that is also a given name
(normdesk/engine/detect_data/first_names.txt, all Latin-script locales: a middle word that may be
a given name stays a middle name) or a Portuguese surname (in Portuguese names the last surname
is the family name: "Rafael Sousa dos Anjos" has the middle name Sousa). Sorted: after a Faker
upgrade the diff shows what changed.
"""

from __future__ import annotations

import importlib
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "normdesk" / "engine" / "normalize" / "data" / "spanish_surnames.txt"
FIRST = ROOT / "normdesk" / "engine" / "detect_data" / "first_names.txt"
SPANISH = ("es_ES", "es_MX", "es_CO", "es_AR", "es_CL", "es_CA")


def surnames(locale: str) -> set[str]:
    """One-word surnames of a locale's person provider, lower case and accent-free."""
    try:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    except ModuleNotFoundError:
        return set()
    names = set(getattr(provider, "last_names", ()))
    out = set()
    for name in names:
        word = unicodedata.normalize("NFKD", str(name).lower()).encode("ascii", "ignore").decode()
        if word.isalpha() and len(word) > 2:
            out.add(word)
    return out


def main() -> None:
    given = set(FIRST.read_text(encoding="utf-8").split())
    spanish = set().union(*(surnames(loc) for loc in SPANISH))
    keep = sorted(spanish - given)
    header = ["# Spanish one-word surnames that are not also given names:",
              "# built by benchmarks/build_name_vocab.py from Faker's person providers (MIT)."]
    OUT.write_text("\n".join(header + keep) + "\n", encoding="utf-8")
    print(f"{len(spanish)} Spanish surnames, {len(keep)} kept -> {OUT}")


if __name__ == "__main__":
    main()
