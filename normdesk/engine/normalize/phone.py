"""Phone numbers: E.164 value plus the extension, as phonenumbers would give them.

The library answer (``parse`` + ``is_valid_number`` + E.164 format) is the contract. It costs
~40 µs a value, so a vectorized fast path first decides the common shapes (digits and
``( ) . - / space``, an optional leading ``+``, an optional ``x``/``ext``/``#`` extension) by
replaying, as polars expressions over the chunk, the steps ``parse`` takes for such input:

1. country code: after ``+`` the shortest known calling code; without ``+`` the default
   region's code, stripped from the front when the library would strip it;
2. national prefix (``0``, ``1``...) stripped with the region's own ``national_prefix_for_parsing``
   and the same viability and length checks;
3. validity: the national number fully matched against the number patterns of the region that
   ``region_code_for_number`` would pick among the regions sharing the calling code.

The fast path only ever answers "valid, here is the E.164"; anything else (international
dialling prefixes, transform rules, non-geographic codes, letters, invalid numbers, calling codes
with fewer than MIN_GROUP_ROWS numbers in the chunk) goes to the library through
``map_distinct``. tests/test_normalize_phone.py proves fast path == library.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, _test_number_length

from normdesk.engine.errors import InputError
from normdesk.engine.normalize.base import REASON, VALUE, DistinctCache, Normalizer, by_region, map_distinct, presence
from normdesk.engine.normalize.base import valid_rows
from normdesk.engine.types import ColumnType

EXT = "ext"
MAX_NSN = 17  # phonenumbers' _MAX_LENGTH_FOR_NSN
# Fewer numbers than this for one calling code go to the library: compiling a region's patterns
# in polars costs 10-40 ms, the library ~40 µs a number.
MIN_GROUP_ROWS = 200

# Shapes the fast path decides: a number made of digits and common punctuation, then an
# optional extension whose label phonenumbers recognises the same way ("x12", " ext. 12", " #12").
_SHAPE = (
    r"(?i)^(\+?[0-9(][0-9 ().\-/]*[0-9])"
    r"(?: *(?:extension|ext|x|#)[.:]? *([0-9]{1,6}))?$"
)

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "invalid country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short to be a phone number",
    NumberParseException.TOO_SHORT_NSN: "too short to be a phone number",
    NumberParseException.TOO_LONG: "too long to be a phone number",
}
_POSSIBLE_REASONS = {
    ValidationResult.TOO_SHORT: "too short to be a phone number",
    ValidationResult.TOO_LONG: "too long to be a phone number",
    ValidationResult.INVALID_COUNTRY_CODE: "invalid country code",
}
NOT_VALID = "not a valid phone number"


def library_normalize(text: str, region: str) -> tuple[str | None, str | None, str | None]:
    """(E.164, extension, reason) straight from phonenumbers: the reference answer."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as err:
        return None, None, _PARSE_REASONS.get(err.error_type, NOT_VALID)
    if not phonenumbers.is_valid_number(number):
        reason = _POSSIBLE_REASONS.get(phonenumbers.is_possible_number_with_reason(number), NOT_VALID)
        return None, None, reason
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, number.extension or None, None


# -- metadata turned into polars expressions ---------------------------------------------------
def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


@dataclass(frozen=True)
class _Region:
    """What the fast path needs from one region's metadata."""

    code: str
    country_code: str
    general: str | None  # national number pattern of the general description
    general_lengths: tuple[int, ...]
    valid: tuple[tuple[tuple[int, ...], str], ...]  # (possible lengths, pattern) of valid types
    leading_digits: str | None
    national_prefix: str | None  # national_prefix_for_parsing
    has_transform: bool
    idd: str | None  # international_prefix
    too_long: frozenset[int]  # lengths _test_number_length calls TOO_LONG
    keep_unstripped: frozenset[int]  # lengths for which parse keeps the national prefix

    def viable(self, x: pl.Expr) -> pl.Expr:
        """phonenumbers' _match_national_number against the general description."""
        return x.str.contains(_full(self.general)) if self.general else pl.lit(False)

    def is_valid(self, x: pl.Expr) -> pl.Expr:
        """_number_type_helper(x) != UNKNOWN."""
        n = x.str.len_chars()
        general = _matches_desc(x, n, self.general_lengths, self.general)
        kinds = [_matches_desc(x, n, lengths, pattern) for lengths, pattern in self.valid]
        return general & pl.any_horizontal(kinds) if kinds else pl.lit(False)

    def strip_national_prefix(self, x: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """(number, undecidable) as _maybe_strip_national_prefix_carrier_code would strip it."""
        if not self.national_prefix:
            return x, pl.lit(False)
        prefix = x.str.extract(f"^({self.national_prefix})", 1)
        if self.has_transform:
            return x, prefix.is_not_null()
        after = x.str.slice(prefix.str.len_chars())
        keep = prefix.is_null() | (self.viable(x) & ~self.viable(after))
        return pl.when(keep).then(x).otherwise(after), pl.lit(False)


def _matches_desc(x: pl.Expr, n: pl.Expr, lengths: tuple[int, ...], pattern: str | None) -> pl.Expr:
    if not pattern:
        return pl.lit(False)
    hit = x.str.contains(_full(pattern))
    return n.is_in(list(lengths)) & hit if lengths else hit


_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")


@lru_cache(maxsize=None)
def _region(code: str) -> _Region | None:
    meta = PhoneMetadata.metadata_for_region(code)
    if meta is None:
        return None
    names = _TYPES + ("fixed_line",) + (() if meta.same_mobile_and_fixed_line_pattern else ("mobile",))
    grouped: dict[tuple[int, ...], list[str]] = {}
    for name in names:
        desc = getattr(meta, name)
        if desc is not None and desc.national_number_pattern:
            grouped.setdefault(tuple(desc.possible_length), []).append(desc.national_number_pattern)
    result = {n: _test_number_length("5" * n, meta) for n in range(41)}  # it looks at the length only
    short = (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY, ValidationResult.INVALID_LENGTH)
    return _Region(
        code=code,
        country_code=str(meta.country_code),
        general=meta.general_desc.national_number_pattern or None,
        general_lengths=tuple(meta.general_desc.possible_length),
        valid=tuple((k, "|".join(f"(?:{p})" for p in v)) for k, v in grouped.items()),
        leading_digits=meta.leading_digits,
        national_prefix=meta.national_prefix_for_parsing or None,
        has_transform=bool(meta.national_prefix_transform_rule),
        idd=meta.international_prefix,
        too_long=frozenset(n for n, r in result.items() if r == ValidationResult.TOO_LONG),
        keep_unstripped=frozenset(n for n, r in result.items() if r in short),
    )


def _calling_code_table() -> pl.DataFrame:
    """Calling code -> main region (None for non-geographic codes, which the fast path skips)."""
    rows = [(str(cc), None if regions[0] == "001" else regions[0])
            for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items()]
    return pl.DataFrame(rows, schema={"cc": pl.Utf8, "meta": pl.Utf8}, orient="row")


_CC = _calling_code_table()
_CC_BY_LEN = {k: _CC.filter(pl.col("cc").str.len_chars() == k)["cc"].to_list() for k in (1, 2, 3)}


def home_region(country: str) -> _Region:
    """The default region's rules; an unknown country is the user's mistake (InputError)."""
    region = _region(country.strip().upper())
    if region is None:
        raise InputError(f"unknown country {country!r} for phone numbers: use a code such as US, GB or DE")
    return region


# -- the fast path ------------------------------------------------------------------------------
def fast_normalize(stripped: pl.Series, region: str) -> pl.DataFrame:
    """Columns ``value`` (E.164) and ``ext``; ``value`` is null where the fast path cannot decide.

    Never gives an answer phonenumbers would not give (see the module docstring).
    """
    home = home_region(region)
    v = pl.col("v")
    frame = pl.DataFrame({"v": stripped}).with_row_index("i").filter(v.str.contains(_SHAPE))
    labelled = v.str.contains("[A-Za-z#]")  # the number itself has neither: an extension follows
    parts = v.str.extract_groups(_SHAPE)
    with_ext = frame.filter(labelled).select("i", parts.struct.field("1"), parts.struct.field("2"))
    frame = pl.concat([
        frame.filter(~labelled).select("i", v.alias("num"), pl.lit(None, pl.Utf8).alias(EXT)),
        with_ext.rename({"1": "num", "2": EXT}),
    ]).with_columns(
        pl.col("num").str.starts_with("+").alias("plus"),
        pl.col("num").str.replace_all(r"[ ().\-/+]", "").alias("d"),
    )
    intl = _split_international(frame.filter("plus"))
    national = _split_national(frame.filter(~pl.col("plus")), home)
    groups = pl.concat([intl, national]).partition_by("meta", "cc")
    decided = [_finish(group) for group in groups if len(group) >= MIN_GROUP_ROWS]
    if not decided:
        decided = [pl.DataFrame(schema={"i": pl.UInt32, VALUE: pl.Utf8, EXT: pl.Utf8})]
    out = pl.DataFrame({"i": pl.int_range(0, len(stripped), dtype=pl.UInt32, eager=True)})
    return out.join(pl.concat(decided), on="i", how="left", maintain_order="left").drop("i")


def _split_international(frame: pl.DataFrame) -> pl.DataFrame:
    """``+CC rest``: the calling code _extract_country_code would take, and its main region."""
    d = pl.col("d")
    frame = frame.filter(d.str.len_chars() > 2).with_columns(_calling_code(d).alias("cc"))
    frame = frame.join(_CC, on="cc", how="inner")  # drops unknown codes; meta null: non-geographic
    return frame.filter(pl.col("meta").is_not_null()).select(
        "i", EXT, "cc", "meta", d.str.slice(pl.col("cc").str.len_chars()).alias("rest")
    )


def _calling_code(digits: pl.Expr) -> pl.Expr:
    """The shortest known calling code at the start of ``digits`` (as _extract_country_code takes it)."""
    cc = pl.when(digits.str.slice(0, 1).is_in(_CC_BY_LEN[1])).then(digits.str.slice(0, 1))
    for k in (2, 3):
        cc = cc.when(digits.str.slice(0, k).is_in(_CC_BY_LEN[k])).then(digits.str.slice(0, k))
    return cc


def _split_national(frame: pl.DataFrame, home: _Region) -> pl.DataFrame:
    """No ``+``: the default region's calling code, stripped when _maybe_extract_country_code would."""
    d, home_cc = pl.col("d"), home.country_code
    if home.idd:  # an international dialling prefix: left to the library
        frame = frame.filter(~d.str.contains(f"^(?:{home.idd})"))
    starts = frame.filter(d.str.starts_with(home_cc))
    plain = frame.filter(~d.str.starts_with(home_cc)).select(
        "i", EXT, pl.lit(home_cc).alias("cc"), pl.lit(home.code).alias("meta"), d.alias("rest")
    )
    p = d.str.slice(len(home_cc))
    p2, undecidable = home.strip_national_prefix(p)
    strip_cc = (~home.viable(d) & home.viable(p2)) | d.str.len_chars().is_in(list(home.too_long))
    main = COUNTRY_CODE_TO_REGION_CODE[int(home_cc)][0]
    starts = starts.filter(~undecidable).select(
        "i",
        EXT,
        pl.lit(home_cc).alias("cc"),
        pl.when(strip_cc).then(pl.lit(main)).otherwise(pl.lit(home.code)).alias("meta"),
        pl.when(strip_cc).then(p2).otherwise(d).alias("rest"),
    )
    return pl.concat([plain, starts])


def _finish(group: pl.DataFrame) -> pl.DataFrame:
    """One calling code and metadata: strip the national prefix, keep valid numbers, format E.164."""
    meta = _region(group["meta"][0])
    cc = group["cc"][0]
    rest, nsn = pl.col("rest"), pl.col("nsn")
    group = group.filter(rest.str.len_chars() >= 2)
    numbers = group.with_columns(rest.alias("nsn"))  # parse keeps a number without a prefix as is
    if meta.national_prefix:
        prefixed = rest.str.contains(f"^(?:{meta.national_prefix})")
        stripped, undecidable = meta.strip_national_prefix(rest)
        keep = stripped.str.len_chars().is_in(list(meta.keep_unstripped))
        numbers = pl.concat([
            numbers.filter(~prefixed),
            group.filter(prefixed & ~undecidable).with_columns(
                pl.when(keep).then(rest).otherwise(stripped).alias("nsn")
            ),
        ])
    numbers = numbers.filter(nsn.str.len_chars() <= MAX_NSN)
    regions = [r for r in map(_region, COUNTRY_CODE_TO_REGION_CODE[int(cc)]) if r is not None]
    valid = _valid_numbers(numbers, regions)
    return valid.select("i", (pl.lit("+" + cc) + nsn).alias(VALUE), EXT)


def _valid_numbers(numbers: pl.DataFrame, regions: list[_Region]) -> pl.DataFrame:
    """Rows is_valid_number accepts, with the region region_code_for_number picks (``region``).

    With several regions on one calling code, the first region whose leading digits match the
    number, or (without leading digits) that finds it valid, is the number's region.
    """
    nsn = pl.col("nsn")
    if len(regions) == 1:
        return numbers.filter(regions[0].is_valid(nsn)).with_columns(pl.lit(regions[0].code).alias("region"))
    regions = list(regions)
    valid, pending = [], numbers
    while regions and regions[0].leading_digits is None:  # the main region first, on every row
        region = regions.pop(0)
        checked = pending.with_columns(region.is_valid(nsn).alias("ok"))
        valid.append(checked.filter("ok").drop("ok").with_columns(pl.lit(region.code).alias("region")))
        pending = checked.filter(~pl.col("ok")).drop("ok")
    choice = pl.when(pl.lit(False)).then(pl.lit(None, pl.Int32))
    for k, region in enumerate(regions):  # then the others, on the few rows left
        by_digits = region.leading_digits is not None
        picks = nsn.str.contains(f"^(?:{region.leading_digits})") if by_digits else region.is_valid(nsn)
        choice = choice.when(picks).then(pl.lit(k if by_digits else -1 - k, pl.Int32))
    chosen = pending.with_columns(choice.alias("r")).filter(pl.col("r").is_not_null())
    codes = pl.Series([region.code for region in regions], dtype=pl.Utf8)
    valid.append(chosen.filter(pl.col("r") < 0).with_columns(  # picked because valid there
        pl.lit(codes).gather(-1 - pl.col("r")).alias("region")).drop("r"))
    for (k,), rows in chosen.filter(pl.col("r") >= 0).partition_by("r", as_dict=True).items():
        valid.append(rows.filter(regions[k].is_valid(nsn)).drop("r").with_columns(pl.lit(regions[k].code).alias("region")))
    return pl.concat(valid)




@lru_cache(maxsize=None)
def _kind_expr(code: str) -> pl.Expr:
    """The number type phonenumbers' _number_type_helper gives a national number ``nsn`` of a region."""
    meta = PhoneMetadata.metadata_for_region(code)
    nsn = pl.col("nsn")
    n = nsn.str.len_chars()

    def hit(desc) -> pl.Expr:
        if desc is None or not desc.national_number_pattern:
            return pl.lit(False)
        return _matches_desc(nsn, n, tuple(desc.possible_length), desc.national_number_pattern)

    general = meta.general_desc
    kind = pl.when(~_matches_desc(nsn, n, tuple(general.possible_length), general.national_number_pattern)
                   ).then(pl.lit("unknown"))
    for name in _TYPES:
        kind = kind.when(hit(getattr(meta, name))).then(pl.lit(name.replace("_", " ")))
    fixed, mobile = hit(meta.fixed_line), hit(meta.mobile)
    both = pl.lit(True) if meta.same_mobile_and_fixed_line_pattern else mobile
    kind = kind.when(fixed & both).then(pl.lit("fixed line or mobile")).when(fixed).then(pl.lit("fixed line"))
    return kind.when(mobile).then(pl.lit("mobile")).otherwise(pl.lit("unknown"))


def library_facets(e164: str) -> tuple[str | None, str | None, None]:
    """(region, number type) of a valid E.164 number straight from phonenumbers."""
    number = phonenumbers.parse(e164, None)
    kind = phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(number))
    return phonenumbers.region_code_for_number(number), kind.lower().replace("_", " "), None


def number_facets(e164: pl.Series, cache: DistinctCache | None = None) -> dict[str, pl.Series]:
    """Country (region) and number type of valid E.164 numbers (nulls skipped), as phonenumbers'
    ``region_code_for_number`` and ``number_type`` give them.

    Calling codes with at least MIN_GROUP_ROWS numbers in the chunk are decided by polars
    expressions over the region metadata (as the fast path does); the rest by the library, once
    per distinct number. tests/test_profile.py proves both equal.
    """
    frame = pl.DataFrame({"d": e164.drop_nulls().str.strip_prefix("+")}).with_columns(_calling_code(pl.col("d")).alias("cc"))
    frame = frame.with_columns(pl.col("d").str.slice(pl.col("cc").str.len_chars().fill_null(0)).alias("nsn"))
    decided, rest = [], []
    for (cc,), group in frame.partition_by("cc", as_dict=True).items():
        regions = [r for r in map(_region, COUNTRY_CODE_TO_REGION_CODE.get(int(cc or 0), ())) if r is not None]
        if group.height < MIN_GROUP_ROWS or not regions:
            rest.append(group)
            continue
        found = _valid_numbers(group.with_row_index("i"), regions)
        rest.append(group.with_row_index("i").join(found, on="i", how="anti").drop("i"))
        for (code,), rows in found.partition_by("region", as_dict=True).items():
            decided.append(rows.select(pl.col("region").alias("country"), _kind_expr(code).alias("kind")))
    if rest:
        left = pl.concat(rest)
        slow = map_distinct(("+" + left.get_column("d")).rename("e"), library_facets, ("country", "kind", REASON), cache)
        decided.append(slow.select("country", "kind"))
    both = pl.concat(decided) if decided else pl.DataFrame(schema={"country": pl.Utf8, "kind": pl.Utf8})
    return {"country": both.get_column("country"), "number type": both.get_column("kind")}


class PhoneNormalizer(Normalizer):
    """Phone numbers to E.164 with the default country ``options.country``; extension in ``ext``.
    With each row's country (a country column), that country is the row's default region."""

    type = ColumnType.PHONE
    fast_path = True  # False sends every value to the library (tests, benchmarks)

    def __init__(self, options, part=None) -> None:
        super().__init__(options, part)
        self.region = home_region(options.country).code
        self.facet_cache = DistinctCache()
        self._caches = {self.region: self.cache}  # the slow path's answers depend on the region

    def components(self) -> tuple[str, ...]:
        return (EXT,)

    def _normalize(self, stripped: pl.Series) -> pl.DataFrame:
        return self._in_region(stripped, self.region)

    def _regional(self, stripped: pl.Series, regions: pl.Series) -> pl.DataFrame:
        known = regions.replace_strict({r: r for r in regions.drop_nulls().unique() if _region(r)}, default=None)
        return by_region(stripped, known, self.region, self._in_region)

    def _in_region(self, stripped: pl.Series, region: str) -> pl.DataFrame:
        cache = self._caches.setdefault(region, DistinctCache())
        if self.fast_path:
            fast = fast_normalize(stripped, region)
        else:
            fast = pl.DataFrame({VALUE: [None] * len(stripped), EXT: [None] * len(stripped)},
                                schema={VALUE: pl.Utf8, EXT: pl.Utf8})
        left = pl.select(pl.when(fast[VALUE].is_null()).then(stripped)).to_series()
        slow = map_distinct(left, partial(library_normalize, region=region), (VALUE, EXT, REASON), cache)
        return pl.DataFrame(
            {
                VALUE: fast[VALUE].fill_null(slow[VALUE]),
                EXT: pl.select(pl.when(fast[VALUE].is_null()).then(slow[EXT]).otherwise(fast[EXT])).to_series(),
                REASON: slow[REASON],
            }
        )

    def facets(self, result: pl.DataFrame) -> dict[str, pl.Series]:
        valid = valid_rows(result)
        facets = number_facets(valid.get_column(VALUE), self.facet_cache)
        facets["extension"] = valid.select(presence(pl.col(EXT), "extension")).to_series()
        return facets
