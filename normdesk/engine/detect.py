"""Column type detection: what each column of a sample holds (name, email, phone, address).

Each column is scored from its content and from a header hint. Content: polars expressions over
the distinct values of the whole sample, all columns at once; phonenumbers only on at most
``PHONE_SUBSAMPLE`` distinct values per column. Header: a multilingual keyword table
(``detect_data/headers.json``). A type needs a score of ``THRESHOLD``; the header adds
``HEADER_WEIGHT`` (more when the values have the announced shape) or, for a known non-contact
header such as City, removes it. So the header settles thin or ambiguous content and empty
columns, and clear content wins over a misleading header. See docs/DETECTION.md.

Person names are recognised with word lists taken from Faker (``detect_data/*.txt``, rebuilt by
``benchmarks/build_detect_vocab.py``): known first names and surnames count for a name, words of
companies, jobs, places and things count against it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import phonenumbers
import polars as pl

from normdesk.engine.detect_groups import assign_groups
from normdesk.engine.detect_country import NO_COUNTRY, CountryGuess, infer_country, phone_share
from normdesk.engine.types import AddressPart, ColumnType, NamePart

THRESHOLD = 0.5  # a type needs this score to be chosen
HEADER_WEIGHT = 0.3  # what a specific header hint adds (or, for "not", removes)
COMPATIBLE_HEADER_WEIGHT = 0.45  # ... when the values have the shape the header announces
GENERIC_HEADER_WEIGHT = 0.15  # a bare "name" is often a business name
PHONE_SUBSAMPLE = 100  # distinct values checked with phonenumbers
BARE_DIGITS_CAP = 0.45  # most a column of unformatted digit strings can score as phone numbers
TRUNK_REGIONS = ("GB", "DE", "FR", "IT", "NL", "BE", "CH", "AT", "SE", "AU", "BR")  # national "0..." numbers
NINE_DIGIT_REGIONS = ("ES", "PT", "PL")  # national numbers of 9 digits without a trunk prefix

JUNK = ["n/a", "na", "n.a.", "-", "--", "---", "unknown", "null", "none", "nil", "nan", "#n/a", "?",
        "tbd", "not available", "not applicable", "no data", "missing", "."]

EMAIL_RE = (  # also "mailto:a@b.org" and "Ann Lee <ann@b.org>"
    r"(?i)^(?:mailto:)?(?:[^<>@]*<\s*)?[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\s*>?$"
)
PHONE_EXT_RE = r"(?i)\s*(?:x|ext\.?|extension|#|poste|durchwahl)\s*\d{1,6}$"
PHONE_SHAPE_RE = r"^(?:\+|00)?[\d\s().\-/]+$"
PHONE_LAYOUT_RE = (  # written like a phone number: +.., (415) 555-0100, 030 1234 5678, 01 23 45 67 89
    r"^\+|^00|^(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]*\d{3}[\s.-]+\d{4}$"
    r"|^\(0\d{1,4}\)[\s./-]*\d{2,8}(?:[\s./-]+\d{1,6})*$|^0\d{1,4}[\s./-]+\d{2,8}(?:[\s./-]+\d{1,6})*$"
    r"|^\d{2,4}(?:[\s.]\d{2,4}){2,}$"
)
NOT_PHONE_RE = (  # dates, decimals, IP addresses, ZIP+4 and Brazilian postcodes
    r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$|^-?\d+\.\d+$|^\d{1,3}(?:\.\d{1,3}){3}$"
    r"|^\d{5}-\d{3,4}$|^\d{3,8}-(?:19|20)\d{2}$|^(?:19|20)\d{2}-\d{3,8}$"  # ... and numbers of a year
)
MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september"
    "|oct|october|nov|november|dec|december"
)
# calendar words: a column of them is dates, not names (June, August and May are also given names)
CALENDAR_RE = (
    rf"(?i)^(?:{MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre"
    r"|janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
    r"|januar|februar|m[äa]rz|juni|juli|oktober|dezember|gennaio|febbraio|aprile|maggio|giugno|luglio"
    r"|settembre|ottobre|dicembre|janeiro|fevereiro|mar[çc]o|maio|junho|julho|setembro|outubro|novembro"
    r"|dezembro|januari|februari|maart|mei|augustus)\.?(?:\s+(?:\d{1,2}|\d{4}))?$"
)
# place-name endings (Riverside, Northfield, Oakwood, Fairview): a column made of them is places
PLACE_WORD_RE = (
    r"(?i)^\p{L}{2,}(?:ville|field|fields|wood|woods|side|view|dale|burg|burgh|borough|bury|shire|ford|port"
    r"|mouth|haven|crest|brook|ridge|grove|hurst|stead|lands|mont|vale|glen|park|heights|gate)$"
)
# periods (a quarter, a season, a fiscal year) written with a number: "Quarter 3", "2019 Q1", "Fall 2020"
PERIOD_RE = r"(?i)\b(?:q[1-4]|quarter|qtr|semester|trimester|spring|summer|autumn|fall|winter|fiscal|fy\d*|half|h[12])\b"
NUMBERED_RE = r"(?i)^\d+[a-z]?(?:[-/]\d+[a-z]?)?,?\s+\S"  # a house number, then more
US_STREET_WORDS = (  # USPS street types and abbreviations (the shipped list adds the long forms)
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|terrace|ter"
    "|circle|cir|parkway|pkwy|highway|hwy|trail|trl|loop|square|sq|plaza|plz|pike|run|row|path"
    "|expressway|expy|freeway|fwy|turnpike|tpke|alley|aly|crescent|cres|close|grove|mews|walk|point|pt"
    "|route|rte|broadway|center|ctr|crossing|xing|heights|hts|hill|bend|cove|cv|glen|knoll|manor"
    "|park|pass|ridge|rdg|view|vista|creek|commons|green|oval|spur|wy|us|sr|cr|fm|gdns|pde|jct"
)
EU_STREET_WORDS = (
    "stra(?:ss|ß)e|str|weg|gasse|allee|platz|ring|damm|ufer|chaussee|rue|avenue|boulevard|bd|chemin"
    "|all[ée]e|impasse|quai|cours|route|calle|avenida|avda|paseo|plaza|camino|carretera|carrera"
    "|ronda|traves[íi]a|via|viale|piazza|piazzale|corso|vicolo|largo|strada|contrada|rua|travessa"
    "|pra[çc]a|alameda|rodovia|estrada|straat|laan|plein|gracht|kade|singel|dijk|steeg"
    "|aleja|plac|ulica|osiedle"
)
COMPOUND_STREET = (
    "stra(?:ss|ß)e|str\\.|weg|gasse|allee|platz|straat|laan|plein|v[äa]gen|gatan|gr[äa]nd|stigen|vej|gade"
    "|veien|gata|gate|katu|tie"
)
UNIT_RE = (  # second address lines and other "word number" values that are not streets
    r"(?i)^(?:suite|ste|apt|apartment|unit|room|rm|floor|fl|building|bldg|flat|box|dept|department|lot"
    r"|space|spc|piso|etage|stock|studio|gate|pier|hangar|level|lvl|office|no|nr|number|version|v)\b"
)
EU_STREET_RE = (
    rf"(?i)(?:^|\s)(?:{EU_STREET_WORDS})\.?\s.*\d|\p{{L}}(?:{COMPOUND_STREET})\s*\d"
    r"|(?:^|\s)(?:ul|al|pl|os)\.\s*\p{L}.*\d"  # Polish ul. / al. / pl. / os.
    rf"|^\d+[a-z]?(?:\s?(?:bis|ter))?,?\s+(?:{EU_STREET_WORDS})\b"  # French order: 12, rue de...
)
PO_BOX_RE = r"(?i)^(?:p\.?\s*o\.?\s*box|post\s+office\s+box|box|apartado|postfach|caixa\s+postal)\s*#?\s*\d+"
LOOSE_STREET_RE = (  # "number words" (US order), "Flat 5, 12 words"
    r"(?i)^\d+[a-z]?(?:-\d+)?\s+(?:[nsew]\.?\s+)?\p{L}{3,}"
    r"|^(?:flat|studio|apt|apartment|unit|suite)\s*[\w-]+[,\s]+\d+[a-z]?\s+\p{L}{2,}"
)
NAME_NUMBER_RE = r"(?i)^\p{L}[\p{L} .'’-]{1,40}[\p{L}.],?\s+\d{1,5}[a-z]?(?:,|\s|/\d|$)"  # "Rua X, 12"
LONG_WORD_RE = r"^\D*\p{L}{4}"  # a word of 4+ letters before any digit (not "EUF 375", "CO - 04")
NOT_STREET_RE = (  # numbers of other things: "9 to 12", "06 December 1917", "Ward 4", "District No. 405"
    r"(?i)^\d+(?:-\d+)?\s+(?:to|of|and|or|by|x|per|weeks?|days?|months?|years?|hours?|minutes?|times?|percent)\b"
    rf"|(?:^|\s)(?:{MONTHS})\.?\s+\d|^\d+\s+(?:{MONTHS})\b"
    r"|\b(?:no|nr|num|number|ward|district|division|position|unit|suite|ste|apt|room|rm|floor|fl|level|zone"
    r"|area|region|grade|class|section|phase|lot|block|bldg|building|precinct|page|chapter|vol|version"
    r"|step|week|day|year|seat|group|team|site|pier|gate|platform|box)\.?\s*#?\d+[a-z]?$"
)
FULL_TAIL_RE = (  # state + ZIP (US, MX, AU), a UK or Canadian postcode, a postcode then a city
    r"(?i)(?:,\s*|\s)[a-z]{2}\.?,?\s+\d{5}(?:-\d{4})?$|(?:,\s*|\s)(?-i:[A-Z]{2,3}),?\s+\d{4,5}(?:-\d{4})?$"
    r"|,\s*\p{L}[\p{L} .'-]+,?\s+\p{L}[\p{L} ]+\s+\d{5}(?:-\d{4})?$"
    r"|[\s,][a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}$|[\s,][a-z]\d[a-z]\s*\d[a-z]\d$"
    r"|[,\n]\s*(?:[a-z]{1,2}-)?(?:\d{4,5}(?:-\d{3})?|\d{8}|\d{2}-\d{3}|\d{4}\s?[a-z]{2})[,\s]+\p{L}"
    r"|\p{L},\s*\d{4,5}$|[,\n]\s*\p{L}[\p{L} .'-]*,?\s+\d{5}(?:-\d{4})?$"
)
COORDINATES_RE = r"\s*\(\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*\)\s*$"  # "(44.64, -63.57)" after an address
NAME_CHARS_RE = r"^[\p{L}\s.'’\-,()\"]+$"
TOKEN_RE = r"\p{L}[\p{L}'’]*(?:-\p{L}[\p{L}'’]*)*"  # hyphenated names are one word


@dataclass(frozen=True, slots=True)
class ColumnDetection:
    """The detected type of one column, how sure, and why (in words)."""

    name: str
    type: ColumnType
    confidence: float
    evidence: str
    part: str | None = None
    group: str | None = None  # the record (address or person) the part belongs to, see detect_groups

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type.value,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "part": self.part,
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class FileDetection:
    """The detections of every column of one file (the ``normdesk detect --json`` shape), and
    the file's country as the data shows it."""

    path: str
    columns: list[ColumnDetection]
    country: CountryGuess = NO_COUNTRY

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "columns": [c.to_dict() for c in self.columns], "country": self.country.to_dict()}


@dataclass(frozen=True, slots=True)
class _Candidate:
    type: ColumnType
    score: float
    part: str | None
    evidence: str


# -- word lists and header hints ------------------------------------------------------------------


def _words(filename: str) -> set[str]:
    text = resources.files("normdesk.engine").joinpath("detect_data", filename).read_text("utf-8")
    return {w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")}


@cache
def _vocab() -> dict[str, frozenset[str]]:
    """Word lists: the curated non-name words win over the name lists."""
    curated = _words("curated_nonname_words.txt")
    nonname = curated | _words("faker_nonname_words.txt")
    first = _words("first_names.txt") - curated
    last = _words("last_names.txt") - curated
    streets = set(US_STREET_WORDS.split("|")) | _words("street_suffixes.txt")
    return {
        "first": frozenset(first),
        "last": frozenset(last),
        "org": frozenset(curated),
        "nonname": frozenset(nonname),
        "street": frozenset(streets),
    }


def _fold(text: str) -> str:
    """Header words: camelCase split, accents and case folded, punctuation and digits apart."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).replace("ß", "ss").replace("ẞ", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


@cache
def _header_table() -> list[tuple[str, str, str]]:
    """(hint, mode, folded keyword) with mode '=' (whole header), '~' (whole words) or ''."""
    text = resources.files("normdesk.engine").joinpath("detect_data", "headers.json").read_text("utf-8")
    table = []
    for hint, keywords in json.loads(text).items():
        if hint.startswith("_"):
            continue
        for keyword in keywords:
            mode = keyword[0] if keyword[0] in "=~" else ""
            table.append((hint, mode, _fold(keyword.lstrip("=~"))))
    return table


@lru_cache(maxsize=4096)
def header_hint(header: str) -> str | None:
    """The hint of a header: ``email``, ``phone``, ``address``, ``name``, ``name:first``..., ``name?``
    (a bare "Name", often a business), ``not`` (a known non-contact column such as City or Company)
    or None (no hint, e.g. "Column 3")."""
    folded = _fold(header)
    words = folded.split()
    if not words:
        return None
    best: tuple[tuple[int, int, int], str] | None = None
    for hint, mode, keyword in _header_table():
        kw = keyword.split()
        if mode == "=":
            ends = [len(words) * 1000] if folded == keyword else []
        else:
            ends = [(i + len(kw) - 1) * 1000 + 999 for i in range(len(words) - len(kw) + 1)
                    if words[i : i + len(kw)] == kw]
            joined = keyword.replace(" ", "")
            if not ends and mode != "~" and len(joined) >= 5:
                ends = [i * 1000 + w.rfind(joined) + len(joined) for i, w in enumerate(words) if joined in w]
        if ends:
            rank = (max(ends), len(keyword), 0 if mode == "~" else 1)
            if best is None or rank > best[0]:
                best = (rank, hint)
    return best[1] if best else None


# -- content evidence ------------------------------------------------------------------------------


def _values(sample: pl.DataFrame) -> pl.DataFrame:
    """Long frame (column, v, rows) of the distinct trimmed values and how often each occurs;
    blanks and junk ("N/A", "-", "null") dropped. Scoring distinct values keeps one value repeated
    many times from outweighing the rest."""
    s = pl.col("raw").str.strip_chars()
    junk = s.str.to_lowercase().is_in(JUNK) | ~s.str.contains(r"[\p{L}\d]")
    return (
        sample.select(pl.all().cast(pl.Utf8))
        .unpivot(variable_name="column", value_name="raw")
        .select("column", v=pl.when(~junk).then(s))
        .drop_nulls("v")
        .group_by("column", "v", maintain_order=True)
        .agg(rows=pl.len())
    )


def _value_flags(values: pl.DataFrame) -> pl.DataFrame:
    """One row per value: what kind of value it looks like (booleans), for every type at once."""
    v = pl.col("v")
    main = v.str.replace(PHONE_EXT_RE, "")
    shaped = (
        main.str.contains(PHONE_SHAPE_RE)
        & main.str.count_matches(r"\d").is_between(7, 15)
        & ~main.str.contains(NOT_PHONE_RE)
    )
    numbered = v.str.contains(NUMBERED_RE)
    strong = (
        (numbered & (pl.col("streets") > 0)) | v.str.contains(EU_STREET_RE) | v.str.contains(PO_BOX_RE)
    )
    loose = (
        ~strong
        & (v.str.contains(LOOSE_STREET_RE) | (v.str.contains(NAME_NUMBER_RE) & v.str.contains(LONG_WORD_RE)))
        & ~v.str.contains(UNIT_RE)
        & ~v.str.contains(NOT_STREET_RE)
        & ~v.str.contains(PERIOD_RE)
    )
    bare = ~strong & ~loose & ~numbered & pl.col("street_last") & pl.col("words").is_between(2, 6)
    return pl.concat([values, _token_flags(values)], how="horizontal").with_columns(
        email=v.str.contains(EMAIL_RE),
        shaped=shaped,
        formatted=shaped & main.str.contains(PHONE_LAYOUT_RE),
        strong=strong,
        loose=loose,
        bare=bare,  # a street without a house number: "Brightside Ln"
        full=(strong | loose) & v.str.replace(COORDINATES_RE, "").str.strip_chars().str.contains(FULL_TAIL_RE),
        name_chars=v.str.contains(NAME_CHARS_RE),
        comma=v.str.contains(","),
        lead=v.str.extract(r"^(\d{1,4})\s+\D", 1).cast(pl.Int32, strict=False),  # "5 Very satisfied"
        tail_label=v.str.extract(r"^(\D+?)[\s#.]*\d+[a-z]?$", 1).str.to_lowercase(),  # "Estrato 3"
        calendar=v.str.contains(CALENDAR_RE),
        placey=v.str.contains(PLACE_WORD_RE),
    )


def _known(word: str, vocab: frozenset[str]) -> bool:
    """A word, or one part of a hyphenated word (Abou-Alfa, Jean-Pierre), is in ``vocab``."""
    return word in vocab or ("-" in word and any(part in vocab for part in word.split("-")))


def _token_flags(values: pl.DataFrame) -> pl.DataFrame:
    """Per value: its words, and how many are known first names, surnames, words of organisations,
    places and roles (``org``, hand-picked: they always count) and other non-name words (``non``,
    from Faker: they count only when no word of the value is a known name), and street types."""
    voc = _vocab()
    tokens = values.select(t=pl.col("v").str.to_lowercase().str.replace_all("’", "'").str.extract_all(TOKEN_RE))
    flat = tokens.with_row_index("i").explode("t", empty_as_null=True)
    words = flat["t"].drop_nulls().unique().to_list()
    lookup = pl.DataFrame(
        {
            "t": words,
            "first": [_known(w, voc["first"]) for w in words],
            "last": [_known(w, voc["last"]) for w in words],
            "org": [_known(w, voc["org"]) for w in words],
            "non": [_known(w, voc["nonname"]) for w in words],
            "street": [w in voc["street"] for w in words],
        },
        schema={"t": pl.Utf8, **{k: pl.Boolean for k in ("first", "last", "org", "non", "street")}},
    )
    flat = flat.join(lookup, on="t", how="left", maintain_order="left")
    first = pl.col("first").fill_null(False)
    return (
        flat.group_by("i", maintain_order=True)
        .agg(
            words=(pl.col("t").str.len_chars() > 1).sum(),
            initials=(pl.col("t").str.len_chars() == 1).sum(),
            first=pl.col("first").sum(),
            last=pl.col("last").sum(),
            org=pl.col("org").sum(),
            non=pl.col("non").sum(),
            t0=pl.col("t").first(),
            t0_first=first.first(),
            t0_last=pl.col("last").first().fill_null(False),
            t1_first=first.get(1, null_on_oob=True).fill_null(False),
            tn_first=first.last(),
            streets=pl.col("street").sum(),
            street_last=pl.col("street").last().fill_null(False),
        )
        .drop("i")
    )


def _column_stats(flags: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Counts per column of each kind of distinct value (all columns in one group_by)."""
    c = pl.col
    known = (c("first") + c("last")) > 0
    notname = c("name_chars") & ((c("org") > 0) | ((c("non") > 0) & ~known))
    clean = c("name_chars") & ~notname
    single = clean & (c("words") == 1) & (c("initials") <= 1)
    initial = clean & (c("words") == 0) & (c("initials") >= 1)
    multi = clean & c("words").is_between(2, 4)
    strong_full = multi & (c("t0_first") | (c("comma") & c("t1_first")) | (c("t0_last") & c("tn_first")))
    stats = flags.group_by("column", maintain_order=True).agg(
        n=pl.len(),
        rows=c("rows").sum(),
        email=c("email").sum(),
        shaped=c("shaped").sum(),
        formatted=c("formatted").sum(),
        strong=c("strong").sum(),
        loose=c("loose").sum(),
        bare=c("bare").sum(),
        full=c("full").sum(),
        nonname=notname.sum(),
        single=single.sum(),
        initial=initial.sum(),
        multi=multi.sum(),
        strong_full=strong_full.sum(),
        weak_full=(multi & ~strong_full & known).sum(),
        single_known=(single & known).sum(),
        single_first=(single & (c("first") > 0)).sum(),
        only_first=(single & (c("first") > 0) & (c("last") == 0)).sum(),
        only_last=(single & (c("last") > 0) & (c("first") == 0)).sum(),
        letters=c("t0").filter(initial).n_unique(),
        calendar=c("calendar").sum(),
        placey=c("placey").sum(),
        loose_small=(c("loose") & (c("lead") <= 20)).sum(),
        numbered=(c("strong") | c("loose")).filter(c("lead").is_not_null()).sum(),
        leads=c("lead").filter(c("strong") | c("loose")).drop_nulls().n_unique(),
        lead_min=c("lead").filter(c("strong") | c("loose")).min(),
        lead_max=c("lead").filter(c("strong") | c("loose")).max(),
        loose_year=(c("loose") & c("lead").is_between(1900, 2099)).sum(),
        loose_tail=(c("loose") & c("tail_label").is_not_null()).sum(),
        tail_labels=c("tail_label").filter(c("loose")).drop_nulls().n_unique(),
    )
    return {row.pop("column"): row for row in stats.iter_rows(named=True)}


def _phone_values(flags: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """Up to PHONE_SUBSAMPLE distinct phone-shaped values of each of ``columns``."""
    if not columns:
        return {}
    distinct = (
        flags.filter(pl.col("shaped") & pl.col("column").is_in(columns))
        .group_by("column", maintain_order=True)
        .agg(pl.col("v").unique(maintain_order=True).head(PHONE_SUBSAMPLE))
    )
    return dict(distinct.iter_rows())


def _phone_rate(values: list[str], region: str | None) -> float:
    """Share of valid phone numbers; with the file's country, the better of it and the usual grading."""
    rate = sum(map(_phone_grade, values)) / len(values)
    if region and region != "US":
        rate = max(rate, phone_share(values, region))
    return rate


@lru_cache(maxsize=65536)
def _phone_grade(text: str) -> float:
    """1 for a valid number (US, its own country code, or a national form of a few countries),
    0.5 for a possible one (a US local number without its area code), else 0."""
    digits = re.sub(r"\D", "", re.sub(PHONE_EXT_RE, "", text))
    if text.startswith(("+", "00")):
        regions: tuple[str | None, ...] = (None,)
        text = "+" + text[2:] if text.startswith("00") else text
    elif digits.startswith("0"):
        regions = TRUNK_REGIONS
    else:
        regions = ("US", *NINE_DIGIT_REGIONS) if len(digits) == 9 else ("US",)
    possible = False
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return 1.0
        possible = possible or (region == "US" and phonenumbers.is_possible_number(number))
    return 0.5 if possible else 0.0


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _candidates(st: dict[str, float], phone_rate: float) -> list[_Candidate]:
    """Content score (0..1, may go below 0 with counter-evidence) of each type for one column."""
    n = st["n"]
    of = f"of {n} distinct values sampled"
    out = [_Candidate(ColumnType.EMAIL, st["email"] / n, None, f"{_pct(st['email'] / n)} {of} are email addresses")]

    phones = st["shaped"] / n * phone_rate
    formatted = st["formatted"] / st["shaped"] if st["shaped"] else 0.0
    # digit strings not laid out like phone numbers are often ids, many of which pass as phone
    # numbers by chance: alone they stay below the threshold, a phone header settles it
    bare_rate = BARE_DIGITS_CAP * max(0.0, 2 * phone_rate - 1)
    laid_out_rate = 0.3 + 0.7 * phone_rate  # laid out like phone numbers: invalid ones are still phones
    score = st["shaped"] / n * (formatted * laid_out_rate + (1 - formatted) * bare_rate)
    out.append(_Candidate(ColumnType.PHONE, score, None, f"{_pct(phones)} {of} are valid phone numbers"))

    coded = _coded(st)
    strong = st["strong"] - max(0.0, coded - st["loose"])  # a scale may hold "street words"
    loose = st["loose"] - min(coded, st["loose"])
    streets = strong + loose + st["bare"]
    full = st["full"] / streets if streets else 0.0
    part = None if full >= 0.5 else AddressPart.STREET.value
    kind = "full addresses (street, city, postcode)" if part is None else "street addresses"
    out.append(_Candidate(ColumnType.ADDRESS, (strong + 0.7 * loose + 0.4 * st["bare"]) / n, part,
                          f"{_pct(streets / n)} {of} look like {kind}"))

    out.append(_name_candidate(st, of))
    return out


def _scale(st: dict[str, float]) -> bool:
    """The values are numbered 0/1, 2, 3... k, one value each: a scale or a list of codes, whatever
    the words (``3 Upper middle`` has a street word)."""
    k = st["numbered"]
    return (3 <= k <= 20 and st["leads"] == k and st["lead_min"] in (0, 1)
            and st["lead_max"] - st["lead_min"] + 1 == k)


def _coded(st: dict[str, float]) -> float:
    """How many "number words" values are codes, not streets: the numbers of a scale or coded
    category ("5 Very satisfied", "2 Middle income": all small), years ("2019 Spring"), or one
    word numbered ("Estrato 1", "Estrato 2")."""
    loose = st["loose"]
    if _scale(st):
        return float(st["numbered"])
    if loose < 3:
        return 0.0
    coded = 0.0
    if st["loose_small"] >= 0.8 * loose:
        coded += st["loose_small"]
    elif st["loose_year"] >= 0.8 * loose:
        coded += st["loose_year"]
    if st["loose_tail"] >= 3 and st["tail_labels"] <= max(1.0, st["loose_tail"] / 3):
        coded += st["loose_tail"]
    return min(loose, coded)


def _name_candidate(st: dict[str, float], of: str) -> _Candidate:
    n, rows = st["n"], st["rows"]
    # counter-evidence: words of companies, jobs, places; month and day names; place-name endings
    # (Northfield, Oakwood) beyond what surnames have; a few values repeated (a category, not people)
    penalty = max(0.0, st["nonname"] / n - 0.05) * 2 + 2 * st["calendar"] / n
    penalty += 2 * max(0.0, st["placey"] / n - 0.15)
    if n == 1 and rows >= 5:
        penalty += 0.6
    elif n <= 3 and rows >= 20 * n:
        penalty += 0.3
    single, initial, multi = st["single"] / n, st["initial"] / n, st["multi"] / n
    if multi >= 0.5 and multi >= single:
        share = (st["strong_full"] + 0.6 * st["weak_full"]) / n
        unknown = multi - (st["strong_full"] + st["weak_full"]) / n  # words of no list: rare names, or not names
        rest = f", {_pct(unknown)} are 2-4 words found in no list" if unknown >= 0.1 else ""
        return _Candidate(ColumnType.NAME, share + 0.2 * unknown - penalty, None,
                          f"{_pct(share)} {of} look like full person names{rest}")
    if initial >= 0.25 and initial + single >= 0.6:
        share = initial + st["single_first"] / n
        varied = 1.0 if st["letters"] >= 6 else 0.5  # Y/N, M/F codes use few letters
        return _Candidate(ColumnType.NAME, 0.6 * share * varied - penalty, NamePart.MIDDLE.value,
                          f"{_pct(initial)} {of} are initials, the others mostly given names")
    part = NamePart.FIRST if st["only_first"] > st["only_last"] else NamePart.LAST
    known = st["single_known"] / n
    score = known + 0.3 * (single - known)  # unknown single words: rarer names, or no names at all
    noun = "first names" if part is NamePart.FIRST else "surnames"
    return _Candidate(ColumnType.NAME, score - penalty, part.value, f"{_pct(known)} {of} are known {noun} or given names")


# -- decision ---------------------------------------------------------------------------------------


def _hint_words(hint: str) -> str:
    if hint == "not":
        return "is not a contact type"
    kind, _, part = hint.rstrip("?").partition(":")
    return f"suggests {kind}" + (f" ({part})" if part else "")


def _fits(hint_type: str, st: dict[str, float]) -> bool:
    """Whether the values have the shape of the type a header announces (few or rare values of
    the right shape: two unknown surnames under "Last Name", one phone number under "Phone")."""
    n = st["n"]
    if hint_type == "name":
        return (st["single"] + st["initial"] + st["multi"]) / n >= 0.6 and st["nonname"] / n <= 0.2
    if hint_type == "phone":
        return st["shaped"] / n >= 0.5
    if hint_type == "address":
        return (st["strong"] + st["loose"] + st["bare"]) / n >= 0.4
    return hint_type == "email" and st["email"] / n >= 0.3


def _decide(name: str, st: dict[str, float] | None, phone_rate: float) -> ColumnDetection:
    hint = header_hint(name)
    hint_type, _, hint_part = (hint or "").rstrip("?").partition(":")
    header = f"header '{name}' {_hint_words(hint)}" if hint else ""
    if st is None:
        if hint_type in ("email", "phone", "address", "name"):
            return ColumnDetection(name, ColumnType(hint_type), 0.35,
                                   f"no values to sample (all empty or placeholders); {header}", hint_part or None)
        return ColumnDetection(name, ColumnType.UNKNOWN, 0.5, "no values to sample (all empty or placeholders)")

    fits = _fits(hint_type, st)

    def total(cand: _Candidate) -> float:
        if hint_type == cand.type.value:
            weight = COMPATIBLE_HEADER_WEIGHT if fits else HEADER_WEIGHT
            return cand.score + (GENERIC_HEADER_WEIGHT if hint == "name?" else weight)
        if hint == "not" and cand.type is not ColumnType.EMAIL:
            return cand.score - HEADER_WEIGHT
        return cand.score

    shrink = st["n"] / (st["n"] + 1.5)  # one or two values are weak evidence
    cands = [_Candidate(c.type, c.score * shrink, c.part, c.evidence) for c in _candidates(st, phone_rate)]
    best = max(cands, key=total)
    score = total(best)
    if score < THRESHOLD:
        reason = "no contact type fits"
        if best.score > 0.25:  # worth naming: a near miss the user may want to override
            reason += f": closest is {best.type.value}, {best.evidence}"
        return ColumnDetection(name, ColumnType.UNKNOWN, round(min(1.0, max(0.5, 1 - score)), 2),
                               reason + (f"; {header}" if header else ""))
    part = best.part
    if best.type.value == hint_type and hint_part:
        part = hint_part
    evidence = best.evidence
    if header:
        agrees = hint_type == best.type.value or hint == "not"
        evidence += f"; {header}" if agrees else f"; header '{name}' {_hint_words(hint)}, but the content disagrees"
    return ColumnDetection(name, best.type, round(min(1.0, max(0.0, score)), 2), evidence, part)


def detect_sample(sample: pl.DataFrame) -> tuple[list[ColumnDetection], CountryGuess]:
    """Detect every column of ``sample`` (all-Utf8 columns, the header as column names), and the
    file's country (phone numbers are judged in it too)."""
    if not sample.width:
        return [], NO_COUNTRY
    values = _values(sample)
    flags = _value_flags(values)
    stats = _column_stats(flags)
    phones = _phone_values(flags, [col for col, st in stats.items() if st["shaped"] >= 0.3 * st["n"]])
    # phones laid out as such, or under a phone header, say where they are from (ids do not)
    laid_out = {col: vals for col, vals in phones.items()
                if stats[col]["formatted"] >= 0.5 * stats[col]["shaped"] or header_hint(col) == "phone"}
    us_rates = {col: _phone_rate(vals, None) for col, vals in phones.items()}
    country = infer_country(values, laid_out, us_rates)
    rates = {col: _phone_rate(vals, country.code) if country.code not in (None, "US") else us_rates[col]
             for col, vals in phones.items()}
    columns = [_decide(col, stats.get(col), rates.get(col, 0.0)) for col in sample.columns]
    return assign_groups(sample, columns), country


def detect_columns(sample: pl.DataFrame) -> list[ColumnDetection]:
    """Detect every column of ``sample`` (see ``detect_sample``)."""
    return detect_sample(sample)[0]
