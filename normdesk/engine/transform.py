"""Normalize one chunk: the typed columns in place, their components after them, issues last.

This is the unit of work sent to worker processes: a ``ChunkTransform`` is built once per process
from the plan (normalizers and their caches live as long as the process) and applied to chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from normdesk.engine.formulas import protect, risky
from normdesk.engine.country import row_regions
from normdesk.engine.normalize import NormalizeOptions, Normalizer, make_normalizer
from normdesk.engine.groups import Group, plan_groups
from normdesk.engine.normalize.base import OUTCOME, REASON, VALUE, warning_kinds
from normdesk.engine.normalize.group import GroupNormalizer, make_group_normalizer
from normdesk.engine.plan import Plan
from normdesk.engine.profile import FACET_ROWS, ColumnProfile
from normdesk.engine.report import MAX_INVALID_SAMPLES, ChunkCounts
from normdesk.engine.types import ColumnType, Outcome

ISSUES_COLUMN = "normdesk_issues"
_SEP = "\x1f"  # joins a column key and a component suffix in internal (unique) column names


@dataclass(frozen=True, slots=True)
class OutputColumn:
    key: str  # unique internal name in the output frame
    header: str  # what the output file shows


def output_layout(plan: Plan, columns: list[str], header: list[str]) -> list[OutputColumn]:
    """Output columns in order: every input column, each typed one followed by its components (a
    group's parts have none), and after a group's last column its one-line address if asked."""
    options = normalize_options(plan)
    groups = plan_groups(plan, columns)
    grouped = {key for group in groups for key in group.parts.values()}
    lines = {_line_key(group): group for group in groups if _has_line(plan, group)}
    layout = []
    for key, head in zip(columns, header):
        layout.append(OutputColumn(key, head))
        col = plan.columns.get(key)
        if col is not None and col.type.typed and key not in grouped:
            for suffix in make_normalizer(col.type, options, col.part).components():
                layout.append(OutputColumn(f"{key}{_SEP}{suffix}", f"{head}_{suffix}"))
        if key in lines:
            layout.append(OutputColumn(f"{key}{_SEP}line", lines[key].line_header()))
    layout.append(OutputColumn(ISSUES_COLUMN, ISSUES_COLUMN))
    return layout


def _line_key(group: Group) -> str:
    """The column after which a group's one-line address goes: its last."""
    return list(group.parts.values())[-1]


def _has_line(plan: Plan, group: Group) -> bool:
    return plan.address_line and group.type is ColumnType.ADDRESS


def normalize_options(plan: Plan) -> NormalizeOptions:
    return NormalizeOptions(plan.country, plan.preserve_accents, plan.check_mx)


def data_versions(plan: Plan, columns: list[str]) -> dict[str, str]:
    """The versions of the data lists the plan's normalizers check against (for the report)."""
    options, versions = normalize_options(plan), {}
    for key, col in plan.typed_columns():
        if key in columns:
            versions.update(make_normalizer(col.type, options, col.part).data_versions())
    for group in plan_groups(plan, columns):
        versions.update(make_group_normalizer(group.type, options, tuple(group.parts)).data_versions())
    return versions


class ChunkTransform:
    def __init__(self, plan: Plan, columns: list[str], header: list[str], profile: bool = True) -> None:
        options = normalize_options(plan)
        self.profile = profile  # also profile every column (see engine/profile.py)
        self.columns = columns
        self.labels = dict(zip(columns, header))
        self.country_column = plan.country_column if plan.country_column in self.labels else None
        self.groups: list[tuple[Group, GroupNormalizer]] = [
            (group, make_group_normalizer(group.type, options, tuple(group.parts), _has_line(plan, group)))
            for group in plan_groups(plan, columns)
        ]
        self.grouped = {key: group.type for group, _ in self.groups for key in group.parts.values()}
        self.normalizers: dict[str, Normalizer] = {
            key: make_normalizer(col.type, options, col.part)
            for key, col in plan.typed_columns()
            if key in self.labels and key not in self.grouped
        }
        self.overrides = {key: plan.value_overrides(key) for key in (*self.normalizers, *self.grouped)}
        self.safe_formulas = plan.safe_formulas
        self.plain = [key for key in columns if key not in self.normalizers and key not in self.grouped]
        self.plain.append(ISSUES_COLUMN)

    def __call__(self, chunk: pl.DataFrame, first_row: int) -> tuple[pl.DataFrame, ChunkCounts]:
        """``first_row``: 1-based data-row number of the chunk's first row (for invalid samples)."""
        out: dict[str, pl.Series] = {}
        reasons, invalid_flags, outcomes, kinds, samples = [], [], {}, {}, []
        profiles: dict[str, ColumnProfile] = {}
        row_numbers = pl.int_range(first_row, first_row + chunk.height, eager=True)
        regions = row_regions(chunk.get_column(self.country_column)) if self.country_column else None
        edits = [chunk.get_column(k).replace(self.overrides[k][0]) for k in self.grouped if self.overrides[k][0]]
        grouped, lines = self._groups(chunk.with_columns(edits) if edits else chunk, regions)
        for key in self.columns:
            values = chunk.get_column(key)
            norm = self.normalizers.get(key)
            ctype = norm.type if norm else self.grouped.get(key)
            if self.profile:
                profiles[key] = ColumnProfile(self.labels[key], ctype.value if ctype else None)
                profiles[key].add_values(values)
            if ctype is None:
                out[key] = values
                continue
            edits_of, keep = self.overrides[key]
            if norm is None:
                result = _kept(values, grouped[key], keep, ())
            else:
                result = _kept(values, norm.normalize(values.replace(edits_of) if edits_of else values, regions),
                               keep, norm.components())
            if self.profile:
                _profile_typed(profiles[key], norm, result)
            out[key] = result.get_column(VALUE).rename(key)
            for suffix in norm.components() if norm else ():
                out[f"{key}{_SEP}{suffix}"] = result.get_column(suffix)
            if key in lines:
                out[f"{key}{_SEP}line"] = lines[key]
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

    def _groups(self, chunk: pl.DataFrame, regions: pl.Series | None) -> tuple[dict[str, pl.DataFrame], dict[str, pl.Series]]:
        """Each grouped column's result, and the one-line addresses by the column they follow."""
        results, lines = {}, {}
        for group, norm in self.groups:
            by_part, line = norm.normalize({part: chunk.get_column(key) for part, key in group.parts.items()}, regions)
            results.update({group.parts[part]: result for part, result in by_part.items()})
            if line is not None:
                lines[_line_key(group)] = line
        return results, lines

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


def _kept(values: pl.Series, result: pl.DataFrame, keep: set[str], components: tuple[str, ...] | list[str]) -> pl.DataFrame:
    """A normalized column with the plan's "keep as is" overrides (an edited raw value was normalized
    as its replacement before): a value kept as is stays exactly as it was, valid, without components."""
    if not keep:
        return result
    kept = values.is_in(list(keep))
    return result.with_columns(
        pl.when(kept).then(pl.lit(values)).otherwise(pl.col(VALUE)).alias(VALUE),
        *[pl.when(kept).then(None).otherwise(pl.col(c)).alias(c) for c in components],
        pl.when(kept).then(pl.lit(Outcome.UNCHANGED, pl.UInt8)).otherwise(pl.col(OUTCOME)).alias(OUTCOME),
        pl.when(kept).then(None).otherwise(pl.col(REASON)).alias(REASON),
    )


def _profile_typed(profile: ColumnProfile, norm: Normalizer | None, result: pl.DataFrame) -> None:
    """The reasons of a typed column's invalid values (all counted), and the facets of its valid ones."""
    reasons = result.get_column(REASON).drop_nulls()
    if reasons.len():
        profile.reasons.add_frame(reasons.value_counts(name="n"))
    if norm is None:  # a group's part: no facets
        return
    step = -(-result.height // FACET_ROWS)  # facets of every step-th row: a bounded cost per chunk
    sample = result.gather_every(step) if step > 1 else result
    for name, values in norm.facets(sample).items():
        profile.add_facet(name, values, result.height / sample.height if step > 1 else 1.0)
