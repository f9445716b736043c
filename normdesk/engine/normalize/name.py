"""Person names: parse, fix casing, fold accents, normalize titles and suffixes.

Two paths give the same answer:

* the fast path, polars expressions over the whole chunk, takes the common shapes
  ("First Last", "First M. Middle Last", "LAST, First M.") when every word is a plain ASCII
  word (or a one-letter initial) that none of nameparser's vocabularies (titles, suffixes,
  prefixes, conjunctions...) nor ours (placeholders, company words, particles, roman numerals)
  knows: there nameparser's answer is positional, so polars can give it;
* the slow path, ``parse_name``, runs nameparser plus our casing rules on each distinct
  remaining value (``map_distinct``).

tests/test_normalize_name.py proves the fast path equal to the slow path on generated names.

Casing: a word is kept as written when it starts with a capital, has a small letter and no
run of three capitals ("McKenzie", "DeShawn", "O'Brien"); any other word is re-cased:
first letter capital, then Mc + capital (McDonald), Mac + capital only for a list of Mac
surnames (MacDonald, but Macy, Mack, Machado), a capital after a one-letter apostrophe prefix
(O'Brien, D'Angelo), each hyphen part capitalized (Jean-Luc), particles inside a last name in
small letters (van der Berg, de la Cruz). One-letter first or middle names are initials: "Q.".

Two-word surnames without a hyphen ("Ana Ruiz Delgado" -> last "Ruiz Delgado"): in the
"First [Middle...] Last" order, a middle word moves into the last name when it is a Spanish
surname that is neither a given name nor a Portuguese surname (``data/spanish_surnames.txt``,
built by benchmarks/build_name_vocab.py; Portuguese names put the family name last) and the last
word is a known surname (detect_data/last_names.txt); repeated from the right, with the particles
before it ("Ana Maria Ruiz Delgado": middle "Maria"). The "Last, First" order is left as written:
there the writer put the surname before the comma.

Given names that nameparser takes for titles: in a two-word name read as title + last name,
``GIVEN_NAME_TITLES`` (titles that are given names in the 1990 US Census first-name lists:
"Royal Brown", "Prince Jackson") are the first name. When nameparser found a first name
("King Henry", "Queen Latifah") the title stays.

Invalid (kept as is, with a reason): no letters, digits inside a name part ("J0hn"; "3rd" is
read as the suffix III), an email or web address, characters no name holds (# / @ ; ...),
a company (Inc, LLC, Ltd, Corp, GmbH...), two people ("&", "and"), more than 8 words, only a
title or suffix, and placeholders ("N/A", "unknown", "none", "null", "test"...). Placeholders
are invalid rather than empty: the cell is not blank, so the value stays and the user sees
it flagged instead of having "N/A" silently dropped or turned into a person.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from typing import ClassVar

import polars as pl
from nameparser import HumanName
from nameparser.config import Constants

from normdesk.engine.normalize.base import REASON, VALUE, Normalizer, map_distinct, valid_rows, word_list
from normdesk.engine.types import ColumnType

COMPONENTS = ("title", "first", "middle", "last", "suffix")
_FIELDS = (VALUE, *COMPONENTS, REASON)
MAX_WORDS = 8

# Our own nameparser configuration: the library's module-level CONSTANTS stay untouched.
PARSER_CONFIG = Constants()

PLACEHOLDERS = frozenset(
    "n/a|n a|na|none|null|nil|unknown|unk|not known|not available|not applicable|tbd|tba|"
    "test|testing|test test|test user|anonymous|anon|noname|no name|name|full name|first last|"
    "firstname lastname|blank|empty|missing|undefined|x|xx|xxx|asdf".split("|")
)
COMPANY_WORDS = frozenset(
    "inc incorporated llc lllp llp lp pllc ltd limited corp corporation gmbh plc company "
    "co-op coop".split()
)
PARTICLES = frozenset(
    "van von der den de del della dela dei degli di da das dos do du des la las le les lo "
    "ten ter te vom zu zum zur y e bin binti ibn bint al el af av op het 't st".split()
)
# Surnames written MacX; any other Mac... word is capitalized only once (Macy, Mack, Machado).
MAC_SURNAMES = frozenset(
    """macdonald macarthur macleod macmillan macgregor macintyre macneil macneill macdougall
    maclean maclachlan macaulay maccormick macfarlane macgillivray macpherson macrae macqueen
    macdowell maclaren macnamara macbride maccallum macdonnell macinnes mackinnon mackintosh
    macallister maccarthy macdermott macewan macfadden macgowan mackay maclennan macmahon
    macnaughton macnair""".split()
)
TITLES = {
    "mr": "Mr.", "mister": "Mr.", "mrs": "Mrs.", "ms": "Ms.", "miss": "Miss", "mx": "Mx.",
    "dr": "Dr.", "doctor": "Dr.", "prof": "Prof.", "professor": "Prof.", "rev": "Rev.",
    "reverend": "Rev.", "hon": "Hon.", "honorable": "Hon.", "fr": "Fr.", "capt": "Capt.",
    "captain": "Capt.", "sgt": "Sgt.", "sergeant": "Sgt.", "lt": "Lt.", "col": "Col.",
    "gen": "Gen.", "maj": "Maj.", "cpt": "Capt.", "gov": "Gov.", "sen": "Sen.",
    "rep": "Rep.", "pres": "Pres.", "supt": "Supt.", "insp": "Insp.", "atty": "Atty.",
    "mme": "Mme", "mlle": "Mlle", "sra": "Sra.", "srta": "Srta.",
}
SUFFIXES = {
    "jr": "Jr.", "junior": "Jr.", "jnr": "Jr.", "sr": "Sr.", "senior": "Sr.", "snr": "Sr.",
    "esq": "Esq.", "esquire": "Esq.", "phd": "PhD", "md": "MD", "dds": "DDS", "dmd": "DMD",
    "edd": "EdD", "psyd": "PsyD", "dphil": "DPhil", "ret": "Ret.", "mba": "MBA", "do": "DO",
    "1st": "I", "2nd": "II", "3rd": "III", "4th": "IV", "5th": "V", "6th": "VI",
    "7th": "VII", "8th": "VIII", "9th": "IX",
}
# nameparser titles that are given names in the US Census 1990 first-name lists (dist.male.first,
# dist.female.first; "wm", "miss" and "lady" left out: an abbreviation and forms of address).
GIVEN_NAME_TITLES = frozenset("junior king marquis prince princess queen royal".split())


SPANISH_SURNAMES = word_list("normdesk.engine.normalize", "data/spanish_surnames.txt")
KNOWN_SURNAMES = word_list("normdesk.engine", "detect_data/last_names.txt")
KNOWN_GIVEN = word_list("normdesk.engine", "detect_data/first_names.txt")
_ROMAN = re.compile(r"^(?=[ivxlcdm])m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ORDINAL = re.compile(r"(?<![\w.])([1-9])(st|nd|rd|th)\b", re.I)
_WS = re.compile(r"\s+")
_COMMA = re.compile(r" ?, ?")
_EMAIL = re.compile(r"\S@\S")
_URL = re.compile(r"(?i)(?:https?://|www\.|\.(?:com|org|net|edu|gov|io|co\.uk)\b)")
_BAD_CHAR = re.compile(r"[^\w\s.,'’\-\"()]|_")
_FOLD = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "œ": "oe",
                       "Œ": "Oe", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th",
                       "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i", "’": "'"})


def _vocabulary() -> frozenset[str]:
    """Every word that makes a name leave the fast path (lower case, without dots)."""
    words: set[str] = set()
    for attr in ("titles", "suffix_acronyms", "suffix_not_acronyms", "prefixes", "conjunctions",
                 "first_name_titles", "bound_first_names", "non_first_name_prefixes",
                 "suffix_acronyms_ambiguous"):
        words.update(w.replace(".", "") for w in getattr(PARSER_CONFIG, attr, ()))
    words.update(w.replace(".", "") for w in PLACEHOLDERS | COMPANY_WORDS | PARTICLES)
    words.update(TITLES, SUFFIXES, MAC_SURNAMES)  # Mac surnames: the fast path skips the rule
    words.update(("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"))  # nameparser's roman numerals
    return frozenset(w for w in words if w.isascii() and w.isalpha())


SLOW_WORDS = _vocabulary()
_SLOW_LIST = sorted(SLOW_WORDS)
_SPANISH_LIST = sorted(SPANISH_SURNAMES)


# -- slow path: one value at a time ---------------------------------------------------------
def fold_accents(text: str) -> str:
    """José -> Jose, Müller -> Muller, Łukasz -> Lukasz (non-Latin letters stay)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _well_cased(word: str) -> bool:
    """Written on purpose: capital first, a small letter, no run of three capitals."""
    if not word[:1].isupper() or not any(c.islower() for c in word):
        return False
    run = 0
    for c in word:
        run = run + 1 if c.isupper() else 0
        if run >= 3:
            return False
    return True


def _cap_part(low: str, surname: bool) -> str:
    """Capitalize one lower-case hyphen-free part of a word."""
    if len(low) > 2 and low[1] == "'" and low[0].isalpha():  # o'brien, d'angelo
        return low[0].upper() + "'" + _cap_part(low[2:], surname)
    if low.startswith("mc") and len(low) > 2:
        return "Mc" + low[2].upper() + low[3:]
    if surname and low in MAC_SURNAMES:
        return "Mac" + low[3].upper() + low[4:]
    return low[:1].upper() + low[1:]


def case_word(word: str, surname: bool = False, particle: bool = False, initial: bool = False) -> str:
    """Casing of one word; ``particle``: a non-final word of a last name; ``initial``: first/middle."""
    if len(word.rstrip(".")) == 1 and word[0].isalpha():
        return word[0].upper() + ("." if initial or word.endswith(".") else "")
    if re.fullmatch(r"(?:\w\.)+\w?", word):  # J.R., A.B.C.
        return word.upper()
    if _well_cased(word):
        return word
    low = word.lower()
    if particle and low in PARTICLES:
        return low
    return "-".join(_cap_part(p, surname) for p in low.split("-"))


def _case_words(words: list[str], role: str) -> str:
    n = len(words)
    return " ".join(
        case_word(w, surname=role == "last", particle=role == "last" and i < n - 1,
                  initial=role in ("first", "middle"))
        for i, w in enumerate(words)
    )


def _case_part(words: list[str], role: str) -> str:
    """A first, middle or last name column: suffixes after the first word get one spelling."""
    n = len(words)
    return " ".join(
        canonical_word(w, SUFFIXES, ()) if i and _is_suffix(w)
        else case_word(w, surname=role == "last", particle=role == "last" and i < n - 1,
                       initial=role != "last")
        for i, w in enumerate(words)
    )


def canonical_word(word: str, table: dict[str, str], acronyms: frozenset[str] | set[str]) -> str:
    key = word.lower().replace(".", "")
    if key in table:
        return table[key]
    if _ROMAN.match(key):
        return key.upper()
    if key in acronyms:
        return key.upper()
    return word if _well_cased(word) else word[:1].upper() + word[1:].lower()


def _is_suffix(word: str) -> bool:
    key = word.lower().replace(".", "")
    return key in SUFFIXES or key in ("ii", "iii", "iv")


def _precheck(text: str) -> str | None:
    """The reason a cleaned value is not a person's name, or None."""
    if not any(c.isalpha() for c in text):
        return "no letters"
    if _EMAIL.search(text):
        return "an email address, not a name"
    if _URL.search(text):
        return "a web address, not a name"
    key = _WS.sub(" ", text.lower().replace(".", " ").replace("/", " ")).strip()
    if text.lower() in PLACEHOLDERS or key in PLACEHOLDERS:
        return "a placeholder, not a name"
    words = text.lower().replace(",", " ").replace(".", "").split()
    if any(w in COMPANY_WORDS for w in words):
        return "looks like a company, not a person"
    if "&" in words or "and" in words:
        return "names more than one person"
    bad = _BAD_CHAR.search(text)
    if bad:
        return f"unexpected character {bad.group()!r} in a name"
    if len(words) > MAX_WORDS:
        return f"too many words ({len(words)}) for one person's name"
    return None


def clean(text: str, preserve_accents: bool) -> str:
    """One space between words, ", " after commas, accents folded unless preserved."""
    text = _COMMA.sub(", ", _WS.sub(" ", text).strip())
    return text if preserve_accents else fold_accents(text)


def parse_name(text: str, part: str | None = None, preserve_accents: bool = False) -> tuple[str | None, ...]:
    """The slow path: ``(value, title, first, middle, last, suffix, reason)`` for one value.

    ``part`` None parses a full name; "first", "middle" or "last" only cleans that part.
    Invalid values give ``reason`` and None elsewhere; absent components are None.
    """
    text = clean(text, preserve_accents)
    reason = _precheck(text)
    if reason:
        return (None,) * 6 + (reason,)
    text = _ORDINAL.sub(lambda m: SUFFIXES[m.group(0).lower()], text)
    if part is not None:
        words = text.replace(",", " ").split()
        if any(c.isdigit() for c in text):
            return (None,) * 6 + ("digits inside a name",)
        return (_case_part(words, part),) + (None,) * 6
    name = HumanName(text, constants=PARSER_CONFIG)
    pieces = {
        role: " ".join(getattr(name, f"{role}_list")).split()
        for role in ("title", "first", "middle", "last", "suffix", "nickname")
    }
    if any(c.isdigit() for role in ("title", "first", "middle", "last", "nickname")
           for w in pieces[role] for c in w):
        return (None,) * 6 + ("digits inside a name",)
    if not pieces["first"] and not pieces["last"]:
        return (None,) * 6 + ("only a title or suffix, no name",)
    _given_name_title(pieces)
    if not _last_name_first(text):
        _compound_surname(pieces)
    suffix_acronyms = PARSER_CONFIG.suffix_acronyms
    title = " ".join(canonical_word(w, TITLES, ()) for w in pieces["title"])
    suffix = " ".join(canonical_word(w.strip(","), SUFFIXES, suffix_acronyms)
                      for w in pieces["suffix"] if w.strip(","))
    first = _case_words(pieces["first"], "first")
    middle = _case_words(pieces["middle"], "middle")
    last = _case_words(pieces["last"], "last")
    nickname = _case_words(pieces["nickname"], "nickname")
    value = " ".join(p for p in (title, first, nickname and f'"{nickname}"', middle, last, suffix) if p)
    return (value, title or None, first or None, middle or None, last or None, suffix or None, None)


def _key(word: str) -> str:
    return fold_accents(word).lower().replace(".", "")


def _given_name_title(pieces: dict[str, list[str]]) -> None:
    """"Royal Brown": a title that is a given name, read with no first name, is the first name."""
    title = pieces["title"]
    if (len(title) == 1 and not pieces["first"] and not pieces["middle"] and len(pieces["last"]) == 1
            and not title[0].endswith(".") and _key(title[0]) in GIVEN_NAME_TITLES):
        pieces.update(title=[], first=title)


def _last_name_first(text: str) -> bool:
    """"Ruiz, Ana": a comma that is not only before a suffix ("Ana Ruiz, Jr.")."""
    _, comma, after = text.partition(",")
    return bool(comma) and not all(_is_suffix(w.strip(",")) for w in after.split())


def _compound_surname(pieces: dict[str, list[str]]) -> None:
    """"Ana Ruiz Delgado": trailing middle words that are surnames only join the last name."""
    middle, last = pieces["middle"], pieces["last"]
    if not last or _key(last[-1]) not in KNOWN_SURNAMES:
        return
    while middle and _key(middle[-1]) in SPANISH_SURNAMES:
        last.insert(0, middle.pop())
        while middle and _key(middle[-1]) in PARTICLES:
            last.insert(0, middle.pop())


# -- fast path: polars over the whole chunk ------------------------------------------------
# Plain words and initials, plus at most one leading title and one trailing suffix from short
# lists (nameparser knows them all): "Dr. John Q. Smith, Jr.", "SMITH, Mr. John Q. PhD".
_FAST_TITLES = ("mr", "mrs", "ms", "dr", "prof")
_FAST_SUFFIXES = ("jr", "sr", "ii", "iii", "iv", "phd", "md")
_WORD = r"[A-Za-z]+"
_GIVEN = r"(?:[A-Za-z]+|[A-Za-z]\.)"
_TITLE = rf"(?P<title>(?i:{'|'.join(_FAST_TITLES)})\.?)"
_SUFFIX = rf"(?P<suffix>(?i:{'|'.join(_FAST_SUFFIXES)})\.?)"
# one word; or title? given+ last (,? suffix)? -- a title or suffix needs two plain words;
# given+ is lazy so that a trailing suffix is read as one
_FAST_PLAIN = rf"^(?P<given>{_WORD})$"
_FAST_FORWARD = rf"^(?:{_TITLE} )?(?P<given>{_GIVEN}(?: {_GIVEN})*?) (?P<last>{_WORD})(?:,? {_SUFFIX})?$"
_FAST_COMMA = rf"^(?P<last>{_WORD}(?: {_WORD})*), (?:{_TITLE} )?(?P<given>{_GIVEN}(?: {_GIVEN})*?)(?:,? {_SUFFIX})?$"
_FAST_PART = rf"^{_WORD}(?: {_WORD})*$"
_WELL_CASED = r"^[A-Z][A-Z]?[a-z]+(?:[A-Z]{1,2}[a-z]+)*[A-Z]{0,2}$"  # _well_cased on ASCII


def _case_expr(word: pl.Expr, initial: bool) -> pl.Expr:
    """``case_word`` for a plain ASCII word or one-letter initial (Mac surnames never get here)."""
    letter = word.str.slice(0, 1).str.to_uppercase()
    dot = pl.lit(".") if initial else pl.when(word.str.ends_with(".")).then(pl.lit(".")).otherwise(pl.lit(""))
    recased = (  # "mcdonald" -> "mc donald" -> "Mc Donald" -> "McDonald"
        word.str.to_lowercase().str.replace(r"^mc([a-z])", "mc $1").str.to_titlecase()
        .str.replace(" ", "", literal=True)
    )
    return (
        pl.when(word.str.contains(r"^[A-Za-z]\.?$")).then(letter + dot)
        .when(word.str.contains(_WELL_CASED)).then(word)
        .otherwise(recased)
    )


def _case_list(words: pl.Expr, initial: bool) -> pl.Expr:
    """Case each word of a list column and join with spaces; null when the list is empty."""
    joined = words.list.eval(_case_expr(pl.element(), initial)).list.join(" ")
    return pl.when(words.list.len() > 0).then(joined)


def _plain(words: pl.Expr) -> pl.Expr:
    """No word of the list is in SLOW_WORDS, except initials with a dot ("E.", "V."): nameparser
    never reads those as conjunctions, suffixes or roman numerals."""
    word = pl.element()
    return ~words.list.eval(word.str.to_lowercase().is_in(_SLOW_LIST) & ~word.str.ends_with(".")).list.any()


def _fast_frame(cleaned: pl.Series, part: str | None) -> pl.DataFrame:
    """Columns ok (the fast path decides), value and the components, for every row."""
    frame = cleaned.rename("c").to_frame()
    if part is not None:
        words = pl.col("c").str.split(" ")
        ok = pl.col("c").str.contains(_FAST_PART) & _plain(words) & (words.list.len() <= MAX_WORDS)
        return frame.select(ok.fill_null(False).alias("ok"), _case_list(words, part != "last").alias(VALUE))
    forward = pl.col("c").str.extract_groups(_FAST_FORWARD)
    comma = pl.col("c").str.extract_groups(_FAST_COMMA)
    single = pl.col("c").str.extract_groups(_FAST_PLAIN)
    parts = frame.select(
        pl.coalesce(forward.struct["given"], comma.struct["given"], single.struct["given"]).str.split(" ").alias("given"),
        pl.coalesce(forward.struct["last"], comma.struct["last"]).str.split(" ").alias("last"),
        pl.when(forward.struct["given"].is_not_null()).then(forward).otherwise(comma).alias("deco"),
        (pl.col("c").str.count_matches(" ") < MAX_WORDS).alias("short"),
        forward.struct["given"].is_not_null().alias("forward"),
    )
    roots = pl.concat_list(pl.col("given"), pl.col("last").fill_null([]))
    # "First Surname Last" may hold a two-word surname: the slow path decides (_compound_surname)
    compound = pl.col("forward") & pl.col("given").list.slice(1).list.eval(
        pl.element().str.to_lowercase().is_in(_SPANISH_LIST)).list.any()
    return parts.select(
        (pl.col("given").is_not_null() & pl.col("short") & _plain(roots) & ~compound).fill_null(False).alias("ok"),
        pl.col("deco").struct["title"].str.to_lowercase().str.strip_chars_end(".")
        .replace_strict(TITLES, default=None).alias("title"),
        _case_list(pl.col("given").list.slice(0, 1), True).alias("first"),
        _case_list(pl.col("given").list.slice(1), True).alias("middle"),
        _case_list(pl.col("last"), False).alias("last"),
        pl.col("deco").struct["suffix"].str.to_lowercase().str.strip_chars_end(".")
        .replace_strict({**SUFFIXES, "ii": "II", "iii": "III", "iv": "IV"}, default=None).alias("suffix"),
    ).select(
        "ok",
        pl.concat_str(*COMPONENTS, separator=" ", ignore_nulls=True).alias(VALUE),
        *COMPONENTS,
    )


def _clean_expr(stripped: pl.Series, preserve_accents: bool) -> pl.Series:
    """``clean`` as polars expressions."""
    out = stripped.str.replace_all(r"\s+", " ").str.strip_chars().str.replace_all(" ?, ?", ", ")
    if not preserve_accents:
        out = out.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")
    return out


class NameNormalizer(Normalizer):
    """Person names: full names split into title/first/middle/last/suffix, or one part."""

    type: ClassVar[ColumnType] = ColumnType.NAME
    fast_path: bool = True  # False sends every value through ``parse_name`` (tests, benchmarks)

    def components(self) -> tuple[str, ...]:
        return COMPONENTS if self.part is None else ()

    def _normalize(self, stripped: pl.Series) -> pl.DataFrame:
        fields = _FIELDS if self.part is None else (VALUE, REASON)
        compute = partial(parse_name, part=self.part, preserve_accents=self.options.preserve_accents)
        if not self.fast_path:
            return map_distinct(stripped, compute, _FIELDS, self.cache).select(fields)
        fast = _fast_frame(_clean_expr(stripped, self.options.preserve_accents), self.part)
        ok = fast["ok"]
        rest = pl.select(pl.when(pl.lit(ok)).then(None).otherwise(pl.lit(stripped))).to_series()
        slow = map_distinct(rest, compute, _FIELDS, self.cache)
        return slow.select(
            *[pl.when(pl.lit(ok)).then(pl.lit(fast[f])).otherwise(pl.col(f)).alias(f)
              for f in fields if f != REASON],
            pl.when(pl.lit(ok)).then(None).otherwise(pl.col(REASON)).alias(REASON),
        )

    def facets(self, result: pl.DataFrame) -> dict[str, pl.Series]:
        if self.part is not None:
            return {}
        valid = valid_rows(result)
        present = [pl.when(pl.col(c).is_not_null()).then(pl.lit(c)) for c in COMPONENTS]
        return {
            "parts present": valid.select(pl.concat_list(present).explode()).to_series(),
            "title": valid.get_column("title"),
            "suffix": valid.get_column("suffix"),
        }
