"""US postal addresses: USPS Publication 28 abbreviations, one standardized line plus components.

Output style: title case with USPS abbreviations ("123 N Main St Apt 4B, Springfield, IL 62704"),
which is what CRM users expect to read; directionals and state codes stay upper case, the unit
identifier is upper case, ordinals are lower case ("5th"), PO boxes read "PO Box 12".

Three steps, so that the two ways of parsing cannot drift apart in style:

1. parse into upper-case *parts* (``line1``, ``line2``, ``city``, ``state``, ``zip`` raw, and a
   ``reason`` when invalid), either
   - the fast path: one regular expression over the whole column for the common shapes
     (``NUMBER [DIR] NAME SUFFIX [DIR] [UNIT ID][, CITY[,] STATE ZIP]``), or
   - the slow path for everything else, once per distinct value (``map_distinct``):
     ``usaddress.parse``, ``repair`` of the labels usaddress gets wrong against punctuation
     and Publication 28, then ``standardize``;
2. ``render``: casing, ZIP checks and the one-line value, as polars expressions, for both paths.

ZIP: ZIP+4 is written 12345-6789 (also from 9 bare digits). A 4- or 8-digit ZIP lost its
leading zero in a spreadsheet: it is padded when the state is one whose ZIPs start with 0
(New England, NJ, PR, VI, AE) or when there is no state, and is invalid otherwise.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from functools import partial

import polars as pl
import usaddress

from normdesk.engine.country import country_of
from normdesk.engine.normalize.address_intl import NOT_US_CA, canadian, foreign_postcode, not_us_ca, provinces, split_country
from normdesk.engine.normalize.address_units import NO_RANGE, ORDINALS, SPELLED, ordinal_floor, rewrite
from normdesk.engine.normalize.base import REASON, VALUE, DistinctCache, Normalizer, by_region, map_distinct
from normdesk.engine.normalize.base import presence, valid_rows
from normdesk.engine.normalize.usps import (
    DIRECTIONALS,
    PO_BOX,
    STATES,
    SUFFIXES,
    UNITS,
    US_COUNTRY,
    ZERO_ZIP_STATES,
    lookup_key,
)
from normdesk.engine.types import ColumnType

PARTS = ("line1", "line2", "city", "state", "zip", REASON)
COMPONENTS = ("line1", "line2", "city", "state", "zip")

UNPARSEABLE = "unparseable address"
NO_STREET = "no street found"
NO_NUMBER = "no house number or PO box"
NOT_A_STATE = "not a US state"
NOT_US = NOT_US_CA  # "(XX)" is added when the country is known
BAD_ZIP = "not a valid ZIP code"

# usaddress labels, in the order their words are written on the street line.
_NUMBER = ("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix")
_STREET = (
    ("StreetNamePreModifier", None),
    ("StreetNamePreDirectional", DIRECTIONALS),
    ("StreetNamePreType", SUFFIXES),
    ("StreetName", None),
    ("StreetNamePostType", SUFFIXES),
    ("StreetNamePostDirectional", DIRECTIONALS),
    ("StreetNamePostModifier", None),
)
_HANDLED = {
    *_NUMBER,
    *(label for label, _ in _STREET),
    "USPSBoxType", "USPSBoxID", "OccupancyType", "OccupancyIdentifier",
    "PlaceName", "StateName", "ZipCode", "CountryName",
}  # fmt: skip
# Unit designators that are never street or city words (C2 also has KEY, FL, LOT, PIER...).
UNIT_WORDS = ("APT", "APARTMENT", "STE", "SUITE", "UNIT", "RM", "ROOM", "BLDG", "BUILDING")
# Words that make a street or city name ambiguous for the fast path.
_AMBIGUOUS = sorted({*SUFFIXES, *DIRECTIONALS, *UNITS})
_PO_BOX_KEYS = {"POBOX", "POSTOFFICEBOX", "POB", "BOX"}
# City words that may be a unit written without a comma ("Second Floor Springfield"): slow path.
_UNIT_LIKE = sorted({*UNITS, *ORDINALS, "LEVEL"})


# -- slow path: usaddress, then Publication 28 --------------------------------------------------
def _words(text: str | None, table: Mapping[str, str] | None = None) -> str | None:
    """Upper-case words of one labelled piece; with ``table``, each word abbreviated by it."""
    if not text:
        return None
    words = [w.strip(",;").upper() for w in text.split()]
    if table is not None:
        words = [table.get(lookup_key(w), w) for w in words]
    return " ".join(w for w in words if w) or None


def _join(pieces: Iterable[str | None]) -> str | None:
    return " ".join(p for p in pieces if p) or None


def _unit(kind: str | None, ident: str | None) -> str | None:
    """``APT 4`` from (``Apartment``, ``4``); ``# 4`` from (None, ``#4``); ``FL 15`` from (``Floor``,
    ``15th``); ``STE 1`` from (``Suite``, ``One``); ``FRNT`` from (None, ``Front``)."""
    ident = _words(ident.lstrip("# ") if ident else None) if ident else None
    if kind:
        kind = UNITS.get(lookup_key(kind), _words(kind))
        if kind == "FL" and ident:
            ident = ordinal_floor(ident) or ident
        elif ident in SPELLED:  # "Suite One": STE 1
            ident = SPELLED[ident]
    elif ident and UNITS.get(lookup_key(ident)) in NO_RANGE:
        return UNITS[lookup_key(ident)]
    elif ident:
        kind = "#"
    return _join((kind, ident))


def _state(place: str | None, text: str | None) -> tuple[str | None, str | None, str | None]:
    """(city, state code, reason) from the PlaceName and StateName pieces.

    usaddress often splits city and state wrongly ("Tylerburgh Hawaii" both as state,
    "Bonillafort West Virginia" both as city): the state is the longest run of final words
    that is a Publication 28 state name, the city the words before it.
    """
    head, _, country = (text or "").rpartition(",")
    if head and lookup_key(country) not in STATES:
        if lookup_key(country) not in US_COUNTRY:
            return place, None, not_us_ca(country_of(country))
        text = head
    state = [w.strip(",;").upper() for w in (text or "").split()]
    words = (place or "").split() + [w for w in state if w]
    # a state alone is fine; without a StateName, at least one word stays the city
    for size in range(min(4, len(words) - (0 if text else 1)), 0, -1):
        code = STATES.get(" ".join(lookup_key(w) for w in words[-size:]))
        if code:
            return " ".join(words[:-size]) or None, code, None
    return place, None, NOT_A_STATE if text else None


def _reason(tags: Mapping[str, str], state_reason: str | None, has_street: bool, box: str | None) -> str | None:
    country = tags.get("CountryName")
    if country and lookup_key(country) not in US_COUNTRY:
        return not_us_ca(country_of(country))
    if state_reason:
        return state_reason
    if not has_street and not box:
        return NO_STREET
    if has_street and not tags.get("AddressNumber") and not box:
        return NO_NUMBER
    return None


def standardize(tags: Mapping[str, str]) -> tuple[str | None, ...]:
    """Parts (see ``PARTS``) from usaddress labels (``{label: text}``, in token order)."""
    line1 = _join((*(_words(tags.get(k)) for k in _NUMBER),
                   *(_words(tags.get(k), table) for k, table in _STREET)))  # fmt: skip
    box_type, box_id = tags.get("USPSBoxType"), tags.get("USPSBoxID")
    box = None
    if box_id:  # "PO" or "PO Box" without a number is no box
        key = lookup_key(box_type or "").replace(" ", "")
        box = _join((PO_BOX if not box_type or key in _PO_BOX_KEYS else _words(box_type), _words(box_id)))
    extras = [_words(text) for label, text in tags.items() if label not in _HANDLED]
    line2 = _join((_unit(tags.get("OccupancyType"), tags.get("OccupancyIdentifier")),
                   *([box] if line1 and box else []), *extras))  # fmt: skip
    has_street = bool(tags.get("StreetName") or tags.get("StreetNamePreType"))
    city, state, state_reason = _state(_words(tags.get("PlaceName")), tags.get("StateName"))
    zip_code = tags.get("ZipCode")
    return (
        line1 if has_street else box,
        line2,
        city.strip(".") if city else None,
        state,
        zip_code.replace(" ", "").upper() if zip_code else None,
        _reason(tags, state_reason, has_street, box),
    )


_STREET_LINE = {*_NUMBER, *(label for label, _ in _STREET), "OccupancyType", "OccupancyIdentifier"}
_NAME_LABELS = {"StreetName", "StreetNamePreType", "StreetNamePostType"}
_NOT_STREET = {"BuildingName", "OccupancyIdentifier", "LandmarkName", "Recipient"}
_CITY_LIKE = {"StreetNamePostType", "StreetNamePostDirectional", "StateName"}


def repair(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fix usaddress labels that contradict the punctuation or Publication 28.

    - a building, unit or landmark "NUMBER WORDS SUFFIX" is a street line (``64790 Allen Stream``);
    - a lone directional after the suffix is the post-directional, not a unit (``Dixie Hwy E``);
    - a comma ends the street line: a suffix, directional or state word right after it,
      before the city, belongs to the city (``Way, North Angel``, ``Place, New Danielshire NY``);
    - a unit designator (or ``#``) inside the street name starts a unit (``Loop Apt 13``);
    - a street type with no street name after it is the suffix (``Parks Highway # 82``);
    - a directional with no street name after it is the name (``West Court``);
    - with no suffix labelled, a last street-name word that is a C1 suffix is the suffix.
    """
    words = [token for token, _ in tokens]
    labels = [label for _, label in tokens]
    run = next((i for i, label in enumerate(labels) if label not in _NOT_STREET), len(labels))
    if (
        labels[0] in _NOT_STREET and "AddressNumber" not in labels and words[0].isdigit()
        and run >= 3 and lookup_key(words[run - 1]) in SUFFIXES
    ):  # fmt: skip
        labels[:run] = ["AddressNumber", *["StreetName"] * (run - 2), "StreetNamePostType"]
    comma = next((i for i, t in enumerate(words) if t.endswith(",") and labels[i] in _STREET_LINE), None)
    if comma is not None:
        for i in range(len(words) - 2, comma, -1):
            if labels[i] in _CITY_LIKE and labels[i + 1] == "PlaceName":
                labels[i] = "PlaceName"
    for i in range(1, len(words)):
        key = lookup_key(words[i])
        if labels[i] in _NAME_LABELS and (words[i].startswith("#") or key in UNIT_WORDS):
            if words[i] == "#" or (key in UNIT_WORDS and i + 1 < len(words) and labels[i + 1] in _NAME_LABELS):
                labels[i] = labels[i + 1] = "OccupancyIdentifier" if words[i] == "#" else "OccupancyType"
                labels[i + 1] = "OccupancyIdentifier"
            elif words[i].startswith("#"):
                labels[i] = "OccupancyIdentifier"
    pre = [i for i, label in enumerate(labels) if label == "StreetNamePreType"]
    if pre and "StreetName" not in labels[pre[-1] :] and "StreetNamePostType" not in labels:
        for i in pre[:-1]:
            labels[i] = "StreetName"
        labels[pre[-1]] = "StreetNamePostType"
    for i in range(1, len(words)):
        if (labels[i - 1], labels[i]) == ("StreetNamePostType", "OccupancyIdentifier") and (
            lookup_key(words[i]) in DIRECTIONALS and "OccupancyType" not in labels
        ):
            labels[i] = "StreetNamePostDirectional"
    names = [i for i, label in enumerate(labels) if label == "StreetName"]
    lone_suffix = len(names) == 1 and lookup_key(words[names[0]]) in SUFFIXES and "StreetNamePostType" not in labels
    if "StreetNamePreDirectional" in labels and (not names or lone_suffix):
        labels[labels.index("StreetNamePreDirectional")] = "StreetName"
    if "StreetNamePostType" not in labels and "StreetNamePreType" not in labels:
        names = [i for i, label in enumerate(labels) if label == "StreetName"]
        if len(names) >= 2 and lookup_key(words[names[-1]]) in SUFFIXES:
            labels[names[-1]] = "StreetNamePostType"
    return list(zip(words, labels))


class _Repeated(Exception):
    pass


def group(tokens: list[tuple[str, str]]) -> dict[str, str]:
    """``{label: text}`` like ``usaddress.tag``; a label in two places raises ``_Repeated``."""
    out: dict[str, list[str]] = {}
    last = None
    for token, label in tokens:
        if label != last and label in out:
            raise _Repeated(label)
        out.setdefault(label, []).append(token)
        last = label
    return {label: " ".join(parts).strip(" ,;") for label, parts in out.items()}


def from_tokens(tokens: list[tuple[str, str]]) -> tuple[str | None, ...]:
    """Parts from labelled tokens (``usaddress.parse`` output, or gold labels)."""
    if any(label == "IntersectionSeparator" for _, label in tokens):
        return (None,) * 5 + (NO_NUMBER,)
    try:
        tags = group(tokens)
    except _Repeated:
        return (None,) * 5 + (UNPARSEABLE,)
    return standardize(tags)


def parse_slow(text: str, region: str | None = None) -> tuple[str | None, ...]:
    """Parts of one address (US or Canadian; others get a reason); never raises on bad input.

    ``region``: the row's country when the file says it (a country column or the file's
    country); a country ending the address wins."""
    body, named = split_country(text)
    region = named or region
    if region not in (None, "US", "CA"):
        return (None,) * 5 + (not_us_ca(region),)
    upper = " ".join(body.upper().split())
    ca = canadian(upper)
    if ca is not None:
        head, province, postcode = ca
        street, comma, city = head.rpartition(", ")
        if comma and not any(ch.isdigit() for ch in city):  # "street, city, PROVINCE": the city is known
            line1, line2, _, _, _, reason = _parse_us(street, street)
        else:
            line1, line2, city, _, _, reason = _parse_us(head, head)
        return line1, line2, city, province, postcode, None if reason == NOT_A_STATE else reason
    parts = _parse_us(body, upper)
    foreign = foreign_postcode(upper) if parts[4] is None else None
    return (None,) * 5 + (not_us_ca(foreign),) if foreign else parts


def _parse_us(text: str, upper: str) -> tuple[str | None, ...]:
    """usaddress on ``text``; on ``upper`` with its units taken out (see address_units) when a
    unit is of a form usaddress does not read, or when usaddress fails on ``text``."""
    found = rewrite(upper)
    if not found.needed:
        parts = _usaddress(text)
        if parts[-1] is None or not found.units or found.building:
            return _spelled_number(parts, found.text)
    again = _spelled_number(_usaddress(found.text), found.text)
    if again[-1] is not None and not found.needed:
        return parts
    return (again[0], _join((again[1], *found.units, *found.building)), *again[2:])


def _spelled_number(parts: tuple[str | None, ...], upper: str) -> tuple[str | None, ...]:
    """``TWO HARBOR PLAZA``, which usaddress takes for a building: read with the digit, written
    with the word as the gold labels and USPS keep it."""
    word, _, rest = upper.partition(" ")
    if parts[-1] != NO_STREET or word not in SPELLED:
        return parts
    again = _usaddress(f"{SPELLED[word]} {rest}")
    if again[-1] is not None or not again[0] or not again[0].startswith(SPELLED[word] + " "):
        return parts
    return (word + again[0][len(SPELLED[word]):], *again[1:])


def _usaddress(text: str) -> tuple[str | None, ...]:
    tokens = usaddress.parse(text)
    if not tokens:  # nothing usaddress can read (e.g. only a geocode)
        return (None,) * 5 + (NO_STREET,)
    return from_tokens(repair(tokens))


# -- fast path: one regular expression over the column ------------------------------------------
def _alt(words: Iterable[str]) -> str:
    """Regex alternation, longest first (so ``NORTHEAST`` is tried before ``NORTH``)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


_DIR = rf"(?:{_alt(DIRECTIONALS)})"
_WORD = r"(?:[A-Z][A-Z']*|\d+(?:ST|ND|RD|TH))"
_CITY_WORD = r"[A-Z][A-Z'.-]+"
FAST_PATTERN = (
    rf"^(?<num>\d+) (?:(?<pre>{_DIR})\.? )?(?<name>{_WORD}(?: {_WORD}){{0,3}}?) "
    rf"(?<suf>{_alt(SUFFIXES)})\.?(?: (?<post>{_DIR})\.?)?"
    rf"(?: (?:(?<utype>{_alt(UNIT_WORDS)})\.? |# ?)(?<uid>\d+[A-Z]?|[A-Z]\d*))?"
    rf"(?:, (?<city>{_CITY_WORD}(?: {_CITY_WORD}){{0,3}}?),? (?<state>{_alt(STATES)}) "
    rf"(?<zip>\d{{5}}(?:-?\d{{4}})?))?$"
)


def _abbreviate(col: pl.Expr, table: Mapping[str, str]) -> pl.Expr:
    return col.str.replace_all(".", "", literal=True).replace_strict(table, default=None, return_dtype=pl.Utf8)


def parse_fast(clean: pl.Series) -> pl.DataFrame:
    """Parts of the values the regular expression decides, plus ``hit`` (False: ask usaddress)."""
    g = pl.col("g")
    frame = clean.str.to_uppercase().str.extract_groups(FAST_PATTERN).alias("g").to_frame()
    line1 = pl.concat_str(
        [g.struct["num"], _abbreviate(g.struct["pre"], DIRECTIONALS), g.struct["name"],
         _abbreviate(g.struct["suf"], SUFFIXES), _abbreviate(g.struct["post"], DIRECTIONALS)],
        separator=" ", ignore_nulls=True,
    )  # fmt: skip
    unit_kind = pl.coalesce(_abbreviate(g.struct["utype"], UNITS), pl.lit("#"))
    return frame.select(
        line1.alias("line1"),
        pl.when(g.struct["uid"].is_not_null())
        .then(pl.concat_str([unit_kind, g.struct["uid"]], separator=" "))
        .alias("line2"),
        g.struct["city"].str.strip_chars_end(".").alias("city"),
        g.struct["state"].replace_strict(STATES, default=None, return_dtype=pl.Utf8).alias("state"),
        g.struct["zip"].alias("zip"),
        pl.lit(None, pl.Utf8).alias(REASON),
        (
            g.struct["num"].is_not_null()
            & ~g.struct["name"].str.split(" ").list.eval(pl.element().is_in(_AMBIGUOUS)).list.any()
            & ~g.struct["city"].str.split(" ").list.eval(pl.element().is_in(_UNIT_LIKE)).list.any().fill_null(False)
        ).alias("hit"),
    )


# -- render: shared by both paths ---------------------------------------------------------------
_PROVINCE_CODES = sorted(set(provinces().values()))
_MC = [f"Mc{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"]


def mc_case(col: pl.Expr) -> pl.Expr:
    """``Mcallen`` -> ``McAllen``: a capital after Mc, as in most Mc names and places. After title
    case a capital M only starts a word, so one multi-pattern pass needs no word boundaries."""
    return col.str.replace_many(_MC, [mc.title()[:2] + mc[2].upper() for mc in _MC])


def title_case(col: pl.Expr) -> pl.Expr:
    """Title case, keeping USPS forms (``NE``, ``5th``, ``PO Box``) and Mc names (``McKinley``)."""
    out = mc_case(col.str.to_titlecase())
    for pair in ("Ne", "Nw", "Se", "Sw"):
        out = out.str.replace_all(rf"\b{pair}\b", pair.upper())
    for ordinal in ("St", "Nd", "Rd", "Th"):
        out = out.str.replace_all(rf"(\d){ordinal}\b", f"${{1}}{ordinal.lower()}")
    return out.str.replace_all(r"^Po Box\b", "PO Box")


def standard_zip(raw: pl.Expr, state: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(the ZIP as 12345 or 12345-6789, or a Canadian postcode; the reason it is not one) from the
    upper-case ``raw`` ZIP and the state code."""
    digits = raw.str.replace_all("-", "", literal=True)
    zero_state = state.is_null() | state.is_in(list(ZERO_ZIP_STATES))
    digits = pl.when(digits.str.contains(r"^\d{4}(\d{4})?$") & zero_state).then("0" + digits).otherwise(digits)
    canadian_zip = raw.str.contains(r"^[A-Z]\d[A-Z] \d[A-Z]\d$") & state.is_in(_PROVINCE_CODES)
    zip_code = (
        pl.when(canadian_zip)
        .then(raw)
        .when(digits.str.contains(r"^\d{9}$"))
        .then(digits.str.slice(0, 5) + "-" + digits.str.slice(5))
        .when(digits.str.contains(r"^\d{5}$"))
        .then(digits)
    )
    zip_reason = (
        pl.when(raw.is_null() | zip_code.is_not_null())
        .then(None)
        .when(raw.str.contains("[A-Z]"))
        .then(pl.lit(NOT_US))
        .otherwise(pl.lit(BAD_ZIP))
    )
    return zip_code, zip_reason


def render(parts: pl.DataFrame, street_only: bool) -> pl.DataFrame:
    """``value``, the components and ``reason`` from upper-case parts (see ``PARTS``)."""
    zip_code, zip_reason = standard_zip(pl.col("zip"), pl.col("state"))
    line1, line2, city = title_case(pl.col("line1")), title_case(pl.col("line2")), mc_case(pl.col("city").str.to_titlecase())
    street = pl.concat_str([line1, line2], separator=" ", ignore_nulls=True)
    tail = pl.concat_str([pl.col("state"), zip_code], separator=" ", ignore_nulls=True)
    value = pl.concat_str([street, city, pl.when(tail != "").then(tail)], separator=", ", ignore_nulls=True)
    place = [city.alias("city"), pl.col("state"), zip_code.alias("zip")]
    if street_only:
        place = [pl.lit(None, pl.Utf8).alias(c) for c in ("city", "state", "zip")]
    return parts.select(
        value.alias(VALUE),
        line1.alias("line1"),
        line2.alias("line2"),
        *place,
        pl.coalesce(pl.col(REASON), zip_reason).alias(REASON),
    )


class AddressNormalizer(Normalizer):
    """US and Canadian postal addresses; ``part`` None: one full line, ``"street"``: the street
    line only. Rows of another country (``options.country``, or the row's country column) are
    kept and flagged ``not a US or Canadian address (XX)``.

    ``fast_path=False`` sends every value to usaddress (for tests and benchmarks).
    """

    type = ColumnType.ADDRESS

    def __init__(self, options, part: str | None = None, fast_path: bool = True) -> None:
        super().__init__(options, part)
        self.fast_path = fast_path
        self._caches = {"US": self.cache}  # the slow path's answers depend on the region

    def components(self) -> tuple[str, ...]:
        return COMPONENTS

    def parts(self, stripped: pl.Series, region: str = "US") -> pl.DataFrame:
        """Upper-case parts of each value (fast path first), plus ``hit``: decided by the fast path."""
        region = region.upper()
        if region not in ("US", "CA"):
            reason = pl.when(stripped.is_not_null()).then(pl.lit(not_us_ca(region)))
            return pl.select(*(pl.lit(None, pl.Utf8).alias(p) for p in PARTS[:-1]), reason.alias(REASON),
                             pl.lit(False).alias("hit"))
        # Socrata-style "location" cells end with the geocode: "12 Elm St\nHebron, CT 06248\n(41.65, -72.36)"
        clean = stripped.str.replace(r"\s*\(\s*-?\d{1,3}\.\d+\s*,\s*-?\d{1,3}\.\d+\s*\)\s*$", "")
        clean = clean.str.replace_all(r"\s*[\r\n]+\s*", ", ").str.replace_all(r"\s+", " ")
        clean = clean.str.replace_all(r"\s*,[\s,]*", ", ").str.strip_chars(" ,")
        if self.fast_path:
            fast = parse_fast(clean)
        else:
            fast = pl.DataFrame({"hit": pl.repeat(False, len(clean), eager=True)})
        misses = pl.select(pl.when(~fast["hit"]).then(pl.lit(clean))).to_series()
        compute = parse_slow if region == "US" else partial(parse_slow, region=region)
        slow = map_distinct(misses, compute, PARTS, self._caches.setdefault(region, DistinctCache()))
        if not self.fast_path:
            return slow.with_columns(fast["hit"])
        merged = [pl.when(pl.col("hit")).then(pl.col(p)).otherwise(pl.col(f"{p}_slow")).alias(p) for p in PARTS]
        return pl.concat([fast, slow.rename(lambda c: f"{c}_slow")], how="horizontal").select(*merged, "hit")

    def _normalize(self, stripped: pl.Series) -> pl.DataFrame:
        return self._in_region(stripped, self.options.country)

    def _regional(self, stripped: pl.Series, regions: pl.Series) -> pl.DataFrame:
        return by_region(stripped, regions, self.options.country.upper(), self._in_region)

    def _in_region(self, stripped: pl.Series, region: str) -> pl.DataFrame:
        return render(self.parts(stripped, region).drop("hit"), self.part == "street")

    def facets(self, result: pl.DataFrame) -> dict[str, pl.Series]:
        valid = valid_rows(result)
        facets = {"unit": valid.select(presence(pl.col("line2"), "unit")).to_series()}
        if self.part != "street":
            facets["state"] = valid.get_column("state")
            facets["ZIP"] = valid.select(presence(pl.col("zip"), "ZIP")).to_series()
        return facets
