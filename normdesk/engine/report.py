"""What a run did, counted per column and per row; plain data, JSON-able."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from normdesk.engine.profile import ColumnProfile, Profile, merge_profiles, profile_from_dict, profile_to_dict
from normdesk.engine.types import Outcome, type_label

MAX_INVALID_SAMPLES = 50


@dataclass(slots=True)
class ColumnReport:
    type: str
    part: str | None = None
    group: str | None = None  # the address or name group the part belongs to, when named
    empty: int = 0
    changed: int = 0
    unchanged: int = 0
    invalid: int = 0
    warning: int = 0  # valid values with a warning (their rows stay valid)
    warning_kinds: dict[str, int] = field(default_factory=dict)  # "role address": n (a value may have several)

    def add(self, counts: dict[int, int], kinds: dict[str, int] | None = None) -> None:
        self.empty += counts.get(Outcome.EMPTY, 0)
        self.changed += counts.get(Outcome.CHANGED, 0)
        self.unchanged += counts.get(Outcome.UNCHANGED, 0)
        self.invalid += counts.get(Outcome.INVALID, 0)
        self.warning += counts.get(Outcome.WARNING, 0)
        for kind, n in (kinds or {}).items():
            self.warning_kinds[kind] = self.warning_kinds.get(kind, 0) + n


@dataclass(slots=True)
class Report:
    """Counts of one run. A row is valid when none of its non-empty typed values is invalid."""

    total_rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    short_rows: int = 0  # rows that had fewer fields than the header (kept, padded)
    rejects: int = 0  # malformed lines quarantined (not in the output)...
    rejects_file: str = ""  # ...into this file ("" when there were none)
    formula_cells: dict[str, int] = field(default_factory=dict)  # untyped cells like "=..." per column
    safe_formulas: bool = False  # those cells were prefixed with ' (Plan.safe_formulas)
    input_changed: bool = False  # a checkpoint was on another input: the run started over from row 1
    elapsed_s: float = 0.0
    output: str = ""
    format: str = "csv"
    columns: dict[str, ColumnReport] = field(default_factory=dict)
    invalid_samples: list[dict[str, Any]] = field(default_factory=list)
    data_versions: dict[str, str] = field(default_factory=dict)  # lists checked against: {"disposable-email-domains": "0.0.293"}
    profile: Profile = field(default_factory=dict)  # every input column's profile, by column key

    def add_chunk(self, chunk: ChunkCounts) -> None:
        self.total_rows += chunk.rows
        self.invalid_rows += chunk.invalid_rows
        self.valid_rows += chunk.rows - chunk.invalid_rows
        for name, counts in chunk.outcomes.items():
            self.columns[name].add(counts, chunk.warning_kinds.get(name))
        for name, n in chunk.formula_cells.items():
            self.formula_cells[name] = self.formula_cells.get(name, 0) + n
        room = MAX_INVALID_SAMPLES - len(self.invalid_samples)
        self.invalid_samples.extend(chunk.invalid_samples[:room])
        merge_profiles(self.profile, chunk.profile)

    def to_dict(self, state: bool = False) -> dict[str, Any]:
        """JSON-able; ``state`` adds what resuming needs (the distinct-value sketches)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("columns", "profile")}
        data["invalid_samples"] = [dict(s) for s in self.invalid_samples]
        data["columns"] = {name: asdict(col) for name, col in self.columns.items()}
        data["profile"] = profile_to_dict(self.profile, state)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        data = dict(data)
        columns = {name: ColumnReport(**col) for name, col in data.pop("columns", {}).items()}
        profile = profile_from_dict(data.pop("profile", {}))
        return cls(columns=columns, profile=profile, **data)

    def summary(self) -> str:
        """A readable multi-line report for a terminal."""
        lines = [
            f"{self.total_rows:,} rows: {self.valid_rows:,} valid, {self.invalid_rows:,} with issues"
            + (f", {self.short_rows:,} short rows padded" if self.short_rows else "")
            + f"  ({self.elapsed_s:.1f} s)",
        ]
        if self.rejects:
            lines.append(self.rejects_line())
        if self.columns:
            width = max(len(n) for n in self.columns)
            lines.append(
                f"  {'column':<{width}}  {'type':<14} {'empty':>9} {'changed':>9} {'unchanged':>9} {'invalid':>9}"
            )
            for name, col in self.columns.items():
                kind = type_label(col.type, col.part, col.group)
                lines.append(
                    f"  {name:<{width}}  {kind:<14} {col.empty:>9,} {col.changed:>9,}"
                    f" {col.unchanged:>9,} {col.invalid:>9,}"
                    + (f"  {col.warning:,} with warnings" if col.warning else "")
                )
                lines.extend(f"    {kind}: {n:,}" for kind, n in sorted(col.warning_kinds.items()))
        if self.formula_cells:
            lines.append(self.formula_warning())
        if self.data_versions:
            lines.append("checked against: " + ", ".join(f"{k} {v}" for k, v in self.data_versions.items()))
        if self.output:
            lines.append(f"output: {self.output}")
        return "\n".join(lines)

    def rejects_line(self) -> str:
        """One line on the quarantined malformed lines ("" when there are none)."""
        if not self.rejects:
            return ""
        lines = "line" if self.rejects == 1 else "lines"
        return f"{self.rejects:,} malformed {lines} set aside in {self.rejects_file or 'the rejects file'}"

    def formula_warning(self) -> str:
        """One line on the cells a spreadsheet would run as formulas ("" when there are none)."""
        if not self.formula_cells:
            return ""
        total = sum(self.formula_cells.values())
        where = ", ".join(f"{name} {n:,}" for name, n in self.formula_cells.items())
        cells = "cell" if total == 1 else "cells"
        if self.safe_formulas:
            return f"{total:,} {cells} began like a spreadsheet formula ({where}): prefixed with ' to keep them text"
        return (f"warning: {total:,} {cells} {'begins' if total == 1 else 'begin'} like a spreadsheet formula "
                f"({where}): a spreadsheet opening the output may run them (--safe-formulas prefixes them with ')")


@dataclass(slots=True)
class ChunkCounts:
    """The counts of one chunk, small enough to send back from a worker process."""

    rows: int
    invalid_rows: int
    outcomes: dict[str, dict[int, int]]
    invalid_samples: list[dict[str, Any]]
    formula_cells: dict[str, int] = field(default_factory=dict)
    warning_kinds: dict[str, dict[str, int]] = field(default_factory=dict)  # per column
    profile: dict[str, ColumnProfile] = field(default_factory=dict)
