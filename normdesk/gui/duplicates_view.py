"""The clusters of a finished dedupe job: largest first, the rows of one cluster side by side (the
fields that agree highlighted), a threshold slider that re-clusters from the kept pairs (no Splink),
"same person" / "not the same" decisions stored with the job, and export."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
    QSlider, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from normdesk.engine import InputError
from normdesk.gui.tasks import run_task
from normdesk.jobs.dedupe_job import DECISIONS, artifacts_dir, rerun_dedupe, submit_dedupe
from normdesk.jobs.model import DEDUPE, Job
from normdesk.match import clusters
from normdesk.match.clusters import Decisions
from normdesk.match.export import INTERNAL, write_clustered, write_merged, write_pairs

AGREE = QColor("#d6f5d6")  # a field with the same value in every row of the cluster
VERDICTS = {"confirmed": "same person", "split": "not the same", None: ""}
WEIGHT_RANGE = (-100, 400)  # the slider moves the threshold's match weight (log2 of the odds) in tenths


def weight_of(probability: float) -> int:
    """The slider position (tenths of a match weight) of a probability threshold."""
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return round(10 * math.log2(p / (1 - p)))


def probability_of(position: int) -> float:
    return 1.0 / (1.0 + 2.0 ** (-position / 10))


def link_text(probability: float | None) -> str:
    """A link's probability with its match weight: "0.99995 (w 14.4)" (a float holds 1.0 from a
    weight of about 53 on, and for a confirmed link)."""
    if probability is None:
        return ""
    if probability >= 1.0:
        return "1.00000 (w ≥ 53)"
    return f"{probability:.5f} (w {math.log2(probability / (1 - probability)):.1f})"


class DuplicatesView(QDialog):
    """Review a completed dedupe job (``queue.get(id)``); decisions go to ``job.extra``."""

    def __init__(self, queue: Any, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue, self.job = queue, job
        self.setWindowTitle(f"Duplicates — {Path(job.output_path).name}")
        self.resize(1100, 640)
        folder = artifacts_dir(queue.home, job.id)
        self.rows_path = folder / "rows.parquet"
        if not self.rows_path.is_file() or job.config[DEDUPE]["against"]:
            raise InputError("this job kept no clusters to review (run it again, without --against)")
        self.pairs = pl.read_parquet(folder / "pairs.parquet", columns=list(clusters.PAIRS_SCHEMA))
        self.ids = np.arange(1, job.report["rows"] + 1, dtype=np.int64)
        self.decisions = Decisions.from_dict(job.extra.get(DECISIONS))
        self.assignment = pl.DataFrame()
        self.groups = pl.DataFrame()
        self._build()
        self._exact = job.config[DEDUPE]["threshold"]  # the job's own, until the slider moves off it
        self.slider.setValue(weight_of(self._exact))
        self.recluster()

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(*WEIGHT_RANGE)
        self.slider.setToolTip("Link probability that puts two rows in one cluster (by its match weight,\n"
                               "log2 of the odds: every step right halves the odds of a wrong link)")
        self.threshold_label = QLabel()
        self.threshold_label.setMinimumWidth(160)
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self.recluster)
        self.slider.valueChanged.connect(lambda _v: (self._show_threshold(), self._debounce.start()))
        self.counts_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Threshold"))
        top.addWidget(self.slider, 1)
        top.addWidget(self.threshold_label)
        top.addWidget(self.counts_label)

        self.cluster_table = QTableWidget(0, 4)
        self.cluster_table.setHorizontalHeaderLabels(["Cluster", "Rows", "Best link", "Decision"])
        self.cluster_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.cluster_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cluster_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cluster_table.verticalHeader().hide()
        self.cluster_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cluster_table.itemSelectionChanged.connect(self._show_cluster)
        self.rows_table = QTableWidget(0, 0)
        self.rows_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        split = QSplitter()
        split.addWidget(self.cluster_table)
        split.addWidget(self.rows_table)
        split.setSizes([380, 720])

        self.confirm_button = QPushButton("Same person")
        self.split_button = QPushButton("Not the same")
        self.undecide_button = QPushButton("Undecided")
        for button, verdict in ((self.confirm_button, "confirmed"), (self.split_button, "split"),
                                (self.undecide_button, None)):
            button.clicked.connect(lambda _c=False, v=verdict: self.decide(v))
        self.export_button = QPushButton("Export clustered…")
        self.merged_button = QPushButton("Export merged…")
        self.pairs_button = QPushButton("Export pairs…")
        self.rerun_button = QPushButton("Run again")
        self.rerun_button.setToolTip("Queue this dedupe again at this threshold, with the decisions")
        self.export_button.clicked.connect(lambda: self._export_as("clustered"))
        self.merged_button.clicked.connect(lambda: self._export_as("merged"))
        self.pairs_button.clicked.connect(lambda: self._export_as("pairs"))
        self.rerun_button.clicked.connect(self.rerun)
        buttons = QHBoxLayout()
        for b in (self.confirm_button, self.split_button, self.undecide_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.export_button, self.merged_button, self.pairs_button, self.rerun_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)

    # -- clusters -----------------------------------------------------------------------------
    def threshold(self) -> float:
        value = self.slider.value()
        return self._exact if value == weight_of(self._exact) else probability_of(value)

    def _show_threshold(self) -> None:
        self.threshold_label.setText(f"≥ {link_text(self.threshold())}")

    def recluster(self) -> None:
        """Clusters at the slider's threshold after the decisions (from the kept pairs)."""
        self._debounce.stop()
        self._show_threshold()
        edges = clusters.links(self.pairs, self.threshold(), self.decisions)
        self.assignment = clusters.assign(self.ids, edges)
        self.groups = clusters.multi_row(self.assignment)
        counts = clusters.summary(self.assignment, edges)
        self.counts_label.setText(f"{counts['clusters']:,} clusters · {self.groups.height:,} with 2+ rows "
                                  f"({counts['rows_in_clusters']:,} rows) · {counts['links']:,} links")
        selected = self.selected_rows()
        self.cluster_table.setRowCount(self.groups.height)
        for r, (cluster, size, rows, score) in enumerate(self.groups.iter_rows()):
            cells = [str(cluster), str(size), link_text(score),
                     VERDICTS[self.decisions.verdict(rows)]]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.cluster_table.setItem(r, c, item)
        again = next((r for r, rows in enumerate(self.groups.get_column("rows")) if selected and selected[0] in rows), 0)
        if self.groups.height:
            self.cluster_table.selectRow(again)
        self._show_cluster()

    def selected_rows(self) -> list[int]:
        """The row ids of the selected cluster ([] when none)."""
        picked = self.cluster_table.selectionModel().selectedRows() if self.cluster_table.selectionModel() else []
        if not picked or picked[0].row() >= self.groups.height:
            return []
        return list(self.groups.get_column("rows")[picked[0].row()])

    def _show_cluster(self) -> None:
        """The selected cluster's rows side by side: one column per row, one line per field."""
        ids = self.selected_rows()
        for b in (self.confirm_button, self.split_button, self.undecide_button):
            b.setEnabled(bool(ids))
        if not ids:
            self.rows_table.setRowCount(0)
            self.rows_table.setColumnCount(0)
            return
        rows = (pl.scan_parquet(self.rows_path).filter(pl.col("unique_id").is_in(ids)).sort("unique_id")
                .join(self.assignment.lazy().select("unique_id", "score"), on="unique_id", how="left").collect())
        fields = ["match score"] + [c for c in rows.columns if c not in (*INTERNAL, "score")]
        self.rows_table.setColumnCount(rows.height)
        self.rows_table.setRowCount(len(fields))
        self.rows_table.setHorizontalHeaderLabels([f"row {i}" for i in rows.get_column("unique_id")])
        self.rows_table.setVerticalHeaderLabels(fields)
        for f, name in enumerate(fields):
            values = rows.get_column("score" if f == 0 else name).cast(pl.String).to_list()
            agree = f > 0 and len(set(values)) == 1 and values[0] not in (None, "")
            for c, value in enumerate(values):
                text = link_text(None if value is None else float(value)) if f == 0 else value or ""
                item = QTableWidgetItem(text)
                if agree:
                    item.setBackground(AGREE)
                self.rows_table.setItem(f, c, item)

    def decide(self, verdict: str | None) -> None:
        """Record the verdict on the selected cluster, store it with the job, and re-cluster."""
        rows = self.selected_rows()
        if not rows:
            return
        self.decisions.decide(rows, verdict)
        self.job = self.queue.annotate(self.job.id, **{DECISIONS: self.decisions.to_dict()})
        self.recluster()

    # -- export -------------------------------------------------------------------------------
    def export(self, kind: str, path: Path, on_done=None) -> None:
        """Write the clustered rows, the golden rows or the pairs (CSV) at the current threshold,
        off the GUI thread; atomic (a part file renamed)."""
        assignment, fmt = self.assignment, self.job.config[DEDUPE]["output_format"]
        if kind == "clustered":
            args = (write_clustered, self.rows_path, assignment, path, fmt)
        elif kind == "merged":
            args = (write_merged, self.rows_path, assignment, path, fmt)
        else:
            args = (write_pairs, self.pairs, assignment, path)
        run_task(*args, on_done=lambda _r: self._exported(path, on_done), on_error=self._export_failed, context=self)

    def _export_as(self, kind: str) -> None:
        suffix = ".csv" if kind == "pairs" else Path(self.job.output_path).suffix
        suggested = Path(self.job.output_path).with_name(f"{Path(self.job.output_path).stem}.{kind}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {kind}", str(suggested))
        if path:
            self.export(kind, Path(path))

    def _exported(self, path: Path, on_done) -> None:
        self.counts_label.setToolTip(f"Exported {path}")
        if on_done is not None:
            on_done(path)

    def _export_failed(self, message: str) -> None:
        QMessageBox.warning(self, "normdesk", f"Export failed: {message}")

    def rerun(self) -> Job:
        """Queue the job again at this threshold, with the decisions."""
        return rerun_dedupe(self.queue, self.queue.get(self.job.id), self.threshold())


def find_duplicates(queue: Any, jobs: Sequence[Job], parent: QWidget | None = None,
                    files: Sequence[str] = ()) -> DuplicatesView | Job:
    """The window's "Find duplicates": a completed dedupe job opens its clusters; other jobs (their
    outputs when completed, else their inputs) or chosen ``files`` are queued as one dedupe job."""
    if len(jobs) == 1 and jobs[0].type == DEDUPE and jobs[0].report:
        view = DuplicatesView(queue, jobs[0], parent)
        view.show()
        return view
    inputs = [j.output_path if j.report and Path(j.output_path).is_file() else j.input_path
              for j in jobs if j.type != DEDUPE] or list(files)
    if not inputs:
        raise InputError("choose one or more files or finished jobs to search for duplicates")
    first = Path(inputs[0])
    return submit_dedupe(queue, inputs, first.with_name(f"{first.stem}.duplicates.csv"),
                         merged=first.with_name(f"{first.stem}.merged.csv"))
