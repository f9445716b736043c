"""Clusters from scored pairs: the connected components of the links at or above a threshold,
after the user's decisions. Cheap enough to redo whenever the threshold moves (no Splink).

A decision names rows by their ``unique_id`` (the global 1-based row number, stable between runs
on the same input): *confirmed* rows are one person whatever their scores; *split* rows are not
linked to each other (their pairs are dropped; links to other rows still count).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

PAIRS_SCHEMA = {"unique_id_l": pl.Int64, "unique_id_r": pl.Int64, "match_probability": pl.Float64}


@dataclass
class Decisions:
    """The user's verdicts on clusters, each a sorted list of row ids."""

    confirmed: list[list[int]] = field(default_factory=list)
    split: list[list[int]] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict | None) -> Decisions:
        data = data or {}
        return cls([sorted(map(int, g)) for g in data.get("confirmed", [])],
                   [sorted(map(int, g)) for g in data.get("split", [])])

    def to_dict(self) -> dict:
        return {"confirmed": self.confirmed, "split": self.split}

    def decide(self, rows: list[int], verdict: str | None) -> None:
        """Record ``verdict`` ("confirmed", "split", or None to forget) for exactly these rows."""
        rows = sorted(rows)
        self.confirmed = [g for g in self.confirmed if g != rows]
        self.split = [g for g in self.split if g != rows]
        if verdict is not None:
            getattr(self, verdict).append(rows)

    def verdict(self, rows: list[int]) -> str | None:
        rows = sorted(rows)
        return "confirmed" if rows in self.confirmed else "split" if rows in self.split else None


def links(pairs: pl.DataFrame, threshold: float, decisions: Decisions | None = None) -> pl.DataFrame:
    """The pairs at or above ``threshold``, minus the split ones, plus a link of probability 1
    from the first row of each confirmed group to each other row."""
    kept = pairs.lazy().filter(pl.col("match_probability") >= threshold).select(list(PAIRS_SCHEMA))
    if decisions and decisions.split:
        groups = pl.LazyFrame({"uid": [i for g in decisions.split for i in g],
                               "group": [n for n, g in enumerate(decisions.split) for _ in g]},
                              schema={"uid": pl.Int64, "group": pl.Int64})
        left = kept.join(groups, left_on="unique_id_l", right_on="uid", how="inner")
        inside = left.join(groups, left_on=["unique_id_r", "group"], right_on=["uid", "group"], how="inner")
        kept = kept.join(inside.select("unique_id_l", "unique_id_r").unique(), on=["unique_id_l", "unique_id_r"],
                         how="anti")
    out = kept.collect()
    if decisions and decisions.confirmed:
        star = pl.DataFrame({"unique_id_l": [g[0] for g in decisions.confirmed for _ in g[1:]],
                             "unique_id_r": [i for g in decisions.confirmed for i in g[1:]],
                             "match_probability": [1.0 for g in decisions.confirmed for _ in g[1:]]},
                            schema=PAIRS_SCHEMA)
        out = pl.concat([out, star])
    return out


def assign(ids: np.ndarray, edges: pl.DataFrame) -> pl.DataFrame:
    """``unique_id``, ``cluster`` (the smallest row id of its connected component) and ``score``
    (the best link of the row, null for a singleton) for every id of ``ids`` (sorted, unique)."""
    n = len(ids)
    if n == 0:
        return pl.DataFrame(schema={"unique_id": pl.Int64, "cluster": pl.Int64, "score": pl.Float64})
    left = np.searchsorted(ids, edges.get_column("unique_id_l").to_numpy())
    right = np.searchsorted(ids, edges.get_column("unique_id_r").to_numpy())
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    smallest = np.full(labels.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(smallest, labels, ids)
    prob = edges.get_column("match_probability").to_numpy()
    score = np.full(n, np.nan)
    np.fmax.at(score, left, prob)
    np.fmax.at(score, right, prob)
    return pl.DataFrame({"unique_id": ids, "cluster": smallest[labels], "score": score}).with_columns(
        pl.col("score").fill_nan(None))


def summary(assignment: pl.DataFrame, edges: pl.DataFrame) -> dict:
    """clusters, rows_in_clusters (rows sharing their cluster: with another row of the assignment, or
    with the base row whose id they took when linked against a base) and links of an assignment."""
    cluster = pl.col("cluster")
    together = assignment.filter((cluster != pl.col("unique_id")) | cluster.is_duplicated()).height
    return {"clusters": assignment.get_column("cluster").n_unique(), "rows_in_clusters": together,
            "links": edges.height}


def multi_row(assignment: pl.DataFrame) -> pl.DataFrame:
    """The clusters of two rows or more, largest first (then by cluster id): cluster, size, rows, score."""
    return (assignment.group_by("cluster")
            .agg(pl.len().alias("size"), pl.col("unique_id").sort().alias("rows"), pl.col("score").max())
            .filter(pl.col("size") > 1).sort(["size", "cluster"], descending=[True, False]))
