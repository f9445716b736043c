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
import numpy as np
import polars as pl
from splink import DuckDBAPI, Linker

from normdesk.engine import Cancelled, InputError, Plan, detect_file, open_source, plan_from_detection, run_file
from normdesk.engine.progress import NoProgress, Progress
from normdesk.engine.reader import unique_columns
from normdesk.engine.transform import output_layout
from normdesk.match import base_cache, clusters, model
from normdesk.match.clusters import Decisions
from normdesk.match.columns import add_name_keys, comparison_frame, roles_for
from normdesk.match.export import SOURCE, write_clustered, write_merged
from normdesk.paths import data_dir

MEMORY_LIMIT = "1GB"  # DuckDB spills to its temporary folder in the data folder beyond this
KEPT = ("rows.parquet", "pairs.parquet")  # what ``keep`` receives: the window re-clusters from these


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
    phases_s: dict[str, float] = field(default_factory=dict)  # normalize, block, train, predict, cluster, write

    def to_dict(self) -> dict:
        """With ``total_rows`` (the job queue's row count) and ``kind`` (a dedupe report, not a run's)."""
        return {**asdict(self), "kind": "dedupe", "total_rows": self.rows}

    @classmethod
    def from_dict(cls, data: dict) -> DedupeReport:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def summary(self) -> str:
        return (f"{self.rows:,} rows -> {self.clusters:,} clusters ({self.rows_in_clusters:,} rows in clusters "
                f"of 2 or more); {self.pairs_compared:,} pairs compared, {self.links:,} links >= {self.threshold}; "
                f"{self.elapsed_s:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in self.phases_s.items())})\nblocking rules: {', '.join(self.blocking_rules) or 'none'}\n"
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
    output_format: str = "csv", progress: Progress | None = None, decisions: Decisions | None = None,
    keep: Path | None = None,
) -> DedupeReport:
    """Cluster the rows of ``inputs`` (or link them to ``against``) into ``output``; returns the report.
    ``progress`` is told the rows normalized and the share of the work done, and is asked between
    phases whether to stop (``Cancelled``); ``decisions`` are the user's verdicts on clusters;
    ``keep`` (a folder) receives the rows and every scored pair, to re-cluster without Splink."""
    started = time.monotonic()
    if not 0.0 < threshold < 1.0:
        raise InputError(f"the threshold is a probability between 0 and 1, not {threshold}")
    phases = _Phases(progress or NoProgress())
    work = Path(tempfile.mkdtemp(prefix="dedupe-", dir=data_dir()))
    try:
        paths = ([Path(against)] if against else []) + [Path(p) for p in inputs]
        files, frames, present = _prepare(paths, work, plan, match, phases, base=bool(against))
        phases.reached(_Phases.NORMALIZED, "normalize")  # and the comparison columns, name sounds, nicknames
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
        phases.reached(0.55, "block")
        report = DedupeReport(rows=sum(f.rows for f in files), threshold=threshold,
                              blocking_rules=[k for k, _ in keys], match_columns=sorted(present))
        pairs_path = work / "pairs.parquet"
        _score_pairs(con, present, [k for k, _ in keys], bool(against), pairs_path, phases, report)
        out_files = files[1:] if against else files
        rows_path = _keep_rows(out_files, work / "rows.parquet")
        pairs = pl.read_parquet(pairs_path, columns=list(clusters.PAIRS_SCHEMA))
        edges = clusters.links(pairs, threshold, None if against else decisions)
        if against:
            assignment = _linked_to_base(con, edges)
        else:
            assignment = clusters.assign(np.arange(1, report.rows + 1, dtype=np.int64), edges)
        con.close()
        counts = clusters.summary(assignment, edges)
        report.clusters, report.rows_in_clusters, report.links = counts["clusters"], counts["rows_in_clusters"], counts["links"]
        phases.reached(0.9, "cluster")
        write_clustered(rows_path, assignment, Path(output), output_format)
        report.output = str(output)
        if merged:
            write_merged(rows_path, assignment, Path(merged), output_format, MEMORY_LIMIT)
            report.merged = str(merged)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in KEPT:
                shutil.move(work / name, keep / name)
        phases.reached(1.0, "write")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.elapsed_s = round(time.monotonic() - started, 3)
    report.phases_s = phases.seconds
    return report


class _Phases:
    """Maps the work onto one 0..1 progress: normalizing the files takes the first half (each file
    its share), scoring and clustering the rest; asks to stop between phases."""

    NORMALIZED = 0.5

    def __init__(self, progress: Progress) -> None:
        self.progress, self.rows, self.fraction = progress, 0, 0.0
        self.seconds: dict[str, float] = {}  # wall time of each phase
        self._mark = time.monotonic()

    def reached(self, fraction: float, phase: str) -> None:
        """``phase`` is done: time it, report the progress, stop if asked to."""
        now = time.monotonic()
        self.seconds[phase], self._mark = round(now - self._mark, 2), now
        if self.progress.cancelled():
            raise Cancelled()
        self.fraction = fraction
        self.progress.update(self.rows, fraction)

    def file(self, index: int, count: int) -> Progress:
        """The progress of normalizing file ``index`` of ``count``."""
        outer, before = self, self.rows

        class _FileProgress:
            def update(self, rows_done: int, fraction: float) -> None:
                outer.rows = before + rows_done
                outer.fraction = outer.NORMALIZED * (index + fraction) / count
                outer.progress.update(outer.rows, outer.fraction)

            def cancelled(self) -> bool:
                return outer.progress.cancelled()

        return _FileProgress()


def _prepare(paths, work, plan, match, phases: _Phases, base: bool):
    """Normalize each file and take its comparison frame; ``base``: the first file is the base of a
    link, whose frame is kept in the data folder and taken from there while the base is unchanged."""
    files, frames, present, next_id = [], [], set(), 1
    for i, path in enumerate(paths):
        with open_source(path, plan.sheet if plan else None) as source:
            columns, header = source.columns, source.header
        if match:
            missing = [m for m in match if m not in [h.strip() for h in header]]
            if missing:
                raise InputError(f"--match names columns {path.name} does not have: {', '.join(missing)}")
        key = base_cache.base_key(path, plan, match) if base and i == 0 else None
        kept = base_cache.load(key) if key else None
        if kept is not None:
            frame, roles_present = kept
        else:
            frame, roles_present = _normalized(path, work / f"file{i}.parquet", plan, match, columns, header,
                                               next_id, i, phases.file(i, len(paths)))
            if key:
                base_cache.keep(key, frame, roles_present)
        frames.append(frame)
        present |= roles_present
        files.append(_File(path, work / f"file{i}.parquet", next_id, frame.height))
        next_id += frame.height
    frames = [add_name_keys(f) for f in (frames if len(frames) == 1 else [pl.concat(frames)])]
    return files, frames, present


def _normalized(path: Path, normalized: Path, plan: Plan | None, match, columns, header, first_id: int, index: int,
                progress: Progress) -> tuple[pl.DataFrame, set[str]]:
    """Run the plan (or the detected one) on ``path`` into ``normalized``: its comparison frame, and
    the roles it has."""
    file_plan = (plan if plan is not None else plan_from_detection(detect_file(path))).with_options(output_format="parquet")
    run_file(path, normalized, file_plan, progress=progress, profile=False)
    out_names = unique_columns([c.header for c in output_layout(file_plan, columns, header)])
    roles = roles_for(file_plan, columns, header, out_names, match)
    frame = comparison_frame(pl.scan_parquet(normalized), roles, first_id, index).collect()
    return frame, set(roles.columns) | ({"house"} if "street" in roles.columns else set())


def _score_pairs(con, present, keys, against, pairs_path: Path, phases: _Phases, report) -> None:
    """Train the model and score every pair the blocking rules produce into ``pairs_path``."""
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
    phases.reached(0.7, "train")
    predictions = linker.inference.predict(warning_mode="never")
    con.execute(f"COPY (SELECT unique_id_l, unique_id_r, match_probability, match_weight "
                f"FROM {predictions.physical_name}) TO '{pairs_path}' (FORMAT parquet)")
    report.pairs_compared = con.execute(f"SELECT count(*) FROM '{pairs_path}'").fetchall()[0][0]
    phases.reached(0.85, "predict")


def _linked_to_base(con, edges: pl.DataFrame) -> pl.DataFrame:
    """Against a base: a new row takes its best base row's id (the smallest of equals; or its own),
    and that link's score."""
    con.register("edges", edges)
    return con.sql("""
        SELECT c.unique_id, coalesce(best.base, c.unique_id) AS cluster, best.score FROM compare c
        LEFT JOIN (SELECT unique_id_r AS id, arg_max(unique_id_l, [match_probability, -unique_id_l]) AS base,
                          max(match_probability) AS score FROM edges GROUP BY unique_id_r) best ON best.id = c.unique_id
        WHERE c.source_dataset <> 'f0' ORDER BY c.unique_id""").pl()


def _keep_rows(files: list[_File], path: Path) -> Path:
    """The normalized rows of ``files`` in order, with their unique_id, their file's rank by
    modification time (newest highest) and, for several files, the file's name."""
    newest = {f.path: rank for rank, f in enumerate(sorted(files, key=lambda f: f.path.stat().st_mtime))}
    parts = []
    for f in files:
        frame = pl.scan_parquet(f.normalized).with_row_index("unique_id", offset=f.first_id).select(
            pl.exclude("unique_id"), pl.col("unique_id").cast(pl.Int64), pl.lit(newest[f.path], pl.Int32).alias("_file_rank"))
        if len(files) > 1:
            frame = frame.with_columns(pl.lit(f.path.name).alias(SOURCE))
        parts.append(frame)
    pl.concat(parts, how="diagonal_relaxed").sink_parquet(path)
    return path
