"""Find the same person across rows and files: normalize each file (the plan machinery of
``run``), compare the normalized forms with Splink on DuckDB (on disk, in the data folder), cluster
the links above the threshold (connected components) and write every row back with its cluster."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker

from normdesk.engine import InputError, Plan, detect_file, open_source, plan_from_detection, run_file
from normdesk.engine.reader import unique_columns
from normdesk.engine.transform import output_layout
from normdesk.engine.writer import finalize, new_part_path
from normdesk.match import model
from normdesk.match.columns import add_name_keys, comparison_frame, roles_for
from normdesk.paths import data_dir

CLUSTER, SCORE, SOURCE, MERGED = "normdesk_cluster", "normdesk_match_score", "normdesk_source", "normdesk_merged_rows"
MEMORY_LIMIT = "1GB"  # DuckDB spills to its temporary folder in the data folder beyond this


@dataclass
class DedupeReport:
    rows: int = 0
    clusters: int = 0
    rows_in_clusters: int = 0  # rows that share their cluster with at least one other row
    pairs_compared: int = 0
    links: int = 0  # pairs above the threshold
    blocking_rules: list[str] = field(default_factory=list)
    match_columns: list[str] = field(default_factory=list)
    threshold: float = 0.9
    output: str = ""
    merged: str | None = None
    elapsed_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        return (f"{self.rows:,} rows -> {self.clusters:,} clusters ({self.rows_in_clusters:,} rows in clusters "
                f"of 2 or more); {self.pairs_compared:,} pairs compared, {self.links:,} links >= {self.threshold}; "
                f"{self.elapsed_s:.1f} s\nblocking rules: {', '.join(self.blocking_rules) or 'none'}\n"
                f"compared: {', '.join(self.match_columns)}\noutput: {self.output}"
                + (f"\nmerged: {self.merged}" if self.merged else ""))


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    normalized: Path
    first_id: int
    rows: int


def dedupe(
    inputs: Sequence[str | Path], output: str | Path, *, plan: Plan | None = None, threshold: float = 0.9,
    merged: str | Path | None = None, match: list[str] | None = None, against: str | Path | None = None,
    output_format: str = "csv",
) -> DedupeReport:
    """Cluster the rows of ``inputs`` (or link them to ``against``) into ``output``; returns the report."""
    started = time.monotonic()
    if not 0.0 < threshold < 1.0:
        raise InputError(f"the threshold is a probability between 0 and 1, not {threshold}")
    work = Path(tempfile.mkdtemp(prefix="dedupe-", dir=data_dir()))
    try:
        paths = ([Path(against)] if against else []) + [Path(p) for p in inputs]
        files, frames, present = _prepare(paths, work, plan, match)
        if not present:
            raise InputError("no column to compare: no name, email, phone, address or date of birth was found")
        con = duckdb.connect(str(work / "match.duckdb"))
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET temp_directory = '{work / 'spill'}'; "
                    "SET preserve_insertion_order = false")
        keys = model.block_keys(present)
        con.register("compare_raw", pl.concat(frames))
        con.execute(f"CREATE TABLE compare AS {model.block_key_sql('compare_raw', keys)}")
        con.unregister("compare_raw")
        del frames
        report = DedupeReport(rows=sum(f.rows for f in files), threshold=threshold,
                              blocking_rules=[k for k, _ in keys], match_columns=sorted(present))
        edges = _links(con, present, [k for k, _ in keys], threshold, bool(against), report)
        base = files[0] if against else None
        assignment = _assign(con, work, edges, base, report)
        out_files = files[1:] if against else files
        _write(out_files, assignment, Path(output), output_format, several=len(out_files) > 1)
        report.output = str(output)
        if merged:
            _write_merged(con, assignment, out_files, Path(merged), output_format)
            report.merged = str(merged)
        con.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.elapsed_s = round(time.monotonic() - started, 3)
    return report


def _prepare(paths, work, plan, match):
    files, frames, present, next_id = [], [], set(), 1
    for i, path in enumerate(paths):
        with open_source(path, plan.sheet if plan else None) as source:
            columns, header = source.columns, source.header
        file_plan = plan if plan is not None else plan_from_detection(detect_file(path))
        file_plan = file_plan.with_options(output_format="parquet")
        normalized = work / f"file{i}.parquet"
        run_file(path, normalized, file_plan)
        out_names = unique_columns([c.header for c in output_layout(file_plan, columns, header)])
        if match:
            missing = [m for m in match if m not in [h.strip() for h in header]]
            if missing:
                raise InputError(f"--match names columns {path.name} does not have: {', '.join(missing)}")
        roles = roles_for(file_plan, columns, header, out_names, match)
        frame = comparison_frame(pl.scan_parquet(normalized), roles, next_id, i).collect()
        frames.append(frame)
        present |= set(roles.columns) | ({"house"} if "street" in roles.columns else set())
        files.append(_File(path, normalized, next_id, frame.height))
        next_id += frame.height
    frames = [add_name_keys(f) for f in (frames if len(frames) == 1 else [pl.concat(frames)])]
    return files, frames, present


def _links(con, present, keys, threshold, against, report) -> str:
    """Scored pairs above the threshold, in table ``edges`` (unique_id_l, unique_id_r, match_probability)."""
    db = DuckDBAPI(con)
    if against:
        con.execute("CREATE TABLE base_rows AS SELECT * FROM compare WHERE source_dataset = 'f0'; "
                    "CREATE TABLE new_rows AS SELECT * FROM compare WHERE source_dataset <> 'f0'")
        base, new = db.register("base_rows", table_name="base"), db.register("new_rows", table_name="new")
        linker = Linker([base, new], model.settings(present, keys, "link_only"), log_level=logging.ERROR)
    else:
        linker = Linker(db.register("compare", table_name="rows"), model.settings(present, keys, "dedupe_only"),
                        log_level=logging.ERROR)
    model.train(linker, keys, present)
    predictions = linker.inference.predict(warning_mode="never")
    table = predictions.physical_name
    report.pairs_compared = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    con.execute(f"CREATE TABLE edges AS SELECT unique_id_l, unique_id_r, match_probability FROM {table} "
                f"WHERE match_probability >= {threshold}")
    report.links = con.execute("SELECT count(*) FROM edges").fetchall()[0][0]
    return "edges"


def _assign(con, work: Path, edges, base: _File | None, report) -> Path:
    """Cluster and score of every row, by unique_id. Clusters are the connected components of the
    links, named by their smallest row number; against a base, a new row takes its best base row's id."""
    if base is None:
        con.execute(f"""
            CREATE TABLE nodes AS SELECT unique_id AS id, unique_id AS cluster FROM compare;
            CREATE TABLE both_ways AS SELECT unique_id_l AS a, unique_id_r AS b FROM {edges}
                UNION ALL SELECT unique_id_r, unique_id_l FROM {edges};""")
        while True:  # label propagation: each row takes the smallest label among its neighbours
            changed = con.execute("""
                CREATE OR REPLACE TABLE next AS
                SELECT n.id, least(n.cluster, coalesce(min(m.cluster), n.cluster)) AS cluster
                FROM nodes n LEFT JOIN both_ways e ON e.a = n.id LEFT JOIN nodes m ON m.id = e.b
                GROUP BY n.id, n.cluster;
                SELECT count(*) FROM next JOIN nodes USING (id) WHERE next.cluster <> nodes.cluster""").fetchall()[0][0]
            con.execute("DROP TABLE nodes; ALTER TABLE next RENAME TO nodes")
            if not changed:
                break
        score = f"""SELECT id, max(p) AS score FROM (SELECT unique_id_l AS id, match_probability AS p FROM {edges}
                    UNION ALL SELECT unique_id_r, match_probability FROM {edges}) GROUP BY id"""
    else:
        con.execute(f"""
            CREATE TABLE nodes AS SELECT c.unique_id AS id, coalesce(best.base, c.unique_id) AS cluster FROM compare c
            LEFT JOIN (SELECT unique_id_r AS id, arg_max(unique_id_l, match_probability) AS base FROM {edges}
                       GROUP BY unique_id_r) best ON best.id = c.unique_id
            WHERE c.source_dataset <> 'f0'""")
        score = f"SELECT unique_id_r AS id, max(match_probability) AS score FROM {edges} GROUP BY id"
    path = work / "assign.parquet"
    con.execute(f"""COPY (SELECT n.id AS unique_id, n.cluster, s.score FROM nodes n LEFT JOIN ({score}) s USING (id)
                    ORDER BY n.id) TO '{path}' (FORMAT parquet)""")
    stats = con.execute("SELECT count(*), sum(CASE WHEN k > 1 THEN k END) FROM "
                        "(SELECT count(*) AS k FROM nodes GROUP BY cluster)").fetchall()[0]
    report.clusters, report.rows_in_clusters = stats[0], int(stats[1] or 0)
    return path


def _clustered(files: list[_File], assignment: Path, several: bool, base_clusters: bool = False) -> pl.LazyFrame:
    parts = []
    assign = pl.scan_parquet(assignment)
    for f in files:
        extra = assign.filter(pl.col("unique_id").is_between(f.first_id, f.first_id + f.rows - 1)).select(
            pl.col("cluster").alias(CLUSTER), pl.col("score").round(4).alias(SCORE))
        frame = pl.concat([pl.scan_parquet(f.normalized), extra], how="horizontal")
        if several:
            frame = frame.with_columns(pl.lit(f.path.name).alias(SOURCE))
        parts.append(frame)
    return pl.concat(parts, how="diagonal_relaxed")


def _write(files, assignment, output: Path, fmt: str, several: bool) -> None:
    frame = _clustered(files, assignment, several)
    _sink(frame, output, fmt)


def _sink(frame: pl.LazyFrame, output: Path, fmt: str) -> None:
    """Written to a part file beside the output, then converted and renamed (atomic)."""
    part = new_part_path(output)
    try:
        frame.sink_csv(part)
        finalize(part, output, fmt, ",", frame.collect_schema().names())
    finally:
        part.unlink(missing_ok=True)


def _write_merged(con, assignment: Path, files: list[_File], merged: Path, fmt: str) -> None:
    """One golden row per cluster: per column the most frequent non-empty value, ties to the newest
    file (modification time), then the most complete (longest) value; plus the rows it merged."""
    rows = _clustered(files, assignment, several=False)
    newest = {f.path.name: rank for rank, f in enumerate(sorted(files, key=lambda f: f.path.stat().st_mtime))}
    ranks = pl.concat([pl.repeat(newest[f.path.name], f.rows, eager=True, dtype=pl.Int32) for f in files])
    ids = pl.concat([pl.int_range(f.first_id, f.first_id + f.rows, eager=True) for f in files])
    table = rows.collect().with_columns(_file_rank=ranks, _row=ids)
    con.register("clustered", table)
    value_cols = [c for c in table.columns if c not in (CLUSTER, SCORE, "_file_rank", "_row")]
    # window counts cannot sit inside an aggregate: compute them first
    counted = ", ".join(f'count("{c}") OVER (PARTITION BY {CLUSTER}, "{c}") AS "_n{i}"' for i, c in enumerate(value_cols))
    picks = ", ".join(
        f'arg_max("{c}", [ "_n{i}", _file_rank, length("{c}") ]) FILTER (WHERE "{c}" IS NOT NULL) AS "{c}"'
        for i, c in enumerate(value_cols)
    )
    golden = con.execute(f"""
        SELECT {CLUSTER}, {picks}, string_agg(_row::VARCHAR, ';' ORDER BY _row) AS {MERGED}
        FROM (SELECT *, {counted} FROM clustered) GROUP BY {CLUSTER} ORDER BY {CLUSTER}""").to_arrow_table()
    con.unregister("clustered")
    _sink(pl.from_arrow(golden).lazy(), merged, fmt)
