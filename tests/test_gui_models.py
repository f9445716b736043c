"""Every Qt model of the window passes Qt's model tester, and updates the job table in place."""

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QModelIndex, Qt

from normdesk.engine import ColumnPlan, ColumnType
from normdesk.engine.detect import ColumnDetection
from normdesk.gui.column_plan_model import CHOICES, ColumnPlanModel, PreviewColumn
from normdesk.gui.job_model import FRACTION_ROLE, JobColumn, JobSortProxy, JobTableModel, format_duration
from normdesk.gui.rows_model import RowsModel
from normdesk.jobs import JobQueue


@pytest.fixture
def queue(tmp_path, monkeypatch):
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    q = JobQueue()
    yield q
    q.close()


def submit(queue, tmp_path, name):
    path = tmp_path / name
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["name", "email"], ["Ann Lee", "ann@example.com"]])
    return queue.submit(path)


def test_job_model_and_its_proxy_pass_the_model_tester(qtmodeltester, queue, tmp_path):
    jobs = [submit(queue, tmp_path, f"f{i}.csv") for i in range(4)]
    queue.cancel(jobs[1].id)
    model = JobTableModel()
    model.set_jobs(queue.list())
    qtmodeltester.check(model, force_py=True)
    proxy = JobSortProxy()
    proxy.setSourceModel(model)
    proxy.sort(JobColumn.CREATED, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(proxy, force_py=True)
    assert [proxy.index(r, JobColumn.FILE).data() for r in range(4)] == ["f0.csv", "f1.csv", "f2.csv", "f3.csv"]


def test_job_model_applies_snapshots_with_inserts_removes_and_updates(qtbot, queue, tmp_path):
    model = JobTableModel()
    a = submit(queue, tmp_path, "a.csv")
    model.set_jobs(queue.list())
    b = submit(queue, tmp_path, "b.csv")
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        model.set_jobs(queue.list())
    assert inserted.args[1:] == [0, 0] and model.job(0).id == b.id  # newest first

    queue.cancel(a.id)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.set_jobs(queue.list())
    assert changed.args[0].row() == 1
    assert model.index(1, JobColumn.STATUS).data() == "cancelled"

    queue.remove(a.id)
    with qtbot.waitSignal(model.rowsRemoved) as removed:
        model.set_jobs(queue.list())
    assert removed.args[1:] == [1, 1] and model.rowCount() == 1


def test_live_progress_shows_before_the_next_snapshot(qtbot, queue, tmp_path):
    model = JobTableModel()
    job = submit(queue, tmp_path, "a.csv")
    model.set_jobs(queue.list())
    with qtbot.waitSignal(model.dataChanged):
        model.set_progress(job.id, 1234, 0.25)
    assert model.index(0, JobColumn.PROGRESS).data(FRACTION_ROLE) == 0.25
    assert model.index(0, JobColumn.PROGRESS).data() == "1,234 / ≈4,936"  # total estimated while reading
    model.set_progress(job.id, 50, 0.01)
    assert model.index(0, JobColumn.PROGRESS).data() == "50 rows"  # too early to estimate
    model.set_progress("no-such-job", 1, 0.5)  # ignored
    assert model.rowCount() == 1


@pytest.mark.parametrize("seconds, text", [(None, ""), (3.25, "3.2 s"), (75, "1 min 15 s"), (7300, "2 h 01 min")])
def test_durations_read_well(seconds, text):
    assert format_duration(seconds) == text


def _detections():
    return [
        ColumnDetection("Name", ColumnType.NAME, 0.97, "names", None),
        ColumnDetection("First", ColumnType.NAME, 0.9, "first names", "first"),
        ColumnDetection("Tel", ColumnType.PHONE, 0.55, "phones", None),
        ColumnDetection("Notes", ColumnType.UNKNOWN, 0.0, "nothing fits", None),
    ]


def test_column_plan_model_passes_the_model_tester(qtmodeltester):
    model = ColumnPlanModel()
    model.set_detection(_detections(), ["Name", "First", "Tel", "Notes"])
    qtmodeltester.check(model, force_py=True)
    model.set_choice(2, ColumnPlan(ColumnType.UNKNOWN))
    qtmodeltester.check(model, force_py=True)


def test_column_plan_model_keeps_detection_beside_the_choice():
    model = ColumnPlanModel()
    model.set_detection(_detections())
    assert model.index(1, PreviewColumn.DETECTED).data() == "First name"
    assert model.index(2, PreviewColumn.CONFIDENCE).data() == "55%"
    assert not (model.flags(model.index(0, PreviewColumn.NAME)) & Qt.ItemFlag.ItemIsEditable)
    assert model.flags(model.index(0, PreviewColumn.USE_AS)) & Qt.ItemFlag.ItemIsEditable

    assert model.setData(model.index(0, PreviewColumn.USE_AS), "address:street")
    assert model.setData(model.index(3, PreviewColumn.USE_AS), ColumnPlan(ColumnType.EMAIL))
    assert not model.setData(model.index(1, PreviewColumn.USE_AS), "name:first")  # no change
    assert model.overrides() == {"Name": "address:street", "Notes": "email"}
    assert model.index(0, PreviewColumn.USE_AS).data() == "Street line"
    assert model.index(0, PreviewColumn.USE_AS).data(Qt.ItemDataRole.FontRole).bold()
    assert model.index(1, PreviewColumn.USE_AS).data(Qt.ItemDataRole.FontRole) is None
    assert model.index(0, PreviewColumn.DETECTED).data() == "Full name"  # detection kept

    model.reset([0])
    assert model.overrides() == {"Notes": "email"}
    model.apply_plan({"Tel": ColumnPlan(ColumnType.UNKNOWN), "Gone": ColumnPlan(ColumnType.PHONE)})
    assert model.overrides() == {"Notes": "email", "Tel": "unknown"}
    model.reset()
    assert model.overrides() == {}


def test_every_choice_is_a_valid_plan_label():
    labels = [plan.label() for plan, _ in CHOICES]
    assert [ColumnPlan.parse(label) for label in labels] == [plan for plan, _ in CHOICES]
    assert {"unknown", "name:first", "name:last", "address:street"} <= set(labels)


def test_rows_model_passes_the_model_tester(qtmodeltester):
    model = RowsModel()
    model.set_rows(["a", "b"], [("1", None), ("3", "4")], [None, "#b91c1c"])
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, 1).data() == ""
    assert model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#b91c1c"
    assert model.rowCount(model.index(0, 0)) == 0 and model.rowCount(QModelIndex()) == 2
