"""Per-type normalizers: one module per type, each a ``Normalizer`` subclass."""

from __future__ import annotations

from importlib import import_module

from normdesk.engine.normalize.base import NormalizeOptions, Normalizer
from normdesk.engine.types import ColumnType

_CLASSES = {
    ColumnType.NAME: ("normdesk.engine.normalize.name", "NameNormalizer"),
    ColumnType.EMAIL: ("normdesk.engine.normalize.email", "EmailNormalizer"),
    ColumnType.PHONE: ("normdesk.engine.normalize.phone", "PhoneNormalizer"),
    ColumnType.ADDRESS: ("normdesk.engine.normalize.address", "AddressNormalizer"),
}


def make_normalizer(ctype: ColumnType, options: NormalizeOptions, part: str | None = None) -> Normalizer:
    """The normalizer for a column type (modules load on first use: each library is costly)."""
    module, cls = _CLASSES[ColumnType(ctype)]
    return getattr(import_module(module), cls)(options, part)


__all__ = ["NormalizeOptions", "Normalizer", "make_normalizer"]
