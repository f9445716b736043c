"""The contract of a group normalizer: the columns of one record (an address, a person's name)
normalized together, each part written back in its own column.

``normalize({part: values}, regions)`` returns ``{part: result}``, each result a frame like a
column normalizer's (``value``, ``outcome``, ``reason``; see base.py, no components), and the
optional one-line value of the record (or None). Like the column normalizers, a group normalizer
works on whole chunks with polars expressions, and sends only distinct values to slow paths,
through caches that live as long as the process.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from importlib import import_module

import polars as pl

from normdesk.engine.normalize.base import NormalizeOptions
from normdesk.engine.types import ColumnType

_CLASSES = {
    ColumnType.ADDRESS: ("normdesk.engine.normalize.address_group", "AddressGroupNormalizer"),
    ColumnType.NAME: ("normdesk.engine.normalize.name_group", "NameGroupNormalizer"),
}


class GroupNormalizer(ABC):
    """One group's parts; ``line``: also give the record as one line (addresses)."""

    def __init__(self, options: NormalizeOptions, parts: tuple[str, ...], line: bool = False) -> None:
        self.options = options
        self.parts = parts
        self.line = line

    def data_versions(self) -> dict[str, str]:
        return {}

    @abstractmethod
    def normalize(
        self, columns: dict[str, pl.Series], regions: pl.Series | None = None
    ) -> tuple[dict[str, pl.DataFrame], pl.Series | None]:
        """Results by part, and the one-line record when ``line`` (else None)."""


def make_group_normalizer(
    ctype: ColumnType, options: NormalizeOptions, parts: tuple[str, ...], line: bool = False
) -> GroupNormalizer:
    module, cls = _CLASSES[ColumnType(ctype)]
    return getattr(import_module(module), cls)(options, parts, line)
