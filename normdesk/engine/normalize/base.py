"""The contract every per-type normalizer follows, and the machinery they share.

A normalizer turns one column of a chunk (a Utf8 ``pl.Series``) into a frame of the same
height with the columns

    value      the normalized text; the input exactly as it was when invalid; "" when empty
    <suffix>   one column per component (``first``, ``zip``, ...), null when empty or invalid
    outcome    UInt8 ``Outcome``: EMPTY, CHANGED, UNCHANGED, WARNING or INVALID
    reason     why the value is invalid ("not a valid phone number"), or its warnings, else null

Subclasses implement ``_normalize(stripped)`` (and, when the type depends on the country, may
override ``_regional(stripped, regions)``, which gets each row's ISO country code or null): ``stripped`` holds the trimmed values with
null for empty cells, and the result holds ``value``, the components and ``reason`` (null when
valid), and may hold ``warning``: what is worth a look in a valid value ("role address"), null
when nothing is. ``Normalizer.normalize`` does the rest (empties, keeping invalid values,
outcomes), so every type counts the same way. A warning is text ``KIND`` or ``KIND: DETAIL``,
several joined by ``"; "``; the report counts them by KIND (``warning_kinds``). A warned value is
normalized like any valid one (outcome WARNING instead of CHANGED or UNCHANGED).

The slow per-value libraries run through ``map_distinct``: each distinct value is computed
once, and remembered across chunks in a bounded cache.
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import partial
from importlib import resources
from typing import Callable, ClassVar, Sequence

import polars as pl

from normdesk.engine.types import ColumnType, Outcome
from normdesk.settings import DEFAULTS

VALUE, OUTCOME, REASON, WARNING = "value", "outcome", "reason", "warning"
WARNING_SEP, DETAIL_SEP = "; ", ": "
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    country: str = DEFAULTS.country  # default region for phone numbers without a country code
    preserve_accents: bool = DEFAULTS.preserve_accents  # names: keep diacritics instead of folding to ASCII
    check_mx: bool = DEFAULTS.check_mx  # emails: look up the domain's MX (or A) records (online)


def word_list(package: str, name: str) -> frozenset[str]:
    """The lines of a shipped data file, less blank lines and ``#`` comment lines."""
    lines = resources.files(package).joinpath(name).read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


class DistinctCache:
    """Results of the slow path by input value, bounded: cleared when it reaches ``limit``."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._data: dict[str, tuple[str | None, ...]] = {}

    def get_many(self, keys: Sequence[str], compute: Callable[[str], tuple[str | None, ...]]):
        data = self._data
        if len(data) + len(keys) > self.limit:
            data.clear()
        out = []
        for key in keys:
            hit = data.get(key)
            if hit is None:
                hit = data[key] = compute(key)
            out.append(hit)
        return out


def map_distinct(
    values: pl.Series,
    compute: Callable[[str], tuple[str | None, ...]],
    fields: Sequence[str],
    cache: DistinctCache | None = None,
) -> pl.DataFrame:
    """Apply a per-value Python function once per distinct non-null value of ``values``.

    ``compute(text)`` returns one item per name in ``fields``, the last of which is ``reason``.
    Should a library raise on some odd value, that value is reported invalid (kept as it was)
    instead of failing the whole file. The result has one row per input row (nulls where the
    input is null), in input order.
    """
    assert fields[-1] == REASON, "the last field of a slow path is the reason"
    guarded = partial(_guarded, compute, len(fields))
    uniq = values.drop_nulls().unique(maintain_order=True)
    keys = uniq.to_list()
    results = cache.get_many(keys, guarded) if cache is not None else [guarded(k) for k in keys]
    table = pl.DataFrame(
        {"__key": uniq, **{f: [r[i] for r in results] for i, f in enumerate(fields)}},
        schema={"__key": pl.Utf8, **{f: pl.Utf8 for f in fields}},
    )
    joined = values.rename("__key").to_frame().join(table, on="__key", how="left", maintain_order="left")
    return joined.drop("__key")


def _guarded(compute: Callable[[str], tuple[str | None, ...]], width: int, text: str) -> tuple[str | None, ...]:
    try:
        return compute(text)
    except Exception as err:  # a library bug on one value must not lose the file
        log.warning("normalizer failed on a value: %s: %s", type(err).__name__, err)
        return (None,) * (width - 1) + (f"could not be parsed ({type(err).__name__})",)


def valid_rows(result: pl.DataFrame) -> pl.DataFrame:
    """The rows of a ``normalize`` result whose value is valid (changed, already clean or warned)."""
    return result.filter(pl.col(OUTCOME).is_in([Outcome.CHANGED, Outcome.UNCHANGED, Outcome.WARNING]))


def has_warning(reason: pl.Expr, kind: str) -> pl.Expr:
    """Whether a valid value's warnings (its ``reason``) include one of ``kind`` ("role address")."""
    sep, detail = re.escape(WARNING_SEP), re.escape(DETAIL_SEP)
    return reason.fill_null("").str.contains(rf"(?:^|{sep}){re.escape(kind)}(?:{detail}|{sep}|$)")


def presence(values: pl.Expr, label: str) -> pl.Expr:
    """``"with LABEL"`` where ``values`` is set, else ``"no LABEL"`` (a facet of what is present)."""
    return pl.when(values.is_not_null()).then(pl.lit(f"with {label}")).otherwise(pl.lit(f"no {label}"))


def by_region(
    stripped: pl.Series, regions: pl.Series, default: str, compute: Callable[[pl.Series, str], pl.DataFrame]
) -> pl.DataFrame:
    """``compute(values, region)`` once per region of ``regions`` (null: ``default``), the rows
    put back in their order."""
    rows = pl.DataFrame({"v": stripped, "r": regions.fill_null(default)}).with_row_index("__i")
    if rows["r"].n_unique() <= 1:
        return compute(stripped, rows["r"][0] if len(rows) else default)
    parts = [
        compute(group["v"], region).with_columns(group["__i"])
        for (region,), group in rows.partition_by("r", as_dict=True, maintain_order=True).items()
    ]
    return pl.concat(parts).sort("__i").drop("__i")


class Normalizer(ABC):
    """One column type. Instances are cheap, hold a cache, and live in one process."""

    type: ClassVar[ColumnType]

    def __init__(self, options: NormalizeOptions, part: str | None = None) -> None:
        self.options = options
        self.part = part
        self.cache = DistinctCache()

    def components(self) -> tuple[str, ...]:
        """Suffixes of the component columns appended after the column (``C_first``...)."""
        return ()

    def data_versions(self) -> dict[str, str]:
        """Versions of the data lists this normalizer checks against, for the run report."""
        return {}

    def facets(self, result: pl.DataFrame) -> dict[str, pl.Series]:
        """Facets of the valid values of a ``normalize`` result, by name (``"domain"``: one value
        per valid row, null to skip), for the column's profile."""
        return {}

    @abstractmethod
    def _normalize(self, stripped: pl.Series) -> pl.DataFrame:
        """Columns ``value``, each component, ``reason`` for non-null ``stripped`` values."""

    def _regional(self, stripped: pl.Series, regions: pl.Series) -> pl.DataFrame:
        """``_normalize`` with each row's country (null: the default); most types ignore it."""
        return self._normalize(stripped)

    def normalize(self, values: pl.Series, regions: pl.Series | None = None) -> pl.DataFrame:
        """``regions``: each row's ISO country code (from the file's country column), or None."""
        values, stripped = strip_values(values)
        return finish(values, stripped, self.parse(stripped, regions), self.components())

    def parse(self, stripped: pl.Series, regions: pl.Series | None = None) -> pl.DataFrame:
        """The ``_normalize`` columns of trimmed values (see ``strip_values``), before ``finish``."""
        return self._normalize(stripped) if regions is None else self._regional(stripped, regions)


def strip_values(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(the values as text, the trimmed values with null for empty cells)."""
    values = values.cast(pl.Utf8)
    stripped = values.str.strip_chars()
    return values, pl.select(pl.when(stripped != "").then(stripped)).to_series().rename("v")


def finish(values: pl.Series, stripped: pl.Series, out: pl.DataFrame, comps: Sequence[str] = ()) -> pl.DataFrame:
    """A normalizer's result (see the module's docstring) from the ``_normalize`` columns ``out``:
    empties, invalid values kept as they were, outcomes."""
    if WARNING not in out.columns:
        out = out.with_columns(pl.lit(None, pl.Utf8).alias(WARNING))
    empty = pl.lit(stripped).is_null()
    invalid = ~empty & pl.col(REASON).is_not_null()
    warned = ~empty & ~invalid & pl.col(WARNING).is_not_null()
    original = pl.lit(values)
    return out.select(
        pl.when(empty)
        .then(pl.when(original.is_null()).then(None).otherwise(pl.lit("")))
        .when(invalid)
        .then(original)
        .otherwise(pl.col(VALUE))
        .alias(VALUE),
        *[pl.when(empty | invalid).then(None).otherwise(pl.col(c)).alias(c) for c in comps],
        pl.when(empty)
        .then(pl.lit(Outcome.EMPTY))
        .when(invalid)
        .then(pl.lit(Outcome.INVALID))
        .when(warned)
        .then(pl.lit(Outcome.WARNING))
        .when(pl.col(VALUE) == original)
        .then(pl.lit(Outcome.UNCHANGED))
        .otherwise(pl.lit(Outcome.CHANGED))
        .cast(pl.UInt8)
        .alias(OUTCOME),
        pl.when(empty).then(None).when(warned).then(pl.col(WARNING)).otherwise(pl.col(REASON)).alias(REASON),
    )


def warning_kinds(outcome: pl.Series, reason: pl.Series) -> dict[str, int]:
    """How many values of a column carry each kind of warning (a value may carry several)."""
    warned = reason.filter(outcome == Outcome.WARNING)
    if warned.is_empty():
        return {}
    kinds = warned.str.split(WARNING_SEP).explode().str.split(DETAIL_SEP).list.first()
    return dict(kinds.value_counts().iter_rows())
