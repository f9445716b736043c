"""What every sub-command shares: exit codes, the output formats by file suffix, and the plan
options of ``run`` and ``jobs submit``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT, EXIT_STORE, EXIT_CANCELLED = 0, 1, 2, 3, 130
FORMATS = ("csv", "xlsx", "json", "parquet")
FORMAT_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".parquet": "parquet"}


def fail(message: str, code: int) -> int:
    """Print ``normdesk: MESSAGE`` on stderr; returns ``code``."""
    print(f"normdesk: {message}", file=sys.stderr)
    return code


def add_plan_options(p: argparse.ArgumentParser) -> None:
    """The plan's switches that ``run`` and ``jobs submit`` both take (unset: the plan's own)."""
    p.add_argument("--address-line", action="store_true", default=None,
                   help="address groups: also add a column with the one-line standardized address")
    p.add_argument("--preserve-accents", action="store_true", default=None, help="keep accents in names")
    p.add_argument("--safe-formulas", action="store_true", default=None,
                   help="prefix ' to untyped cells a spreadsheet would run as formulas (=, +, -, @, tab, CR)")


def plan_options(args: argparse.Namespace) -> dict[str, Any]:
    """The switches of ``add_plan_options`` that were given, as plan options."""
    given = {"address_line": args.address_line, "preserve_accents": args.preserve_accents,
             "safe_formulas": args.safe_formulas}
    return {key: value for key, value in given.items() if value is not None}
