"""Column profiles: what a column holds, accumulated chunk by chunk in the normalizing pass.

Every accumulator is computed from one ``value_counts`` of the chunk's column (polars, no per-row
Python), is bounded in size whatever the file, and merges: a profile built chunk by chunk in
worker processes, merged in the parent in file order, equals one built over the whole file.
``to_dict(state=True)`` keeps everything a checkpoint needs to resume; ``to_dict()`` is the
readable summary for reports and job records.

- ``Counts``: a frequency table capped at ``TOP_CAP`` entries (ties broken by value); what falls
  off is kept as one ``other`` count, so the counts always add up to the rows counted.
- Patterns and type facets, the costly parts, are counted exactly up to ``SAMPLE_DISTINCT``
  distinct values (``FACET_ROWS`` rows) per chunk and estimated from a sample beyond, said so.
- ``DistinctSketch``: the ``DISTINCT_K`` smallest 64-bit hashes of the values (a K-minimum-values
  sketch): the exact number of distinct values up to ``DISTINCT_K``, an estimate beyond (about
  1.6% relative error), said so by ``exact``.
"""

from __future__ import annotations

import base64
import string
import sys
from array import array
from dataclasses import dataclass, field
from typing import Any

import polars as pl

TOP_CAP = 200  # entries kept per frequency table
DISTINCT_K = 4096  # hashes kept per column: exact distinct count up to this many values
MAX_LENGTH_BIN = 64  # value lengths above this are counted together
PATTERN_CHARS = 40  # patterns are cut after this many characters
SAMPLE_DISTINCT = 2000  # patterns of at most this many distinct values per chunk (a uniform sample)
FACET_ROWS = 2000  # type facets of at most this many rows per chunk (every n-th row)
_HASH_SPACE = 2.0**64


@dataclass(slots=True)
class Counts:
    """Value -> count, the ``TOP_CAP`` largest kept; ``other`` counts the rest. ``estimated``: some
    counts were scaled up from a sample (see ``SAMPLE_DISTINCT`` and ``FACET_ROWS``)."""

    items: dict[str, int] = field(default_factory=dict)
    other: int = 0
    estimated: bool = False

    def add(self, keys: list[str], counts: list[int]) -> None:
        items = self.items
        for key, count in zip(keys, counts):
            items[key] = items.get(key, 0) + count
        if len(items) > TOP_CAP:
            ranked = sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))
            self.other += sum(count for _, count in ranked[TOP_CAP:])
            self.items = dict(ranked[:TOP_CAP])

    def add_frame(self, frame: pl.DataFrame, scale: float = 1.0) -> None:
        """A frame of (key, count) columns; only its ``TOP_CAP`` largest are kept by name. With
        ``scale`` (a sample's counts), the counts are scaled up and marked estimated."""
        key, count = frame.columns
        if scale != 1.0:
            frame = frame.with_columns((pl.col(count) * scale).round().cast(pl.Int64))
            self.estimated = True
        head = frame.top_k(TOP_CAP, by=[count, key], reverse=[False, True])
        self.other += int(frame.get_column(count).sum()) - int(head.get_column(count).sum())
        self.add([str(k) for k in head.get_column(key).to_list()], head.get_column(count).to_list())

    def merge(self, other: Counts) -> None:
        self.other += other.other
        self.estimated = self.estimated or other.estimated
        self.add(list(other.items), list(other.items.values()))

    def total(self) -> int:
        return sum(self.items.values()) + self.other

    def top(self, n: int = 10) -> list[tuple[str, int]]:
        return sorted(self.items.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def to_dict(self) -> dict[str, Any]:
        return {"items": dict(self.top(TOP_CAP)), "other": self.other, "estimated": self.estimated}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counts:
        return cls(dict(data.get("items", {})), int(data.get("other", 0)), bool(data.get("estimated", False)))


@dataclass(slots=True)
class DistinctSketch:
    """The ``DISTINCT_K`` smallest distinct 64-bit hashes seen (sorted), or a frozen count."""

    hashes: pl.Series = field(default_factory=lambda: pl.Series("h", [], pl.UInt64))
    exact: bool = True
    frozen: int | None = None  # a summary read back without its hashes: the count, no more merging

    def add(self, hashes: pl.Series) -> None:
        both = pl.concat([self.hashes, hashes.rename("h")]).unique()
        if both.len() > DISTINCT_K:
            self.exact = False
        self.hashes = both.sort().head(DISTINCT_K)

    def merge(self, other: DistinctSketch) -> None:
        self.exact = self.exact and other.exact
        self.add(other.hashes)

    def count(self) -> int:
        if self.frozen is not None:
            return self.frozen
        if self.exact:
            return self.hashes.len()
        kth = float(self.hashes[-1]) + 1.0
        return round((DISTINCT_K - 1) * _HASH_SPACE / kth)

    def state(self) -> dict[str, Any]:
        raw = array("Q", self.hashes.to_list())
        if sys.byteorder == "big":
            raw.byteswap()
        return {"hashes": base64.b64encode(raw.tobytes()).decode("ascii"), "exact": self.exact}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> DistinctSketch:
        raw = array("Q", base64.b64decode(data["hashes"]))
        if sys.byteorder == "big":
            raw.byteswap()
        return cls(pl.Series("h", raw.tolist(), pl.UInt64), bool(data["exact"]))


@dataclass(slots=True)
class ColumnProfile:
    """One input column: completeness, distinct values, top values, lengths, patterns; for a typed
    column also the reasons of its invalid values and facets of its valid ones (by type)."""

    header: str
    type: str | None = None
    rows: int = 0
    empty: int = 0
    distinct: DistinctSketch = field(default_factory=DistinctSketch)
    values: Counts = field(default_factory=Counts)
    lengths: Counts = field(default_factory=Counts)
    patterns: Counts = field(default_factory=Counts)
    reasons: Counts = field(default_factory=Counts)
    facets: dict[str, Counts] = field(default_factory=dict)

    def add_values(self, values: pl.Series) -> None:
        """Profile one chunk of the column's raw text (trimmed; blank is empty)."""
        stripped = values.cast(pl.Utf8).str.strip_chars()
        self.rows += values.len()
        counted = (
            stripped.filter(stripped != "").value_counts(name="n").rename({stripped.name: "v"})
        )
        self.empty += values.len() - int(counted["n"].sum())
        if counted.height == 0:
            return
        v, n = pl.col("v"), pl.col("n")
        counted = counted.with_columns(v.hash(seed=0).alias("h"))
        self.distinct.add(counted["h"])
        self.values.add_frame(counted.select("v", "n"))
        length = pl.min_horizontal(v.str.len_chars(), pl.lit(MAX_LENGTH_BIN + 1)).cast(pl.Utf8)
        self.lengths.add_frame(counted.group_by(length.alias("len")).agg(n.sum()))
        # Patterns cost a pass over every character: past SAMPLE_DISTINCT distinct values in the
        # chunk, of a uniform sample of them (the smallest hashes), scaled up to the chunk's count.
        sample = counted.top_k(SAMPLE_DISTINCT, by="h", reverse=True) if counted.height > SAMPLE_DISTINCT else counted
        scale = 1.0 if sample is counted else int(counted["n"].sum()) / int(sample["n"].sum())
        self.patterns.add_frame(sample.group_by(pattern_expr(v).alias("p")).agg(n.sum()), scale)

    def add_facet(self, name: str, values: pl.Series, scale: float = 1.0) -> None:
        """Count the non-null ``values`` of one facet (a country, a domain, "present"...); ``scale``:
        the values are of a sample of the chunk's rows, one in ``scale``."""
        counted = values.drop_nulls().value_counts(name="n")
        if counted.height:
            self.facets.setdefault(name, Counts()).add_frame(counted, scale)

    def duplicates(self) -> int:
        """Filled values that repeat an earlier one (an estimate when the distinct count is)."""
        return max(self.rows - self.empty - self.distinct.count(), 0)

    def merge(self, other: ColumnProfile) -> None:
        self.rows += other.rows
        self.empty += other.empty
        self.distinct.merge(other.distinct)
        for name in ("values", "lengths", "patterns", "reasons"):
            getattr(self, name).merge(getattr(other, name))
        for name, counts in other.facets.items():
            self.facets.setdefault(name, Counts()).merge(counts)

    def to_dict(self, state: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "header": self.header,
            "type": self.type,
            "rows": self.rows,
            "empty": self.empty,
            "filled": self.rows - self.empty,
            "distinct": self.distinct.count(),
            "distinct_exact": self.distinct.exact,
            "duplicates": self.duplicates(),
            "values": self.values.to_dict(),
            "lengths": self.lengths.to_dict(),
            "patterns": self.patterns.to_dict(),
            "reasons": self.reasons.to_dict(),
            "facets": {name: counts.to_dict() for name, counts in self.facets.items()},
        }
        if state:
            data["distinct_state"] = self.distinct.state()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnProfile:
        if "distinct_state" in data:
            distinct = DistinctSketch.from_state(data["distinct_state"])
        else:
            distinct = DistinctSketch(exact=bool(data.get("distinct_exact", True)), frozen=int(data.get("distinct", 0)))
        return cls(
            header=data["header"],
            type=data.get("type"),
            rows=int(data.get("rows", 0)),
            empty=int(data.get("empty", 0)),
            distinct=distinct,
            **{name: Counts.from_dict(data.get(name, {})) for name in ("values", "lengths", "patterns", "reasons")},
            facets={name: Counts.from_dict(c) for name, c in data.get("facets", {}).items()},
        )


_ASCII_CLASSES = (
    list(string.ascii_uppercase + string.ascii_lowercase + string.digits), ["A"] * 26 + ["a"] * 26 + ["9"] * 10
)


def pattern_expr(text: pl.Expr) -> pl.Expr:
    """Character classes: upper-case letters -> A, lower-case -> a, digits -> 9, the rest kept
    ("John Smith" -> "Aaaa Aaaaa", "(415) 555-0100" -> "(999) 999-9999"); cut after PATTERN_CHARS.
    ASCII in one Aho-Corasick pass; other letters and digits by Unicode class."""
    cut = pl.when(text.str.len_chars() > PATTERN_CHARS).then(
        text.str.slice(0, PATTERN_CHARS) + pl.lit("…")
    ).otherwise(text)
    ascii_done = cut.str.replace_many(*_ASCII_CLASSES)
    unicode = ascii_done.str.replace_all(r"\d", "9").str.replace_all(r"\p{Lu}|\p{Lt}", "A").str.replace_all(
        r"\p{Ll}|\p{Lm}|\p{Lo}", "a"
    )
    return pl.when(cut.str.contains(r"[^\x00-\x7f]")).then(unicode).otherwise(ascii_done)


Profile = dict[str, ColumnProfile]  # by column key, in file order


def merge_profiles(into: Profile, other: Profile) -> None:
    for key, column in other.items():
        if key in into:
            into[key].merge(column)
        else:
            into[key] = column


def profile_to_dict(profile: Profile, state: bool = False) -> dict[str, Any]:
    return {key: column.to_dict(state) for key, column in profile.items()}


def profile_from_dict(data: dict[str, Any]) -> Profile:
    return {key: ColumnProfile.from_dict(column) for key, column in data.items()}
