"""Spreadsheet formula cells (CSV injection): an untyped cell beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is run as a formula by Excel or LibreOffice when the CSV is opened
there (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). Plain numbers (``-12.5``, ``+3``) are not.

``risky(expr)`` finds such cells, vectorized; ``protect(expr)`` prefixes ``'`` to them (the OWASP
advice), which spreadsheets show as text. Typed columns are never touched: an E.164 phone starts
with ``+`` and is data."""

from __future__ import annotations

import polars as pl

_TRIGGER = r"^[=+\-@\t\r]"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def risky(col: pl.Expr) -> pl.Expr:
    """True for a cell a spreadsheet would treat as a formula; null cells are False."""
    return (col.str.contains(_TRIGGER) & ~col.str.contains(_NUMBER)).fill_null(False)


def protect(col: pl.Expr) -> pl.Expr:
    """The cell with ``'`` in front when it is ``risky``, else unchanged (alias it: it is named "literal")."""
    return pl.when(risky(col)).then(pl.lit("'") + col).otherwise(col)
