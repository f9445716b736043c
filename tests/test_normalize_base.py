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


class Flag(Normalizer):
    """Lower-cases; "bad" is invalid; values with "x" get a warning, "xx" two."""

    type = ColumnType.EMAIL

    def _normalize(self, stripped):
        warn = (pl.when(stripped.str.contains("xx")).then(pl.lit("has x: twice; double"))
                .when(stripped.str.contains("x")).then(pl.lit("has x: once")))
        return pl.DataFrame({"value": stripped.str.to_lowercase(),
                             "reason": pl.select(pl.when(stripped == "bad").then(pl.lit("is bad"))).to_series(),
                             "warning": pl.select(warn).to_series()})


def test_warnings_are_valid_values_with_a_reason_and_counted_by_kind():
    from normdesk.engine.normalize.base import warning_kinds

    out = Flag(NormalizeOptions()).normalize(pl.Series(["Xx1", "ax", "bxx", "bad", "", None, "ok"]))
    assert out["value"].to_list() == ["xx1", "ax", "bxx", "bad", "", None, "ok"]
    assert out["outcome"].to_list() == [Outcome.WARNING] * 3 + [Outcome.INVALID, Outcome.EMPTY, Outcome.EMPTY,
                                                                Outcome.UNCHANGED]
    assert out["reason"].to_list() == ["has x: once", "has x: once", "has x: twice; double", "is bad",
                                       None, None, None]
    assert warning_kinds(out["outcome"], out["reason"]) == {"has x": 3, "double": 1}


def test_a_normalizer_without_warnings_has_none():
    out = Shout(NormalizeOptions()).normalize(pl.Series(["a", "bad"]))
    assert out.columns == ["value", "outcome", "reason"]
    assert Outcome.WARNING not in out["outcome"].to_list()
