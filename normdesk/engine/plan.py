"""A plan says what to do with each column of a file. It is plain data: saved as JSON,
re-applied to next month's file, attached to a job."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from normdesk.engine.errors import InputError
from normdesk.engine.types import AddressPart, ColumnType, NamePart, type_label
from normdesk.settings import DEFAULTS, OUTPUT_FORMATS

PLAN_VERSION = 1
_PARTS = {ColumnType.NAME: NamePart, ColumnType.ADDRESS: AddressPart}
_NONE_WORDS = {"none", "unknown", "skip", "ignore", "leave"}


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """What one column holds. ``part`` says which part of a name or address (None: the whole);
    ``group`` names the record the part belongs to when a file has several (``home``, ``work``)."""

    type: ColumnType
    part: str | None = None
    group: str | None = None

    @classmethod
    def parse(cls, text: str) -> ColumnPlan:
        """Parse ``TYPE``, ``TYPE:PART`` or ``TYPE:PART@GROUP`` as typed by a user (``name:first``,
        ``address:city@home``, ``none``)."""
        text, at, group = text.strip().partition("@")
        group = group.strip()
        if at and not group.replace("_", "").replace("-", "").isalnum():
            raise InputError(f"a group name is letters, digits, - or _, not {group!r}")
        kind, _, part = text.strip().lower().partition(":")
        if kind in _NONE_WORDS:
            return cls(ColumnType.UNKNOWN)
        try:
            ctype = ColumnType(kind)
        except ValueError:
            raise InputError(
                f"unknown column type {text!r}: use name, email, phone, address or none"
            ) from None
        if at and (not part or part == "full"):
            raise InputError(f"only a part of a name or address takes a group: {text.strip()}:PART@{group}")
        if not part:
            return cls(ctype)
        parts = _PARTS.get(ctype)
        if parts is None or part not in {p.value for p in parts}:
            allowed = ", ".join(p.value for p in parts) if parts else "none"
            raise InputError(f"unknown part {part!r} for type {ctype.value}: use {allowed}")
        return cls(ctype, None if part == "full" else part, group or None)

    def label(self) -> str:
        return type_label(self.type.value, self.part, self.group)


@dataclass(frozen=True, slots=True)
class ValueOverride:
    """One value of a typed column fixed by hand: every cell of ``column`` that reads exactly ``raw``
    is normalized as ``replacement`` instead, or kept as is (valid, no issue) when that is None."""

    column: str
    raw: str
    replacement: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> ValueOverride:
        if not isinstance(data, Mapping) or not isinstance(data.get("column"), str) \
                or not isinstance(data.get("raw"), str) \
                or not isinstance(data.get("replacement"), (str, type(None))):
            raise InputError("a value override needs 'column' and 'raw' (text) and 'replacement' (text or null)")
        return cls(data["column"], data["raw"], data["replacement"])


@dataclass(frozen=True, slots=True)
class Plan:
    """Column types by column name (file order), plus the options of the run."""

    columns: dict[str, ColumnPlan] = field(default_factory=dict)
    country: str = DEFAULTS.country
    country_column: str | None = None  # a column naming each row's country (wins over ``country``)
    preserve_accents: bool = DEFAULTS.preserve_accents
    output_format: str = DEFAULTS.output_format
    sheet: str | None = None  # Excel input: sheet name; None is the first sheet
    safe_formulas: bool = False  # prefix ' to untyped cells a spreadsheet would run (see formulas)
    check_mx: bool = DEFAULTS.check_mx  # emails: also look up each domain's MX (or A) records, online
    values: tuple[ValueOverride, ...] = ()  # values fixed by hand (see ValueOverride), in the order made
    address_line: bool = False  # address groups: also add a column with the one-line standardized address

    def typed_columns(self) -> list[tuple[str, ColumnPlan]]:
        return [(name, col) for name, col in self.columns.items() if col.type.typed]

    def with_overrides(self, overrides: Mapping[str, str], known: Iterable[str]) -> Plan:
        """Apply ``{column: "type[:part]"}`` from the user; unknown columns are an InputError."""
        known = list(known)
        columns = dict(self.columns)
        for name, text in overrides.items():
            if name not in known:
                raise InputError(f"no column named {name!r} in the file (columns: {', '.join(known)})")
            columns[name] = ColumnPlan.parse(text)
        return replace(self, columns=columns)

    def with_detection(self, detection: Any) -> Plan:
        """This plan's options with the columns a ``FileDetection`` found (every option is kept), and
        the country column it found, if any (each row's region)."""
        return replace(self, columns={c.name: ColumnPlan(c.type, c.part, c.group)
                                      for c in detection.columns},
                       country_column=detection.country.column or self.country_column)

    def with_value(self, column: str, raw: str, replacement: str | None) -> Plan:
        """This plan with ``raw`` in ``column`` fixed as ``replacement`` (None: keep as is); it replaces
        an earlier override of the same value."""
        if column not in self.columns or not self.columns[column].type.typed:
            raise InputError(f"{column!r} is not a typed column of the plan: only typed values can be fixed")
        kept = tuple(v for v in self.values if (v.column, v.raw) != (column, raw))
        return replace(self, values=(*kept, ValueOverride(column, raw, replacement)))

    def without_value(self, column: str, raw: str) -> Plan:
        return replace(self, values=tuple(v for v in self.values if (v.column, v.raw) != (column, raw)))

    def value_overrides(self, column: str) -> tuple[dict[str, str], set[str]]:
        """``column``'s overrides: ``{raw: replacement}`` and the raw values kept as is."""
        edits = {v.raw: v.replacement for v in self.values if v.column == column and v.replacement is not None}
        keep = {v.raw for v in self.values if v.column == column and v.replacement is None}
        return edits, keep

    def with_options(self, **options: Any) -> Plan:
        plan = replace(self, **options)
        plan.validate()
        return plan

    def validate(self) -> None:
        if len(self.country) != 2 or not self.country.isalpha():
            raise InputError(f"country must be a two-letter code such as US or DE, not {self.country!r}")
        if self.output_format not in OUTPUT_FORMATS:
            raise InputError(
                f"unknown output format {self.output_format!r}: use {', '.join(OUTPUT_FORMATS)}"
            )

    def check_columns(self, file_columns: Iterable[str]) -> None:
        """A saved plan applied to another file: every typed column must be there."""
        present = set(file_columns)
        missing = [name for name, _ in self.typed_columns() if name not in present]
        missing += sorted({v.column for v in self.values} - present - set(missing))
        if missing:
            raise InputError(f"the plan names columns the file does not have: {', '.join(missing)}")

    # -- JSON -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["columns"] = {name: col.label() for name, col in self.columns.items()}
        return {"version": PLAN_VERSION, **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        if not isinstance(data, Mapping) or not isinstance(data.get("columns", {}), Mapping):
            raise InputError("not a normdesk plan: expected a JSON object with 'columns'")
        if data.get("version", PLAN_VERSION) > PLAN_VERSION:
            raise InputError(f"plan version {data['version']} is newer than this normdesk understands")
        columns = {str(k): ColumnPlan.parse(str(v)) for k, v in data.get("columns", {}).items()}
        plan = cls(
            columns=columns,
            country=str(data.get("country", DEFAULTS.country)).upper(),
            country_column=data.get("country_column"),
            preserve_accents=bool(data.get("preserve_accents", False)),
            output_format=str(data.get("output_format", DEFAULTS.output_format)),
            sheet=data.get("sheet"),
            safe_formulas=bool(data.get("safe_formulas", False)),
            check_mx=bool(data.get("check_mx", False)),
            values=tuple(ValueOverride.from_dict(v) for v in data.get("values") or ()),
            address_line=bool(data.get("address_line", False)),
        )
        plan.validate()
        return plan

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as err:
            raise InputError(f"plan is not valid JSON: {err.msg} at line {err.lineno}") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise InputError(f"cannot read plan {path}: {err.strerror}") from None
        return cls.from_json(text)


def parse_type_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["Tel=phone", "Notes=none"]`` (the command line's ``--type``) -> ``{"Tel": "phone", ...}``."""
    overrides = {}
    for item in items:
        column, sep, kind = item.rpartition("=")
        if not sep or not column:
            raise InputError(f"--type takes COLUMN=TYPE, not {item!r}")
        overrides[column] = kind
    return overrides
