"""A file's country, inferred from the sample: the region phone numbers and addresses default to.

Evidence, each weighed by the share of a column's distinct values that support it:

- a **country column** (a country header, or values that are mostly country names): its most
  frequent country (weight 3); the plan also uses it row by row;
- **subdivision codes or names** (``ON``, ``NSW``, ``Antioquia``) of one country (weight 2);
- **postal codes** of a distinctive shape (``A1A 1A1``, ``SW1A 2AA``, ``1234 AB``), alone or at
  the end of addresses, and country names ending addresses (weight 2);
- **phone numbers** laid out as such: the countries of ``+CC`` numbers, and for national numbers
  the regions in which more of them are valid than in the US (weight 2): the regions the other
  evidence names, and ``PHONE_REGIONS`` when fewer than half are valid US numbers.

The country with the highest total wins when it reaches ``MIN_SCORE``; else the file has no
country of its own and the user's default applies.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
import polars as pl

from normdesk.engine.country import DISTINCT_POSTCODES, country_names, fold, postcode_pattern, subdivisions

MIN_SCORE = 1.0
SHARE = 0.8  # share of a column's distinct values a subdivision or postcode column needs
COUNTRY_HEADER_RE = r"(?i)(?:^|[^a-z])(?:country|countries|pais|pays|land|nation|paese|kraj)(?:$|[^a-z])|^cc$|^ctry"
# National phone numbers are tried in these regions (and in those the other evidence names).
PHONE_REGIONS = (
    "AU", "NZ", "CO", "MX", "BR", "AR", "CL", "PE", "EC", "VE", "ES", "PT", "GB", "IE", "DE", "FR", "IT",
    "NL", "BE", "CH", "AT", "PL", "SE", "NO", "DK", "FI", "IN", "PH", "ZA", "NG", "KE", "JP", "SG", "MY",
)  # fmt: skip
PHONE_SAMPLE = 40  # distinct national numbers tried per region


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


def fold_expr(v: pl.Expr) -> pl.Expr:
    """``country.fold`` as a polars expression: accents off, upper case, periods and spaces single."""
    v = v.str.normalize("NFKD").str.replace_all(r"[^\x00-\x7F]", "").str.to_uppercase()
    return v.str.replace_all(".", " ", literal=True).str.replace_all(r"\s+", " ").str.strip_chars()


@cache
def _tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(folded country name or code -> code, folded subdivision -> each country that has it)."""
    names = pl.DataFrame(list(country_names().items()), schema={"key": pl.Utf8, "code": pl.Utf8}, orient="row")
    # one-letter codes (Venezuela's "X", Argentina's "B"...) are also initials, marks and options: no evidence
    subs = pl.DataFrame([(k, c) for k, codes in subdivisions().items() if len(k) > 1 for c in codes],
                        schema={"key": pl.Utf8, "sub": pl.Utf8}, orient="row")
    return names, subs


def _postcode_flags(v: pl.Expr) -> list[pl.Expr]:
    """Per distinctive-postcode country: the value is such a code, or an address ending with one
    (``..., ON M5V 2T6``) or whose last segment starts with one (``..., 1015 CJ Amsterdam``)."""
    out = []
    for code in DISTINCT_POSTCODES:
        zip_re = postcode_pattern(code).pattern.removeprefix("^(?:").removesuffix(")$")
        out.append(v.str.contains(rf"(?i)^(?:{zip_re})$|[\s,](?:{zip_re})$|[,\n]\s*(?:{zip_re})\s")
                   .alias(f"pc_{code}"))
    return out


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


def phone_share(values: list[str], region: str, probe: int = 8) -> float:
    """Share of ``values`` that are valid numbers with ``region`` as the default; a region in
    which fewer than half of the first ``probe`` values are valid is not tried further."""
    if not values:
        return 0.0
    head = sum(_valid_in(v, region) for v in values[:probe])
    if len(values) > probe and head < probe / 2:
        return head / probe
    return (head + sum(_valid_in(v, region) for v in values[probe:])) / len(values)


class _Tally:
    def __init__(self) -> None:
        self.score: Counter[str] = Counter()
        self.why: dict[str, list[str]] = {}

    def add(self, code: str, weight: float, why: str) -> None:
        self.score[code] += weight
        self.why.setdefault(code, []).append(why)


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def infer_country(values: pl.DataFrame, phones: dict[str, list[str]],
                  us_rates: dict[str, float] | None = None) -> CountryGuess:
    """The file's country from the long frame of distinct values (``column, v, rows``) and the
    phone-shaped distinct values of the phone-like columns (``us_rates``: the share of them
    detection already found valid with the US rules, which saves checking again)."""
    tally = _Tally()
    names, subs = _tables()
    v = pl.col("v")
    counts = dict(values.group_by("column").len().iter_rows())
    # country and subdivision names are short; addresses end with a country; postcodes have digits
    short = values.filter(v.str.len_bytes() <= 40).with_columns(key=fold_expr(v)).join(names, on="key", how="left")
    column = _country_column(short, counts, tally)
    if column:
        values, short = values.filter(pl.col("column") != column), short.filter(pl.col("column") != column)
    _subdivisions(short.join(subs, on="key", how="left"), counts, tally)
    _postcodes(values, counts, tally)
    for header, vals in phones.items():
        _phones(tally, header, vals, set(tally.score), (us_rates or {}).get(header))
    if not tally.score:
        return CountryGuess(None, NO_COUNTRY.evidence, column)
    code, score = max(tally.score.items(), key=lambda kv: (kv[1], kv[0] == "US"))
    if score < MIN_SCORE:
        return CountryGuess(None, f"weak evidence only ({'; '.join(tally.why[code])})", column)
    return CountryGuess(code, "; ".join(tally.why[code]), column)


def _country_column(frame: pl.DataFrame, counts: dict[str, int], tally: _Tally) -> str | None:
    """The first column holding each row's country: a country header over mostly country values,
    or mostly country names (codes alone are also US state codes); its main country is evidence."""
    known = pl.col("code").is_not_null()
    stats = frame.group_by("column", maintain_order=True).agg(
        known=known.sum(), long=(known & (pl.col("key").str.len_chars() > 3)).sum())
    for header, k, long in stats.iter_rows():
        n = counts[header]
        if (re.search(COUNTRY_HEADER_RE, fold(header).lower()) and k / n >= 0.6) or (n >= 2 and long / n >= SHARE):
            rows = frame.filter((pl.col("column") == header) & known).group_by("code").agg(pl.col("rows").sum())
            code, count = rows.sort("rows", descending=True).row(0)
            share = count / frame.filter(pl.col("column") == header)["rows"].sum()
            tally.add(code, 3 * share, f"country column '{header}' ({_pct(share)} of rows {code})")
            return header
    return None


def _subdivisions(frame: pl.DataFrame, counts: dict[str, int], tally: _Tally) -> None:
    """Columns whose distinct values are mostly subdivisions of one country (``ON``, ``NSW``)."""
    n = frame.group_by("column").agg(hit=pl.col("v").filter(pl.col("sub").is_not_null()).n_unique())
    totals = pl.DataFrame({"column": list(counts), "n": list(counts.values())},
                          schema={"column": pl.Utf8, "n": pl.Int64})
    n = n.join(totals, on="column")
    cols = n.filter((pl.col("n") >= 2) & (pl.col("hit") >= SHARE * pl.col("n")))
    per = (frame.filter(pl.col("sub").is_not_null()).join(cols, on="column")
           .group_by("column", "sub", maintain_order=True)
           .agg(k=pl.col("v").n_unique(), n=pl.col("n").first(), shown=pl.col("v").unique(maintain_order=True).head(3)))
    for header, code, k, total, shown in per.iter_rows():
        if k / total >= SHARE:
            tally.add(code, 2 * k / total, f"subdivisions of {code} in '{header}' ({', '.join(shown)}...)")


def _postcodes(values: pl.DataFrame, counts: dict[str, int], tally: _Tally) -> None:
    """Postal codes of a distinctive shape, alone or in addresses; country names ending addresses."""
    v = pl.col("v")
    coded = values.filter(v.str.contains(r"\d")).select("column", *_postcode_flags(v))
    stats = coded.group_by("column", maintain_order=True).agg(*(pl.col(f"pc_{c}").sum() for c in DISTINCT_POSTCODES))
    for row in stats.iter_rows(named=True):
        for code in DISTINCT_POSTCODES:
            share = row[f"pc_{code}"] / counts[row["column"]]
            if share >= 0.3:
                tally.add(code, 2 * share, f"postal codes of {code} in '{row['column']}' ({_pct(share)})")
    names, _ = _tables()
    ending = values.select("column", key=fold_expr(v.str.extract(r"[,\n]\s*([^,\n]{2,40})$"))).drop_nulls("key")
    named = ending.join(names, on="key", how="inner").group_by("column", "code").agg(k=pl.len())
    for header, code, k in named.iter_rows():
        share = k / counts[header]
        if share >= 0.3:
            tally.add(code, 2 * share, f"addresses ending with a country ({code}) in '{header}' ({_pct(share)})")


def _phones(tally: _Tally, header: str, vals: list[str], named: set[str], us_rate: float | None) -> None:
    """International numbers by their country; national ones by the regions they are valid in."""
    intl = [v for v in vals if v.startswith(("+", "00"))][:PHONE_SAMPLE]
    regions = Counter(r for r in map(_intl_region, intl) if r)
    for code, k in regions.items():
        if k / len(intl) >= 0.3 and len(intl) >= 0.3 * len(vals):
            share = k / len(intl) * min(1.0, len(intl) / len(vals) / 0.5)
            tally.add(code, 2 * share, f"{_pct(k / len(intl))} of the +CC numbers in '{header}' are +{code} numbers")
    national = [v for v in vals if not v.startswith(("+", "00"))][:PHONE_SAMPLE]
    if len(national) < 2:
        return
    home = phone_share(national, "US") if us_rate is None or us_rate < 0.9 else us_rate
    if home >= 0.9:
        tally.add("US", 0.5 * home * len(national) / len(vals), f"{_pct(home)} of '{header}' valid US numbers")
        return
    # mostly valid in the US: only the regions the other evidence names can do better
    candidates = sorted(named - {"US"}) + ([] if max(home, us_rate or 0.0) >= 0.5 else list(PHONE_REGIONS))
    tried = {r: phone_share(national, r) for r in dict.fromkeys(candidates)}
    best = max(tried.values(), default=0.0)
    for code, share in tried.items():
        if share >= 0.5 and share >= best - 0.05 and share > home + 0.2:
            tally.add(code, 2 * share * len(national) / len(vals),
                      f"{_pct(share)} of the national numbers in '{header}' valid in {code} (US {_pct(home)})")
