"""The window's surprises of issue 11, fixed (pytest-qt, offscreen, real queue, files and jobs in tmp_path):
Open output without a program, Return in the preview, the banner over the table, removing with
confirmation and Undo, retention said plainly, the preview's remembered folder and format, confidence,
the details pane's words, text that is not cut, the Edit and Help menus."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import polars as pl  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QDesktopServices, QFontMetrics, QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402
from test_gui_window import (  # noqa: E402,F401 - queue is a fixture
    _UrlCatcher, queue, row_of, run_pending, status_text, wait_preview, when_shown, write_csv)

from normdesk.gui.about import about_text  # noqa: E402
from normdesk.gui.column_chart import ColumnChart  # noqa: E402
from normdesk.gui.column_plan_model import PreviewColumn  # noqa: E402
from normdesk.gui.details_pane import fit_path  # noqa: E402
from normdesk.gui.job_model import JobColumn  # noqa: E402
from normdesk.gui.preview_dialog import documents_folder  # noqa: E402
from normdesk.resources import sample_file  # noqa: E402
from normdesk.settings import Settings  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The data folder and a user home of this test (Documents/normdesk goes there)."""
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user" / ".config"))
    return tmp_path / "home"


def completed_job(qtbot, window, queue, path):
    job = queue.submit(path)
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed")
    window.table.selectRow(row_of(window, job.id))
    return queue.get(job.id)


def visible_box(window):
    return next((b for b in window.findChildren(QMessageBox) if b.isVisible()), None)


def answer(window, button_text, seen):
    """Click the button named ``button_text`` of the next message box (its exec() blocks until then)."""
    def click(box):
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()
    when_shown(lambda: visible_box(window), click)


# -- Open output ------------------------------------------------------------------------------
def test_open_output_without_a_program_says_so_and_offers_the_folder_then_the_path(qtbot, window, queue, tmp_path):
    job = completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    window.open_output_action.trigger()  # the offscreen desktop has no program for anything: a real failing launcher
    box = window.output_problem
    assert box is not None and box.isVisible()
    assert box.text() == "No program is set to open .csv files on this computer."
    assert job.output_path in box.informativeText()
    folder = next(b for b in box.buttons() if b.text() == "Show in folder")
    assert folder.isEnabled() and box.defaultButton() is folder
    QGuiApplication.clipboard().clear()
    folder.click()  # no file manager either: the fallback copies the path
    assert QGuiApplication.clipboard().text() == job.output_path
    assert "Copied the path" in window.statusBar().currentMessage()

    window.open_output_action.trigger()
    QGuiApplication.clipboard().clear()
    next(b for b in window.output_problem.buttons() if b.text() == "Copy path").click()
    assert QGuiApplication.clipboard().text() == job.output_path

    catcher = _UrlCatcher()  # a desktop that opens .csv files: no box
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        window.open_output_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert window.output_problem is None and catcher.urls == [job.output_path]


def test_an_output_that_is_gone_is_said_so(qtbot, window, queue, tmp_path):
    job = completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    os.unlink(job.output_path)
    window.open_output(job.output_path)
    assert window.output_problem.text().startswith("The output is not there any more")


# -- the preview ----------------------------------------------------------------------------------
@pytest.mark.parametrize("focus", ["columns", "save_plan"])
def test_return_in_the_preview_queues(qtbot, window, queue, tmp_path, focus):
    dialog = window.open_files([write_csv(tmp_path / "a.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    qtbot.waitUntil(dialog.run_button.isEnabled)
    widget = preview.columns_view if focus == "columns" else dialog.save_plan_button
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(queue.list()) == 1)
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible()


def test_the_sample_shows_documents_and_folder_and_format_are_remembered(qtbot, window, queue, tmp_path):
    dialog = window.open_files([sample_file()])
    wait_preview(qtbot, dialog)
    assert dialog.folder.text() == str(documents_folder()) and str(tmp_path / "user") in dialog.folder.text()
    dialog.reject()

    out = tmp_path / "out"
    out.mkdir()
    dialog = window.open_files([write_csv(tmp_path / "a.csv")])
    wait_preview(qtbot, dialog)
    assert dialog.folder.text() == "" and dialog.format.currentText() == "csv"
    dialog.folder.setText(str(out))
    dialog.format.setCurrentText("json")
    dialog.accept()
    qtbot.waitUntil(lambda: len(queue.list()) == 1)
    assert queue.list()[0].output_path == str(out / "a.normalized.json")

    dialog = window.open_files([write_csv(tmp_path / "b.csv")])
    wait_preview(qtbot, dialog)
    assert (dialog.folder.text(), dialog.format.currentText()) == (str(out), "json")
    dialog.reject()

    book = tmp_path / "book.xlsx"
    pl.DataFrame({"name": ["Ann Lee", "Bob Stone"], "email": ["ann@example.com", "bob@example.com"]}).write_excel(book)
    dialog = window.open_files([book])
    wait_preview(qtbot, dialog)
    assert (dialog.folder.text(), dialog.format.currentText()) == (str(out), "xlsx")  # Excel in, Excel out
    dialog.accept()
    qtbot.waitUntil(lambda: len(queue.list()) == 2)
    dialog = window.open_files([write_csv(tmp_path / "c.csv")])
    wait_preview(qtbot, dialog)
    assert dialog.format.currentText() == "json"  # the automatic xlsx is not remembered for CSV files
    dialog.reject()


def test_the_preview_says_how_many_rows_the_file_has(qtbot, window, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "a.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    qtbot.waitUntil(lambda: preview.row_count is not None)
    assert preview.note.text() == "First 20 rows of a.csv · 20 rows in all"
    dialog.reject()


def test_confidence_is_in_step_with_the_evidence(qtbot, window, tmp_path):
    rows = [["full_name", "email", "company"]] + [[f"Ann Lee{i}", f"ann{i}@example.com", f"Acme {i}"] for i in range(30)]
    dialog = window.open_files([write_csv(tmp_path / "a.csv", rows)])
    (preview,) = wait_preview(qtbot, dialog)
    model = preview.columns_model
    by_name = {r.name: i for i, r in enumerate(model.rows())}
    assert model.index(by_name["company"], PreviewColumn.CONFIDENCE).data() == "—"  # left as is: nothing to be sure of
    email = model.rows()[by_name["email"]]
    share = email.evidence.split("%")[0]
    assert model.index(by_name["email"], PreviewColumn.CONFIDENCE).data() == f"{share}% + header"
    tip = model.index(by_name["email"], PreviewColumn.CONFIDENCE).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith(f"{share}% of the sampled values fit; the header agrees") and email.evidence in tip
    dialog.reject()


# -- the job table ----------------------------------------------------------------------------------
def test_the_finished_banner_never_moves_the_job_table(qtbot, window, queue, tmp_path):
    queue.submit(write_csv(tmp_path / "a.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    qtbot.wait(50)

    def where():
        rect = window.table.visualRect(window.proxy.index(0, 0))
        return window.table.viewport().mapTo(window, rect.topLeft()), window.table.size()

    before = where()
    window.notifier.tray = None  # the banner, as on a desktop without a tray
    window.notifier.notify("normdesk: job finished", "a.csv: completed, 20 valid rows")
    qtbot.waitUntil(window.banner.isVisible)
    qtbot.wait(50)
    assert where() == before
    assert window.banner.geometry().top() >= 0 and window.banner.width() > 100
    window.banner.hide()
    qtbot.wait(50)
    assert where() == before


def test_delete_asks_when_a_job_has_an_output_and_undo_puts_it_back(qtbot, window, queue, tmp_path):
    done = completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    pending = queue.submit(write_csv(tmp_path / "b.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert not window.undo_action.isEnabled()

    window.table.setFocus()
    window.table.selectRow(row_of(window, pending.id))
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)  # no output: no question
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert queue.get(pending.id) is None and window.undo_action.text() == "Undo remove b.csv"

    seen = []
    window.table.selectRow(row_of(window, done.id))
    answer(window, "Cancel", seen)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert seen == ["Remove a.csv from the list?"] and queue.get(done.id) is not None
    answer(window, "Remove", seen)
    window.remove_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert queue.get(done.id) is None and os.path.exists(done.output_path)  # the output stays

    window.activateWindow()  # the message box had the focus
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Edit -> Undo
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert queue.get(done.id) == done and window.undo_action.text() == "Undo remove b.csv"
    window.undo_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    assert queue.get(pending.id).status == "pending" and not window.undo_action.isEnabled()


def test_edit_menu_select_all_copy_and_find(qtbot, window, queue, tmp_path):
    for name in ("march.csv", "april.csv", "may.csv"):
        queue.submit(write_csv(tmp_path / name))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3)
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert [a.text() for a in menus["&Edit"].actions() if a.text()] == ["Undo", "Copy", "Select all", "Find…"]
    assert [a.text() for a in menus["&Help"].actions()] == ["About normdesk"]
    assert window.copy_action.shortcut().matches(Qt.Modifier.CTRL | Qt.Key.Key_C)
    window.select_all_action.trigger()
    assert len(window.selected_jobs()) == 3
    window.copy_action.trigger()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0] == "File\tStatus\tProgress\tValid\tInvalid\tOutput"
    assert sorted(line.split("\t")[0] for line in lines[1:]) == ["april.csv", "march.csv", "may.csv"]
    window.find_action.trigger()
    assert window.find_field.hasFocus()
    qtbot.keyClicks(window.find_field, "MA")
    assert sorted(window.proxy.index(r, JobColumn.FILE).data() for r in range(window.proxy.rowCount())) == \
        ["march.csv", "may.csv"]


def test_copy_in_the_details_pane_copies_its_cells(qtbot, window, queue, tmp_path):
    completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    table = window.details.invalid_table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.selectRow(0)
    window.copy_action.trigger()
    cells = [table.item(0, c).text() for c in range(table.columnCount())]
    assert QGuiApplication.clipboard().text() == "\t".join(cells) + "\n" and "@-sign" in cells[-1]


def test_about_names_the_versions_and_the_data_folder(home):
    import platform

    import polars
    from PySide6.QtCore import qVersion

    from normdesk import __version__

    text = about_text(home)
    for value in (__version__, platform.python_version(), qVersion(), polars.__version__, str(home)):
        assert value in text


# -- the details pane --------------------------------------------------------------------------------
def test_retention_is_said_plainly(qtbot, window, queue, tmp_path):
    completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    kept = window.details._fact_labels["Kept"]
    assert kept.text() == "In this list for 24 hours after it ended; its output file stays: normdesk never deletes it."
    window.apply_settings(Settings(delete_outputs=True, keep_completed_hours=72))
    assert kept.text() == "In this list for 3 days after it ended; and its output file is deleted with it (if unchanged)."


def test_a_failed_job_says_neither_attempt_1_of_3_nor_0_of_unknown(qtbot, window, queue, tmp_path):
    source = write_csv(tmp_path / "gone.csv")
    job = queue.submit(source)
    source.unlink()
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "failed")
    window.table.selectRow(row_of(window, job.id))
    facts = window.details._fact_labels
    assert facts["Status"].text() == "failed" and facts["Rows"].text() == "—"


def test_the_plan_is_in_the_users_words_with_the_changes_marked(qtbot, window, queue, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "a.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    names = [r.name for r in preview.columns_model.rows()]
    from normdesk.engine import ColumnPlan, ColumnType

    preview.columns_model.set_choice(names.index("Tel"), ColumnPlan(ColumnType.UNKNOWN))
    preview.columns_model.set_choice(names.index("Street"), ColumnPlan(ColumnType.ADDRESS, "street"))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    (job,) = queue.list()
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed")
    window.table.selectRow(row_of(window, job.id))
    table = window.details.plan_table
    plan = {table.item(r, 0).text(): table.item(r, 1) for r in range(table.rowCount())}
    assert plan["Tel"].text() == "Leave as is — your choice" and plan["Tel"].font().bold()
    assert plan["E-mail"].text() == "Email" and not plan["E-mail"].font().bold()
    assert all(":" not in item.text() for item in plan.values())
    assert "Bold: changed in the preview" in window.details.plan_options.text()


def test_the_details_pane_starts_at_the_top_for_each_job(qtbot, window, queue, tmp_path):
    window.resize(1024, 640)
    first = completed_job(qtbot, window, queue, write_csv(tmp_path / "a.csv"))
    second = completed_job(qtbot, window, queue, write_csv(tmp_path / "b.csv"))
    bar = window.details.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    window.table.selectRow(row_of(window, first.id))
    assert window.details.job_id() == first.id and bar.value() == 0
    bar.setValue(bar.maximum())
    window.feed.poll(force=True)  # a new snapshot of the same job keeps the place
    qtbot.wait(600)
    assert bar.value() > 0 and second.id != first.id


# -- text that is not cut ----------------------------------------------------------------------------
def test_paths_keep_their_file_name_and_progress_its_numbers(window):
    fm = QFontMetrics(window.font())
    path = "/home/someone/Documents/exports/2024/crm/customers_march.normalized.csv"
    narrow = fit_path(path, fm, fm.horizontalAdvance("customers_march.normalized.csv") + 60)
    assert narrow.endswith("/customers_march.normalized.csv") and "…" in narrow
    assert fit_path(path, fm, 2000) == path
    assert fm.horizontalAdvance(fit_path(path, fm, 80)) <= 80
    width = window.table.columnWidth(JobColumn.PROGRESS)
    assert width > window.table.fontMetrics().horizontalAdvance("1,000,000 / 1,000,000") + 8


def test_chart_labels_go_above_their_bars_when_they_would_be_cut(qtbot):
    chart = ColumnChart()
    qtbot.addWidget(chart)
    chart.show()
    counts = {"type": "address", "part": "street", "changed": 5, "unchanged": 3, "invalid": 1, "empty": 1}
    chart.set_columns({"Billing street address line (primary)": counts, "E-mail": {**counts, "type": "email", "part": None}})
    chart.resize(1200, chart.height())
    assert not chart.stacked()
    wide = chart.height()
    chart.resize(320, chart.height())
    QApplication.processEvents()
    assert chart.stacked() and chart.height() > wide
    assert chart._label("Billing", counts) == "Billing (street line)"
