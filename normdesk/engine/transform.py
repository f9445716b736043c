"""Normalize one chunk: the typed columns in place, their components after them, issues last.

This is the unit of work sent to worker processes: a ``ChunkTransform`` is built once per process
from the plan (normalizers and their caches live as long as the process) and applied to chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from normdesk.engine.formulas import protect, risky
from normdesk.engine.country import country_of
from normdesk.engine.normalize import NormalizeOptions, Normalizer, make_normalizer
from normdesk.engine.normalize.base import OUTCOME, REASON, VALUE, warning_kinds
from normdesk.engine.plan import Plan
from normdesk.engine.profile import FACET_ROWS, ColumnProfile
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
    options = normalize_options(plan)
    layout = []
    for key, head in zip(columns, header):
        layout.append(OutputColumn(key, head))
        col = plan.columns.get(key)
        if col is not None and col.type.typed:
            for suffix in make_normalizer(col.type, options, col.part).components():
                layout.append(OutputColumn(f"{key}{_SEP}{suffix}", f"{head}_{suffix}"))
    layout.append(OutputColumn(ISSUES_COLUMN, ISSUES_COLUMN))
    return layout


def normalize_options(plan: Plan) -> NormalizeOptions:
    return NormalizeOptions(plan.country, plan.preserve_accents, plan.check_mx)


def data_versions(plan: Plan, columns: list[str]) -> dict[str, str]:
    """The versions of the data lists the plan's normalizers check against (for the report)."""
    options, versions = normalize_options(plan), {}
    for key, col in plan.typed_columns():
        if key in columns:
            versions.update(make_normalizer(col.type, options, col.part).data_versions())
    return versions


def row_regions(countries: pl.Series) -> pl.Series:
    """Each row's ISO country code from a country column ("Canada", "CA", "U.S.A."), else null."""
    text = countries.cast(pl.Utf8).str.strip_chars()
    uniq = text.drop_nulls().unique()
    table = pl.DataFrame({"t": uniq, "code": [country_of(t) for t in uniq.to_list()]},
                         schema={"t": pl.Utf8, "code": pl.Utf8})
    return text.rename("t").to_frame().join(table, on="t", how="left", maintain_order="left")["code"]


class ChunkTransform:
    def __init__(self, plan: Plan, columns: list[str], header: list[str], profile: bool = True) -> None:
        options = normalize_options(plan)
        self.profile = profile  # also profile every column (see engine/profile.py)
        self.columns = columns
        self.labels = dict(zip(columns, header))
        self.country_column = plan.country_column if plan.country_column in self.labels else None
        self.normalizers: dict[str, Normalizer] = {
            key: make_normalizer(col.type, options, col.part)
            for key, col in plan.typed_columns()
            if key in self.labels
        }
        self.overrides = {key: plan.value_overrides(key) for key in self.normalizers}
        self.safe_formulas = plan.safe_formulas
        self.plain = [key for key in columns if key not in self.normalizers] + [ISSUES_COLUMN]

    def __call__(self, chunk: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, ChunkCounts]:
        """``first_row``: 1-based data-row number of the chunk's first row (for invalid samples)."""
        out: dict[str, pl.Series] = {}
        reasons, invalid_flags, outcomes, kinds, samples = [], [], {}, {}, []
        profiles: dict[str, ColumnProfile] = {}
        row_numbers = pl.int_range(first_row, first_row + chunk.height, eager=True)
        regions = row_regions(chunk.get_column(self.country_column)) if self.country_column else None
        for key in self.columns:
            values = chunk.get_column(key)
            norm = self.normalizers.get(key)
            if self.profile:
                profiles[key] = ColumnProfile(self.labels[key], norm.type.value if norm else None)
                profiles[key].add_values(values)
            if norm is None:
                out[key] = values
                continue
            result = _with_overrides(norm, values, regions, *self.overrides[key])
            if self.profile:
                _profile_typed(profiles[key], norm, result)
            out[key] = result.get_column(VALUE).rename(key)
            for suffix in norm.components():
                out[f"{key}{_SEP}{suffix}"] = result.get_column(suffix)
            outcome = result.get_column(OUTCOME)
            reason = result.get_column(REASON)
            outcomes[key] = dict(outcome.value_counts().iter_rows())
            if outcomes[key].get(Outcome.WARNING):
                kinds[key] = warning_kinds(outcome, reason)
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
        frame, formula_cells = self._formulas(frame)
        counts = ChunkCounts(
            rows=chunk.height,
            invalid_rows=int(invalid.sum()),
            outcomes=outcomes,
            invalid_samples=sorted(samples, key=lambda item: item["row"])[:MAX_INVALID_SAMPLES],
            formula_cells=formula_cells,
            warning_kinds=kinds,
            profile=profiles,
        )
        return frame, counts

    def _formulas(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
        """Count the untyped cells a spreadsheet would run as formulas; protect them if asked."""
        found = frame.select(risky(pl.col(key)).sum() for key in self.plain).row(0)
        cells = {key: n for key, n in zip(self.plain, found) if n}
        if self.safe_formulas and cells:
            frame = frame.with_columns(protect(pl.col(key)).alias(key) for key in cells)
        return frame, cells

    def _samples(self, key, rows, values, reason, is_invalid) -> list[dict]:
        picked = pl.DataFrame({"row": rows, "value": values, "reason": reason}).filter(is_invalid)
        column = self.labels[key]
        return [
            {"row": row, "column": column, "value": value, "reason": why}
            for row, value, why in picked.head(MAX_INVALID_SAMPLES).iter_rows()
        ]


def _with_overrides(norm: Normalizer, values: pl.Series, regions: pl.Series | None,
                    edits: dict[str, str], keep: set[str]) -> pl.DataFrame:
    """``norm.normalize(values)`` with the plan's value overrides: an edited raw value is normalized
    as its replacement; a value kept as is stays exactly as it was, valid, without components."""
    result = norm.normalize(values.replace(edits) if edits else values, regions)
    if not keep:
        return result
    kept = values.is_in(list(keep))
    return result.with_columns(
        pl.when(kept).then(pl.lit(values)).otherwise(pl.col(VALUE)).alias(VALUE),
        *[pl.when(kept).then(None).otherwise(pl.col(c)).alias(c) for c in norm.components()],
        pl.when(kept).then(pl.lit(Outcome.UNCHANGED, pl.UInt8)).otherwise(pl.col(OUTCOME)).alias(OUTCOME),
        pl.when(kept).then(None).otherwise(pl.col(REASON)).alias(REASON),
    )


def _profile_typed(profile: ColumnProfile, norm: Normalizer, result: pl.DataFrame) -> None:
    """The reasons of a typed column's invalid values (all counted), and the facets of its valid ones."""
    reasons = result.get_column(REASON).drop_nulls()
    if reasons.len():
        profile.reasons.add_frame(reasons.value_counts(name="n"))
    step = -(-result.height // FACET_ROWS)  # facets of every step-th row: a bounded cost per chunk
    sample = result.gather_every(step) if step > 1 else result
    for name, values in norm.facets(sample).items():
        profile.add_facet(name, values, result.height / sample.height if step > 1 else 1.0)
