"""The clusters view with real widgets offscreen over a dedupe job run by the real runner: the
slider re-clusters from the kept pairs, decisions persist across reopening, exports are atomic."""

from __future__ import annotations

import polars as pl
import pytest
from PySide6.QtCore import Qt

from normdesk.gui.duplicates_view import DuplicatesView, find_duplicates, weight_of
from normdesk.jobs.dedupe_job import DECISIONS, artifacts_dir, submit_dedupe
from normdesk.jobs.model import JobStatus
from normdesk.jobs.queue import JobQueue
from tests.test_dedupe_job import run_all
from tests.test_match import PEOPLE


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A data folder with one completed dedupe job of the six PEOPLE rows (threshold 0.5)."""
    tmp = tmp_path_factory.mktemp("dups")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NORMDESK_HOME", str(tmp / "home"))
        (tmp / "people.csv").write_text(PEOPLE)
        queue = JobQueue()
        job = submit_dedupe(queue, [tmp / "people.csv"], tmp / "out.csv", threshold=0.5)
        run_all(queue)
        assert queue.get(job.id).status is JobStatus.COMPLETED
        queue.close()
    return tmp, job.id


@pytest.fixture
def queue(finished, monkeypatch):
    tmp, job_id = finished
    monkeypatch.setenv("NORMDESK_HOME", str(tmp / "home"))
    q = JobQueue()
    q.annotate(job_id, **{DECISIONS: None})  # each test starts undecided
    yield q
    q.close()


@pytest.fixture
def view(qtbot, queue, finished):
    v = DuplicatesView(queue, queue.get(finished[1]))
    qtbot.addWidget(v)
    v.show()
    return v


def set_threshold(qtbot, view, value: float) -> None:
    view.slider.setValue(weight_of(value))
    qtbot.waitUntil(lambda: not view._debounce.isActive())


def cluster_rows(view) -> list[list[int]]:
    return [list(r) for r in view.groups.get_column("rows")]


def test_slider_reclusters_from_the_kept_pairs(qtbot, view, queue, finished):
    assert cluster_rows(view) == [[1, 3], [2, 5]] and view.cluster_table.rowCount() == 2
    assert "4 clusters" in view.counts_label.text()
    # the first cluster's rows side by side, the fields that agree highlighted
    assert view.rows_table.columnCount() == 2
    labels = [view.rows_table.verticalHeaderItem(r).text() for r in range(view.rows_table.rowCount())]
    assert labels[0] == "match score"
    email = labels.index("email")
    assert view.rows_table.item(email, 0).text() == view.rows_table.item(email, 1).text() == "bob.allen@example.com"
    assert view.rows_table.item(email, 0).background().color().name() == "#d6f5d6"
    name = labels.index("name")
    assert view.rows_table.item(name, 0).background().style() == Qt.BrushStyle.NoBrush  # Robert / Bob

    probs = sorted(pl.read_parquet(artifacts_dir(queue.home, finished[1]) / "pairs.parquet")
                   .get_column("match_probability").to_list())
    between = 1 - ((1 - probs[0]) * (1 - probs[1])) ** 0.5  # between the two links (by weight): one cluster left
    set_threshold(qtbot, view, between)
    assert view.groups.height == 1 and "5 clusters" in view.counts_label.text()
    assert view.pairs.height == len(probs)  # nothing was scored again
    set_threshold(qtbot, view, 0.01)
    assert view.groups.height == 2 and view.cluster_table.rowCount() == 2


def test_decisions_persist_across_reopen(qtbot, view, queue, finished):
    view.cluster_table.selectRow(0)
    assert view.selected_rows() == [1, 3]
    view.split_button.click()  # Robert and Bob Allen are not the same person
    assert cluster_rows(view) == [[2, 5]]
    view.confirm_button.click()  # Mary Jones is, whatever the threshold
    set_threshold(qtbot, view, 1 - 1e-9)
    assert cluster_rows(view) == [[2, 5]]
    assert view.cluster_table.item(0, 3).text() == "same person"
    assert queue.get(finished[1]).extra[DECISIONS] == {"confirmed": [[2, 5]], "split": [[1, 3]]}
    view.close()

    again = DuplicatesView(queue, queue.get(finished[1]))
    qtbot.addWidget(again)
    set_threshold(qtbot, again, 0.01)
    assert cluster_rows(again) == [[2, 5]]  # the split stays split at any threshold
    again.undecide_button.click()
    assert queue.get(finished[1]).extra[DECISIONS] == {"confirmed": [], "split": [[1, 3]]}


def test_exports_are_atomic_and_follow_the_view(qtbot, view, tmp_path):
    view.cluster_table.selectRow(0)
    view.split_button.click()
    done = []
    for kind in ("clustered", "merged", "pairs"):
        view.export(kind, tmp_path / f"{kind}.csv", on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=30_000)
    clustered = pl.read_csv(tmp_path / "clustered.csv", infer_schema=False)
    assert clustered.height == 6 and clustered.get_column("normdesk_cluster").to_list() == ["1", "2", "3", "4", "2", "6"]
    assert "unique_id" not in clustered.columns and "_file_rank" not in clustered.columns
    assert pl.read_csv(tmp_path / "merged.csv", infer_schema=False).height == 5
    pairs = pl.read_csv(tmp_path / "pairs.csv")
    assert pairs.height == view.pairs.height and {"cluster_l", "cluster_r"} <= set(pairs.columns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clustered.csv", "merged.csv", "pairs.csv"]


def test_window_action_opens_the_view_or_queues_a_job(qtbot, queue, finished, tmp_path):
    from normdesk.gui.main_window import MainWindow
    from normdesk.settings import Settings

    win = MainWindow(queue, None, Settings())
    qtbot.addWidget(win)
    win.feed.poll(force=True)
    qtbot.waitUntil(lambda: win.model.row_of(finished[1]) is not None)
    win.select_job(finished[1])
    assert "6 rows → 4 clusters" in win.details.dedupe_note.text() and win.details.dedupe_note.isVisibleTo(win)
    assert not win.details.formula_note.isVisibleTo(win) and not win.details.plan_options.isVisibleTo(win)
    shown = win.find_duplicates()
    assert isinstance(shown, DuplicatesView) and shown.groups.height == 2
    shown.close()
    other = tmp_path / "crm.csv"
    other.write_text(PEOPLE)
    job = find_duplicates(queue, [], win, files=[str(other)])
    assert job.type == "dedupe" and job.config["dedupe"]["inputs"] == [str(other.resolve())]
    assert job.output_path.endswith("crm.duplicates.csv")
    queue.remove(job.id)
    win.feed.stop()
