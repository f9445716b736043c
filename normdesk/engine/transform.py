"""Normalize one chunk: the typed columns in place, their components after them, issues last.

This is the unit of work sent to worker processes: a ``ChunkTransform`` is built once per process
from the plan (normalizers and their caches live as long as the process) and applied to chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from normdesk.engine.country import country_of
from normdesk.engine.normalize import NormalizeOptions, Normalizer, make_normalizer
from normdesk.engine.normalize.base import OUTCOME, REASON, VALUE
from normdesk.engine.plan import Plan
from normdesk.engine.report import MAX_INVALID_SAMPLES, ChunkCounts
from normdesk.engine.types import Outcome

ISSUES_COLUMN = "normdesk_issues"
_SEP = "\x1f"  # joins a column key and a component suffix in internal (unique) column names


@dataclass(frozen=True, slots=True)
class OutputColumn:
    key: str  # unique internal name in the output frame
    header: str  # what the output file shows


def output_layout(plan: Plan, columns: list[str], header: list[str]) -> list[OutputColumn]:
    """Output columns in order: every input column, each typed one followed by its components."""
    options = NormalizeOptions(plan.country, plan.preserve_accents)
    layout = []
    for key, head in zip(columns, header):
        layout.append(OutputColumn(key, head))
        col = plan.columns.get(key)
        if col is not None and col.type.typed:
            for suffix in make_normalizer(col.type, options, col.part).components():
                layout.append(OutputColumn(f"{key}{_SEP}{suffix}", f"{head}_{suffix}"))
    layout.append(OutputColumn(ISSUES_COLUMN, ISSUES_COLUMN))
    return layout


def row_regions(countries: pl.Series) -> pl.Series:
    """Each row's ISO country code from a country column ("Canada", "CA", "U.S.A."), else null."""
    text = countries.cast(pl.Utf8).str.strip_chars()
    uniq = text.drop_nulls().unique()
    table = pl.DataFrame({"t": uniq, "code": [country_of(t) for t in uniq.to_list()]},
                         schema={"t": pl.Utf8, "code": pl.Utf8})
    return text.rename("t").to_frame().join(table, on="t", how="left", maintain_order="left")["code"]


class ChunkTransform:
    def __init__(self, plan: Plan, columns: list[str], header: list[str]) -> None:
        options = NormalizeOptions(plan.country, plan.preserve_accents)
        self.columns = columns
        self.labels = dict(zip(columns, header))
        self.country_column = plan.country_column if plan.country_column in self.labels else None
        self.normalizers: dict[str, Normalizer] = {
            key: make_normalizer(col.type, options, col.part)
            for key, col in plan.typed_columns()
            if key in self.labels
        }

    def __call__(self, chunk: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, ChunkCounts]:
        """``first_row``: 1-based data-row number of the chunk's first row (for invalid samples)."""
        out: dict[str, pl.Series] = {}
        reasons, invalid_flags, outcomes, samples = [], [], {}, []
        row_numbers = pl.int_range(first_row, first_row + chunk.height, eager=True)
        regions = row_regions(chunk.get_column(self.country_column)) if self.country_column else None
        for key in self.columns:
            values = chunk.get_column(key)
            norm = self.normalizers.get(key)
            if norm is None:
                out[key] = values
                continue
            result = norm.normalize(values, regions)
            out[key] = result.get_column(VALUE).rename(key)
            for suffix in norm.components():
                out[f"{key}{_SEP}{suffix}"] = result.get_column(suffix)
            outcome = result.get_column(OUTCOME)
            reason = result.get_column(REASON)
            outcomes[key] = dict(outcome.value_counts().iter_rows())
            is_invalid = outcome == Outcome.INVALID
            invalid_flags.append(is_invalid)
            reasons.append(pl.when(reason.is_not_null()).then(pl.lit(f"{self.labels[key]}: ") + pl.lit(reason)))
            if is_invalid.any():
                samples.extend(self._samples(key, row_numbers, values, reason, is_invalid))
        frame = pl.DataFrame(out)
        if reasons:
            issues = pl.select(pl.concat_str(reasons, separator="; ", ignore_nulls=True)).to_series()
            invalid = pl.select(pl.any_horizontal(invalid_flags)).to_series()
        else:
            issues = pl.repeat("", chunk.height, eager=True, dtype=pl.Utf8)
            invalid = pl.repeat(False, chunk.height, eager=True)
        # Empty text becomes null: CSV writers quote "" (to tell it from null), and a clean file should
        # not turn every empty cell into "". Done here, in the worker processes, not in the writer.
        frame = frame.with_columns(issues.alias(ISSUES_COLUMN)).select(
            pl.when(pl.all() != "").then(pl.all())
        )
        counts = ChunkCounts(
            rows=chunk.height,
            invalid_rows=int(invalid.sum()),
            outcomes=outcomes,
            invalid_samples=sorted(samples, key=lambda item: item["row"])[:MAX_INVALID_SAMPLES],
        )
        return frame, counts

    def _samples(self, key, rows, values, reason, is_invalid) -> list[dict]:
        picked = pl.DataFrame({"row": rows, "value": values, "reason": reason}).filter(is_invalid)
        column = self.labels[key]
        return [
            {"row": row, "column": column, "value": value, "reason": why}
            for row, value, why in picked.head(MAX_INVALID_SAMPLES).iter_rows()
        ]
