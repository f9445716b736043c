"""The results view on real jobs run by the real queue: the lazy table, before/after, filters,
search, export, fixes recorded in the plan, and the re-runs from the window."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv

from PySide6.QtCore import Qt

from normdesk.engine import ColumnPlan, ColumnType, Plan
from normdesk.engine.plan import ValueOverride
from normdesk.engine.row_index import STRIDE
from normdesk.gui.results_model import FIXED_BRUSH, ISSUE_BRUSH
from normdesk.gui.preview_dialog import PreviewDialog
from normdesk.gui.results_view import ResultsView
from tests.test_gui_window import ROWS, queue, run_pending, write_csv  # noqa: F401 (queue: a fixture)

PLAN = Plan(columns={"Name": ColumnPlan(ColumnType.NAME), "E-mail": ColumnPlan(ColumnType.EMAIL),
                     "Tel": ColumnPlan(ColumnType.PHONE), "Street": ColumnPlan(ColumnType.ADDRESS, "street"),
                     "Notes": ColumnPlan(ColumnType.UNKNOWN)})
MANY = [ROWS[0]] + ROWS[1:] * (3 * STRIDE // 20 + 1)  # several index blocks


def finished_job(queue, tmp_path, rows=ROWS, plan=PLAN):
    job = queue.submit(write_csv(tmp_path / "in.csv", rows), tmp_path / "out.csv", plan)
    run_pending(queue)
    return queue.get(job.id)


def opened(qtbot, job) -> ResultsView:
    view = ResultsView(job)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model is not None and view.model.done
                    and view.model.rowCount() == view.model.total_rows() > 0, timeout=20_000)
    return view


def column(view, title):
    return next(i for i, c in enumerate(view.model.columns) if c.title == title)


def wait_rows(qtbot, view, n):
    qtbot.waitUntil(lambda: view.model.rowCount() == n, timeout=20_000)


def test_the_table_shows_every_row_with_raw_values_before_the_typed_columns(qtbot, queue, tmp_path):
    job = finished_job(queue, tmp_path, MANY)
    view = opened(qtbot, job)
    model = view.model
    assert model.rowCount() == len(MANY) - 1
    titles = [c.title for c in model.columns]
    assert titles[:3] == ["Name (before)", "Name", "Name_title"]
    assert "Notes (before)" not in titles and titles[-1] == "normdesk_issues"
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        out = list(csv.reader(f))
    last = model.rowCount() - 1
    assert [model.cell(last, i) for i, c in enumerate(model.columns) if c.output is not None] == out[-1]
    assert model.cell(0, column(view, "Name (before)")) == "  john SMITH "
    assert model.cell(0, column(view, "Name")) == "John Smith"
    bad = model.index(2, column(view, "E-mail"))
    assert model.data(bad, Qt.ItemDataRole.BackgroundRole) == ISSUE_BRUSH
    assert "E-mail: " in model.data(bad, Qt.ItemDataRole.ToolTipRole)
    assert model.headerData(last, Qt.Orientation.Vertical) == f"{last + 1:,}"
    assert f"{last + 1:,} rows" in view.summary.text()


def test_filters_and_search_narrow_the_rows_and_export_writes_just_those(qtbot, queue, tmp_path):
    job = finished_job(queue, tmp_path)
    view = opened(qtbot, job)
    view.issues_box.setChecked(True)
    wait_rows(qtbot, view, 5)
    assert all(view.model.cell(r, column(view, "Name (before)")) == "O'Brien, Pat" for r in range(5))
    view.column_combo.setCurrentText("Tel")
    wait_rows(qtbot, view, 5)
    view.column_combo.setCurrentText("Street")
    wait_rows(qtbot, view, 0)
    view.column_combo.setCurrentIndex(0)
    view.issues_box.setChecked(False)
    wait_rows(qtbot, view, 20)
    view.search_edit.setText("ANN.LEE@")
    wait_rows(qtbot, view, 5)
    view.search_edit.clear()
    view.changed_box.setChecked(True)
    wait_rows(qtbot, view, 20)
    view.reason_edit.setText("TOO SHORT")
    wait_rows(qtbot, view, 5)
    target = tmp_path / "for-sales.csv"
    view.export(target)
    qtbot.waitUntil(lambda: "Exported 5 rows" in view.summary.text(), timeout=20_000)
    with open(target, newline="", encoding="utf-8") as f:
        exported = list(csv.reader(f))
    assert exported[0] == view.model.layout.header and len(exported) == 6
    assert {row[-1] for row in exported[1:]} == {view.model.cell(0, len(view.model.columns) - 1)}


def test_fixes_become_value_overrides_and_the_rerun_applies_them(qtbot, queue, tmp_path):
    job = finished_job(queue, tmp_path)
    view = opened(qtbot, job)
    model = view.model
    email, tel = column(view, "E-mail"), column(view, "Tel")
    assert not view.rerun_button.isEnabled()
    assert model.setData(model.index(2, email), "pat@example.com")
    view.table.setCurrentIndex(model.index(2, tel))
    assert view.fix_selected(None)
    assert model.plan.values == (ValueOverride("E-mail", "not-an-email", "pat@example.com"),
                                 ValueOverride("Tel", "12", None))
    assert model.data(model.index(6, email), Qt.ItemDataRole.BackgroundRole) == FIXED_BRUSH, "every cell of the value"
    assert model.data(model.index(2, email)) == "not-an-email → pat@example.com"
    assert view.rerun_button.isEnabled() and view.rerun_button.text() == "Re-run with 2 fixes"
    with open(tmp_path / "out.csv", "rb") as f:
        untouched = f.read()
    assert b"not-an-email" in untouched, "the output is not edited"
    assert view.unfix_selected() and len(model.plan.values) == 1
    view.fix_selected(None)

    reruns = []
    view.rerun.connect(lambda j, p: reruns.append(p))
    view.rerun_button.click()
    again = queue.submit(job.input_path, job.output_path, reruns[0])
    run_pending(queue)
    done = queue.get(again.id)
    assert done.status.value == "completed" and done.invalid_rows == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert rows[3][head.index("E-mail")] == "pat@example.com" and rows[3][head.index("Tel")] == "12"
    assert rows[3][-1] == ""


def test_window_opens_results_on_double_click_and_reruns_from_it(qtbot, window, queue, tmp_path):
    job = finished_job(queue, tmp_path, plan=None)  # detected when it ran: the view reads its report
    window.feed.poll(force=True)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    window.table.selectRow(0)
    assert window.results.open_action.isEnabled() and window.results.changes_action.isEnabled()
    index = window.proxy.index(0, 0)
    window.table.doubleClicked.emit(index)
    assert len(window.results.views) == 1
    view = window.results.views[0]
    qtbot.waitUntil(lambda: view.model is not None and view.model.done, timeout=20_000)
    view.model.fix(2, column(view, "Tel"), "+1 415 555 0111")
    assert [c.title for c in view.model.columns][:2] == ["Name (before)", "Name"]
    view.rerun_button.click()
    qtbot.waitUntil(lambda: len(queue.list()) == 2, timeout=20_000)
    jobs = queue.list()
    rerun = next(j for j in jobs if j.id != job.id)
    assert rerun.output_path == job.output_path and rerun.config["values"][0]["replacement"] == "+1 415 555 0111"
    assert rerun.config["columns"]["Tel"] == "phone", "the job's detected plan, with the fix"


def test_rerun_with_changes_opens_the_preview_with_the_jobs_plan(qtbot, window, queue, tmp_path):
    plan = PLAN.with_options(columns={**PLAN.columns, "Notes": ColumnPlan(ColumnType.NAME)}).with_value("Tel", "12", None)
    job = finished_job(queue, tmp_path, plan=plan)
    dialog = window.results.rerun_with_changes(job, plan)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    (_, _, queued), = dialog.jobs()
    assert queued.columns["Notes"].type is ColumnType.NAME, "the job's column choices, not the detection"
    assert queued.values == plan.values


def test_a_missing_output_is_said_in_one_line(qtbot, queue, tmp_path):
    job = finished_job(queue, tmp_path)
    os.remove(job.output_path)
    view = ResultsView(job)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.summary.text().startswith("Cannot show"), timeout=10_000)
    assert "not there any more" in view.summary.text() and view.model is None


def test_rerun_with_changes_is_offered_for_a_cancelled_job(qtbot, window, queue, tmp_path):
    plan = PLAN.with_options(columns={**PLAN.columns, "Notes": ColumnPlan(ColumnType.NAME)})
    job = queue.submit(write_csv(tmp_path / "in.csv"), tmp_path / "out.csv", plan)
    queue.cancel(job.id)
    window.feed.poll(force=True)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    window.table.selectRow(0)
    assert not window.results.open_action.isEnabled() and window.results.changes_action.isEnabled()
    window.results.changes_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(PreviewDialog) is not None, timeout=20_000)
    dialog = window.findChild(PreviewDialog)
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    (_, _, queued), = dialog.jobs()
    assert queued.columns["Notes"].type is ColumnType.NAME
    dialog.reject()
