"""Clusters from scored pairs (match/clusters.py): components, scores, decisions, summaries."""

from __future__ import annotations

import numpy as np
import polars as pl

from normdesk.match.clusters import PAIRS_SCHEMA, Decisions, assign, links, multi_row, summary

PAIRS = pl.DataFrame({"unique_id_l": [1, 3, 6, 8, 9], "unique_id_r": [3, 4, 7, 9, 10],
                      "match_probability": [0.95, 0.97, 0.5, 0.99, 0.92]}, schema=PAIRS_SCHEMA)
IDS = np.arange(1, 11, dtype=np.int64)


def test_components_are_named_by_their_smallest_row_and_scored_by_their_best_link():
    edges = links(PAIRS, 0.9)
    out = assign(IDS, edges)
    assert out.get_column("cluster").to_list() == [1, 2, 1, 1, 5, 6, 7, 8, 8, 8]  # 1-3-4 and the chain 8-9-10
    assert out.get_column("score").to_list()[:4] == [0.95, None, 0.97, 0.97]
    assert summary(out, edges) == {"clusters": 6, "rows_in_clusters": 6, "links": 4}
    assert [list(r) for r in multi_row(out).get_column("rows")] == [[1, 3, 4], [8, 9, 10]]
    assert summary(assign(IDS, links(PAIRS, 0.4)), links(PAIRS, 0.4))["clusters"] == 5


def test_rows_linked_to_a_base_count_as_rows_in_clusters():
    # new rows 11-14 against a base of 1-10: 11 and 13 took base row 3, 12 took base row 5, 14 is new
    linked = pl.DataFrame({"unique_id": [11, 12, 13, 14], "cluster": [3, 5, 3, 14], "score": [0.99, 0.95, 0.97, None]})
    edges = pl.DataFrame({"unique_id_l": [3, 5, 3], "unique_id_r": [11, 12, 13]})
    assert summary(linked, edges) == {"clusters": 3, "rows_in_clusters": 3, "links": 3}


def test_decisions_split_and_confirm_at_any_threshold():
    decisions = Decisions()
    decisions.decide([4, 3], "split")
    decisions.decide([7, 6], "confirmed")
    assert decisions.verdict([3, 4]) == "split" and decisions.verdict([6, 7]) == "confirmed"
    out = assign(IDS, links(PAIRS, 0.9, decisions))
    assert out.get_column("cluster").to_list()[:7] == [1, 2, 1, 4, 5, 6, 6]
    assert out.filter(pl.col("unique_id") == 7).get_column("score").item() == 1.0
    decisions.decide([3, 4], None)
    assert Decisions.from_dict(decisions.to_dict()).to_dict() == {"confirmed": [[6, 7]], "split": []}


def test_no_rows():
    empty = assign(np.array([], dtype=np.int64), links(PAIRS.clear(), 0.9))
    assert empty.height == 0 and empty.columns == ["unique_id", "cluster", "score"]
