"""A file's country, inferred from the sample: the region phone numbers and addresses default to.

Evidence, each weighed by the share of a column's distinct values that support it:

- a **country column** (a country header, or values that are mostly country names): its most
  frequent country (weight 3); the plan also uses it row by row;
- **subdivision codes or names** (``ON``, ``NSW``, ``Antioquia``) of one country (weight 2);
- **postal codes** of a distinctive shape (``A1A 1A1``, ``SW1A 2AA``, ``1234 AB``), alone or at
  the end of addresses, and country names ending addresses (weight 2);
- **phone numbers**: the countries of ``+CC`` numbers, and for national numbers the candidate
  regions in which more of them are valid than in the US (weight 2).

The country with the highest total wins when it reaches ``MIN_SCORE``; else the file has no
country of its own and the user's default applies.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import polars as pl

from normdesk.engine.country import country_names, country_of, fold, postcode_countries, subdivisions

MIN_SCORE = 1.0
SHARE = 0.8  # share of a column's distinct values a subdivision or postcode column needs
COUNTRY_HEADER_RE = r"(?i)(?:^|[^a-z])(?:country|countries|pais|pays|land|nation|paese|kraj)(?:$|[^a-z])|^cc$|^ctry"
# National phone numbers are tried in these regions (and in those the other evidence names).
PHONE_REGIONS = (
    "AU", "NZ", "CO", "MX", "BR", "AR", "CL", "PE", "EC", "VE", "ES", "PT", "GB", "IE", "DE", "FR", "IT",
    "NL", "BE", "CH", "AT", "PL", "SE", "NO", "DK", "FI", "IN", "PH", "ZA", "NG", "KE", "JP", "SG", "MY",
)  # fmt: skip
PHONE_SAMPLE = 40  # distinct national numbers tried per region
_TAIL_RE = re.compile(r"[\s,]((?:[A-Z0-9]{1,4}[ -]?)?[A-Z0-9]{2,4})$")


@dataclass(frozen=True, slots=True)
class CountryGuess:
    """The inferred country (ISO code, None when the data does not say), why, and the column
    holding each row's country (None if there is none)."""

    code: str | None
    evidence: str
    column: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "evidence": self.evidence, "column": self.column}


NO_COUNTRY = CountryGuess(None, "no evidence of a country in the data")


def country_column(header: str, values: list[str]) -> bool:
    """Whether a column holds each row's country: a country header with mostly country values,
    or values that are mostly country names (codes alone are also US state codes)."""
    names = country_names()
    known = [fold(v) in names for v in values]
    share = sum(known) / len(values) if values else 0.0
    if re.search(COUNTRY_HEADER_RE, fold(header).lower()):
        return share >= 0.6
    long_names = sum(1 for v, k in zip(values, known) if k and len(fold(v)) > 3)
    return len(values) >= 2 and long_names / len(values) >= SHARE


@lru_cache(maxsize=65536)
def _valid_in(text: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


@lru_cache(maxsize=65536)
def _intl_region(text: str) -> str | None:
    try:
        number = phonenumbers.parse("+" + text[2:] if text.startswith("00") else text, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.region_code_for_number(number) if phonenumbers.is_valid_number(number) else None


def phone_share(values: list[str], region: str) -> float:
    """Share of ``values`` that are valid numbers with ``region`` as the default."""
    return sum(_valid_in(v, region) for v in values) / len(values) if values else 0.0


class _Tally:
    def __init__(self) -> None:
        self.score: Counter[str] = Counter()
        self.why: dict[str, list[str]] = {}

    def add(self, code: str, weight: float, why: str) -> None:
        self.score[code] += weight
        self.why.setdefault(code, []).append(why)


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def infer_country(values: pl.DataFrame, phones: dict[str, list[str]]) -> CountryGuess:
    """The file's country from the long frame of distinct values (``column, v, rows``) and the
    phone-shaped distinct values of the phone-like columns."""
    tally, column = _Tally(), None
    grouped = values.group_by("column", maintain_order=True).agg("v", "rows")
    subs = subdivisions()
    for header, vals, rows in grouped.iter_rows():
        if column is None and country_column(header, vals):
            column = header
            counts: Counter[str] = Counter()
            for v, n in zip(vals, rows):
                if code := country_of(v):
                    counts[code] += n
            code, n = counts.most_common(1)[0]
            share = n / sum(rows)
            tally.add(code, 3 * share, f"country column '{header}' ({_pct(share)} of rows {code})")
            continue
        folded = [fold(v) for v in vals]
        in_subs = [subs.get(f, frozenset()) for f in folded]
        if len(vals) >= 2 and sum(1 for s in in_subs if s) / len(vals) >= SHARE:
            by_country = Counter(c for s in in_subs for c in s)
            for code, k in by_country.items():
                if k / len(vals) >= SHARE:
                    shown = ", ".join([v for v, s in zip(vals, in_subs) if code in s][:3])
                    tally.add(code, 2 * k / len(vals), f"subdivisions of {code} in '{header}' ({shown}...)")
            continue
        _postcodes(tally, header, vals)
    for header, vals in phones.items():
        _phones(tally, header, vals, set(tally.score))
    if not tally.score:
        return NO_COUNTRY if column is None else CountryGuess(None, NO_COUNTRY.evidence, column)
    code, score = max(tally.score.items(), key=lambda kv: (kv[1], kv[0] == "US"))
    if score < MIN_SCORE:
        return CountryGuess(None, f"weak evidence only ({'; '.join(tally.why[code])})", column)
    return CountryGuess(code, "; ".join(tally.why[code]), column)


def _postcodes(tally: _Tally, header: str, vals: list[str]) -> None:
    """Postal codes of a distinctive shape, alone or ending addresses; country names ending them."""
    found: Counter[str] = Counter()
    for v in vals:
        text = fold(v)
        codes = postcode_countries(text)
        if not codes and ("," in v or "\n" in v):
            last = fold(re.split(r"[,\n]", v.strip(" ,\n"))[-1])
            named = country_of(last)
            tail = _TAIL_RE.search(text)
            codes = (named,) if named else postcode_countries(tail.group(1)) if tail else ()
        found.update(codes)
    for code, k in found.items():
        share = k / len(vals)
        if share >= 0.3:
            tally.add(code, 2 * share, f"postal codes or country names of {code} in '{header}' ({_pct(share)})")


def _phones(tally: _Tally, header: str, vals: list[str], named: set[str]) -> None:
    """International numbers by their country; national ones by the regions they are valid in."""
    intl = [v for v in vals if v.startswith(("+", "00"))]
    regions = Counter(r for r in map(_intl_region, intl) if r)
    for code, k in regions.items():
        if k / len(vals) >= 0.3:
            tally.add(code, 2 * k / len(vals), f"{_pct(k / len(vals))} of '{header}' are +{code} numbers")
    national = [v for v in vals if not v.startswith(("+", "00"))][:PHONE_SAMPLE]
    if len(national) < 2:
        return
    home = phone_share(national, "US")
    if home >= 0.9:
        tally.add("US", 0.5 * home * len(national) / len(vals), f"{_pct(home)} of '{header}' valid US numbers")
        return
    tried = {r: phone_share(national, r) for r in dict.fromkeys([*sorted(named - {"US"}), *PHONE_REGIONS])}
    best = max(tried.values(), default=0.0)
    for code, share in tried.items():
        if share >= 0.5 and share >= best - 0.05 and share > home + 0.2:
            tally.add(code, 2 * share * len(national) / len(vals),
                      f"{_pct(share)} of the national numbers in '{header}' valid in {code} (US {_pct(home)})")
