"""What every sub-command shares: exit codes and the output formats by file suffix."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_OUTPUT, EXIT_INPUT, EXIT_STORE, EXIT_CANCELLED = 0, 1, 2, 3, 130
FORMATS = ("csv", "xlsx", "json", "parquet")
FORMAT_BY_SUFFIX = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".parquet": "parquet"}


def fail(message: str, code: int) -> int:
    """Print ``normdesk: MESSAGE`` on stderr; returns ``code``."""
    print(f"normdesk: {message}", file=sys.stderr)
    return code
