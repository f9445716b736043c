"""Write the clustered rows and the golden rows from the kept rows (``rows.parquet``: unique_id,
_file_rank, the normalized columns) and an assignment (unique_id, cluster, score), atomically.
Used by ``dedupe`` and by the window's export at another threshold."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from normdesk.engine.writer import finalize, new_part_path

CLUSTER, SCORE, SOURCE, MERGED = "normdesk_cluster", "normdesk_match_score", "normdesk_source", "normdesk_merged_rows"
INTERNAL = ("unique_id", "_file_rank")


def clustered(rows: Path, assignment: pl.DataFrame) -> pl.LazyFrame:
    """Every kept row in order with its cluster and score."""
    extra = assignment.lazy().select("unique_id", pl.col("cluster").alias(CLUSTER),
                                     pl.col("score").round(4).alias(SCORE))
    frame = pl.scan_parquet(rows).join(extra, on="unique_id", how="left", maintain_order="left")
    names = frame.collect_schema().names()
    return frame.select([c for c in names if c != SOURCE] + [c for c in names if c == SOURCE])


def write_clustered(rows: Path, assignment: pl.DataFrame, output: Path, fmt: str) -> None:
    sink(clustered(rows, assignment).drop(INTERNAL), output, fmt)


def write_merged(rows: Path, assignment: pl.DataFrame, merged: Path, fmt: str, memory_limit: str = "1GB") -> None:
    """One golden row per cluster: per column the most frequent non-empty value, ties to the newest
    file (modification time), then the most complete (longest) value, then the first row's (the same
    bytes on every run); plus the rows it merged."""
    table = clustered(rows, assignment).drop(SCORE, SOURCE, strict=False).collect()
    value_cols = [c for c in table.columns if c not in (CLUSTER, *INTERNAL)]
    # window counts cannot sit inside an aggregate: compute them first
    counted = ", ".join(f'count("{c}") OVER (PARTITION BY {CLUSTER}, "{c}") AS "_n{i}"' for i, c in enumerate(value_cols))
    picks = ", ".join(
        f'arg_max("{c}", [ "_n{i}", _file_rank, length("{c}"), -unique_id ]) FILTER (WHERE "{c}" IS NOT NULL) AS "{c}"'
        for i, c in enumerate(value_cols)
    )
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.register("clustered", table)
        golden = con.sql(f"""
            SELECT {CLUSTER}, {picks}, string_agg(unique_id::VARCHAR, ';' ORDER BY unique_id) AS {MERGED}
            FROM (SELECT *, {counted} FROM clustered) GROUP BY {CLUSTER} ORDER BY {CLUSTER}""").pl()
    sink(golden.lazy(), merged, fmt)


def write_pairs(pairs: pl.DataFrame, assignment: pl.DataFrame, output: Path) -> None:
    """The scored pairs (CSV) with each row's cluster: unique_id_l, unique_id_r, match_probability,
    cluster_l, cluster_r."""
    clusters = assignment.lazy().select("unique_id", "cluster")
    frame = (pairs.lazy().join(clusters.rename({"unique_id": "unique_id_l", "cluster": "cluster_l"}),
                               on="unique_id_l", how="left")
             .join(clusters.rename({"unique_id": "unique_id_r", "cluster": "cluster_r"}), on="unique_id_r", how="left")
             .sort(["unique_id_l", "unique_id_r"]))
    sink(frame, output, "csv")


def sink(frame: pl.LazyFrame, output: Path, fmt: str) -> None:
    """Written to a part file beside the output, then converted and renamed (atomic)."""
    part = new_part_path(output)
    try:
        frame.sink_csv(part)
        finalize(part, output, fmt, ",", frame.collect_schema().names())
    finally:
        part.unlink(missing_ok=True)
