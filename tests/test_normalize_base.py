"""The shared machinery of the normalizers: empties, invalid values kept, outcomes, the slow path."""

import polars as pl

from normdesk.engine.normalize.base import NormalizeOptions, Normalizer, map_distinct
from normdesk.engine.types import ColumnType, Outcome


class Shout(Normalizer):
    """Upper-cases; "bad" is invalid; "boom" makes the 'library' raise."""

    type = ColumnType.NAME
    calls: list[str]

    def _normalize(self, stripped):
        self.calls = []

        def compute(text):
            self.calls.append(text)
            if text == "boom":
                raise ValueError("library bug")
            return text.upper(), ("is bad" if text == "bad" else None)

        return map_distinct(stripped, compute, ["value", "reason"], self.cache)


def test_outcomes_empties_and_invalid_values_kept():
    out = Shout(NormalizeOptions()).normalize(pl.Series(["a", " A ", None, "  ", " bad ", "B", "a"]))
    assert out["value"].to_list() == ["A", "A", None, "", " bad ", "B", "A"]
    assert out["outcome"].to_list() == [Outcome.CHANGED, Outcome.CHANGED, Outcome.EMPTY, Outcome.EMPTY,
                                        Outcome.INVALID, Outcome.UNCHANGED, Outcome.CHANGED]
    assert out["reason"].to_list() == [None, None, None, None, "is bad", None, None]


def test_each_distinct_value_is_computed_once_across_chunks():
    norm = Shout(NormalizeOptions())
    norm.normalize(pl.Series(["x", "y", "x", " x"]))
    assert sorted(norm.calls) == ["x", "y"]
    norm.normalize(pl.Series(["x", "z"]))
    assert norm.calls == ["z"], "x came from the cache"


def test_a_library_exception_on_one_value_flags_it_instead_of_failing():
    out = Shout(NormalizeOptions()).normalize(pl.Series(["ok", "boom"]))
    assert out["value"].to_list() == ["OK", "boom"]
    assert out["outcome"].to_list() == [Outcome.CHANGED, Outcome.INVALID]
    assert out["reason"][1] == "could not be parsed (ValueError)"
