"""The main window over a real queue in a temporary data folder: drops, the preview's override
flow into the job, cancel/retry/remove from the table, details, notification, closing."""

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import QMimeData, QObject, QPointF, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QWidget

from normdesk.engine import ColumnPlan, ColumnType, Plan
from normdesk.gui.column_plan_model import PreviewColumn
from normdesk.gui.job_model import JobColumn
from normdesk.gui.preview_dialog import PreviewDialog
from normdesk.settings import Settings
from normdesk.settings import load_saved as load_settings
from normdesk.jobs import Dispatcher, JobQueue
from tests.queue_helpers import run_pending

ROWS = [["Name", "E-mail", "Tel", "Street", "Notes"]] + [
    ["  john SMITH ", "John.Smith@Example.COM ", "(415) 555-0100", "12 Main St", "vip"],
    ["Dr. Jane Q. Public", "jane@example.org", "415.555.0199 x12", "400 Oak Avenue Apt 4", ""],
    ["O'Brien, Pat", "not-an-email", "12", "77 Pine Rd", "call back"],
    ["Ann Lee", "ann.lee@example.net", "+1 212 555 0142", "9 Elm Street", ""],
] * 5


def write_csv(path, rows=ROWS):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def queue(home):
    q = JobQueue()
    yield q
    q.close()


def wait_preview(qtbot, dialog):
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=20_000)
    return dialog.previews()


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = widget.rect().center()
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    accepted = enter.isAccepted()
    if accepted:
        QApplication.sendEvent(widget, QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                                                  Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    return accepted


def when_shown(find, act, tries=400):
    """Act on a modal dialog or popup once it shows (its exec() blocks the test until then)."""
    widget = find()
    if widget is not None and widget.isVisible():
        act(widget)
    elif tries:
        QTimer.singleShot(25, lambda: when_shown(find, act, tries - 1))


def row_of(window, job_id):
    source_row = window.model.row_of(job_id)
    return window.proxy.mapFromSource(window.model.index(source_row, 0)).row()


def status_text(window, job_id):
    row = window.model.row_of(job_id)
    return None if row is None else window.model.index(row, JobColumn.STATUS).data()


# -- files in -------------------------------------------------------------------------------------
def test_empty_state_invites_the_first_file(window):
    assert window.pages.currentWidget() is window.empty_zone
    assert window.empty_zone.sample_button is not None


def test_dropping_files_opens_one_preview_per_column_layout(qtbot, window, tmp_path):
    a = write_csv(tmp_path / "a.csv")
    b = write_csv(tmp_path / "b.csv")
    c = write_csv(tmp_path / "c.csv", [["email", "phone"], ["x@example.com", "4155550100"]])
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n")
    assert not drop(window.empty_zone, [picture])  # nothing we can read: refused
    assert drop(window.empty_zone, [a, picture, b, c])
    dialog = window.findChild(PreviewDialog)
    assert dialog is not None and dialog.paths == [a.resolve(), b.resolve(), c.resolve()]
    previews = wait_preview(qtbot, dialog)
    assert [p.paths for p in previews] == [[a.resolve(), b.resolve()], [c.resolve()]]
    assert dialog.tabs.tabText(0) == "a.csv + 1 more"
    dialog.reject()


def test_dropping_on_the_window_with_jobs(qtbot, window, queue, tmp_path):
    queue.submit(write_csv(tmp_path / "first.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert window.pages.currentIndex() == 1
    assert drop(window, [write_csv(tmp_path / "second.csv")])
    dialog = window.findChild(PreviewDialog)
    assert [p.paths for p in wait_preview(qtbot, dialog)] == [[(tmp_path / "second.csv").resolve()]]
    dialog.reject()


def test_unreadable_file_gets_an_error_tab(qtbot, window, tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    dialog = window.open_files([bad])
    wait_preview(qtbot, dialog)
    assert dialog.previews() == [] and not dialog.run_button.isEnabled()
    assert "cannot be read" in dialog.tabs.widget(0).text()
    dialog.reject()


def test_override_flows_from_the_preview_into_the_job_and_the_output(qtbot, window, queue, tmp_path):
    source = write_csv(tmp_path / "contacts.csv")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dialog = window.open_files([source])
    (preview,) = wait_preview(qtbot, dialog)
    rows = {r.name: r for r in preview.columns_model.rows()}
    assert rows["E-mail"].detected.type == "email" and rows["Tel"].detected.type == "phone"

    # the user switches Tel to "leave as is" with the combo box of the "Use as" column
    tel = list(rows).index("Tel")
    preview.select_column(tel)
    index = preview.columns_model.index(tel, PreviewColumn.USE_AS)
    preview.columns_view.edit(index)
    combo = preview.columns_view.findChild(QComboBox)
    assert combo is not None
    combo.setCurrentIndex(combo.findText("Leave as is"))
    combo.activated.emit(combo.currentIndex())
    assert preview.columns_model.overrides() == {"Tel": "unknown"}
    assert index.data(Qt.ItemDataRole.FontRole).bold()
    qtbot.waitUntil(lambda: preview.after_model.headerData(0, Qt.Orientation.Horizontal) == "Value (left as is)")
    assert preview.reset_button.isEnabled()

    # before -> after of the email column, computed off the GUI thread
    preview.select_column(list(rows).index("E-mail"))
    qtbot.waitUntil(lambda: preview.after_model.columnCount() == 4, timeout=20_000)
    pairs = {preview.after_model.index(r, 0).data(): preview.after_model.index(r, 1).data()
             for r in range(preview.after_model.rowCount())}
    assert pairs["John.Smith@Example.COM "] == "john.smith@example.com"

    preview.country_combo.set_country("CA")  # the file's region, picked in its tab
    dialog.format.setCurrentText("csv")
    dialog.folder.setText(str(out_dir))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    (job,) = queue.list()
    plan = Plan.from_dict(job.config)
    assert plan.columns["Tel"].type == "unknown" and plan.columns["E-mail"].type == "email"
    assert plan.country == "CA"
    assert job.output_path == str(out_dir / "contacts.normalized.csv")

    run_pending(queue)
    with open(job.output_path, newline="", encoding="utf-8") as fh:
        out = list(csv.DictReader(fh))
    assert out[0]["Tel"] == "(415) 555-0100"  # left as is
    assert out[0]["E-mail"] == "john.smith@example.com"


def test_reset_brings_back_the_detection(qtbot, window, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "contacts.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    model = preview.columns_model
    model.set_choice(0, model.rows()[1].detected)
    model.set_choice(1, model.rows()[0].detected)
    assert len(model.overrides()) == 2
    preview.select_column(0)
    preview.reset_button.click()
    assert list(model.overrides()) == [model.rows()[1].name]
    preview.reset_all_button.click()
    assert model.overrides() == {}
    dialog.reject()


def test_plan_saved_from_one_file_applies_to_the_next(qtbot, window, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "january.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    preview.columns_model.set_choice(4, ColumnPlan(ColumnType.NAME))
    preview.country_combo.set_country("GB")
    dialog.accents.setChecked(True)
    saved = tmp_path / "contacts.plan.json"
    dialog.save_plan(saved)
    dialog.reject()
    plan = Plan.load(saved)
    assert plan.columns["Notes"].type == "name" and plan.country == "GB" and plan.preserve_accents

    dialog = window.open_files([write_csv(tmp_path / "february.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    assert dialog.load_plan(saved)
    assert preview.columns_model.overrides() == {"Notes": "name"}
    assert preview.region() == "GB" and dialog.accents.isChecked()
    dialog.reject()


def test_loading_a_plan_for_other_columns_is_refused(qtbot, window, tmp_path, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    other = tmp_path / "other.plan.json"
    Plan.from_dict({"columns": {"Mobile": "phone"}}).save(other)
    dialog = window.open_files([write_csv(tmp_path / "contacts.csv")])
    wait_preview(qtbot, dialog)
    assert not dialog.load_plan(other)
    assert "Mobile" in warnings[0]
    dialog.reject()


# -- the job table ------------------------------------------------------------------------------------
def test_cancel_retry_and_remove_from_the_table(qtbot, window, queue, tmp_path):
    job = queue.submit(write_csv(tmp_path / "a.csv"))
    other = queue.submit(write_csv(tmp_path / "b.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)
    window.table.setFocus()
    window.table.selectRow(row_of(window, job.id))
    assert window.cancel_action.isEnabled() and not window.retry_action.isEnabled()

    qtbot.keyClick(window.table, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)  # Cancel
    qtbot.waitUntil(lambda: status_text(window, job.id) == "cancelled")
    assert queue.get(job.id).status == "cancelled" and queue.get(other.id).status == "pending"
    qtbot.waitUntil(lambda: window.retry_action.isEnabled())

    window.retry_action.trigger()
    qtbot.waitUntil(lambda: status_text(window, job.id) == "pending")
    assert queue.get(job.id).status == "pending"

    window.cancel_action.trigger()
    qtbot.waitUntil(lambda: status_text(window, job.id) == "cancelled")
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)  # Remove
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert queue.get(job.id) is None and window.model.job(0).id == other.id


def test_context_menu_offers_the_job_actions(qtbot, window, queue, tmp_path):
    queue.submit(write_csv(tmp_path / "a.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.table.selectRow(0)
    seen = []

    def close_menu(menu):
        seen.extend(a.text() for a in menu.actions())
        menu.close()

    when_shown(QApplication.activePopupWidget, close_menu)
    window.table.customContextMenuRequested.emit(window.table.visualRect(window.proxy.index(0, 0)).center())
    assert seen == ["Retry", "Cancel", "Open output", "Show in folder", "Remove", "Find duplicates…", "",
                    "Open results", "Re-run with changes…"]


def test_sorting_by_status_and_created(qtbot, window, queue, tmp_path):
    jobs = [queue.submit(write_csv(tmp_path / f"{n}.csv")) for n in "abc"]
    queue.cancel(jobs[1].id)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and status_text(window, jobs[1].id) == "cancelled")
    window.table.sortByColumn(JobColumn.CREATED, Qt.SortOrder.AscendingOrder)
    assert [window.proxy.index(r, JobColumn.FILE).data() for r in range(3)] == ["a.csv", "b.csv", "c.csv"]
    window.table.sortByColumn(JobColumn.STATUS, Qt.SortOrder.AscendingOrder)
    assert window.proxy.index(0, JobColumn.STATUS).data() == "cancelled"


class _UrlCatcher(QObject):
    def __init__(self):
        super().__init__()
        self.urls = []

    @Slot(QUrl)
    def open(self, url):
        self.urls.append(url.toLocalFile())


def test_details_of_a_completed_job_and_opening_its_output(qtbot, window, queue, tmp_path):
    job = queue.submit(write_csv(tmp_path / "a.csv"))
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed")
    window.table.selectRow(row_of(window, job.id))
    details = window.details
    assert details.job_id() == job.id and details.stack.currentIndex() == 1
    report = queue.get(job.id).report
    assert len(details.chart._columns) == len(report["columns"]) > 0
    assert details.invalid_table.rowCount() == len(report["invalid_samples"]) > 0
    reasons = {details.invalid_table.item(r, 3).text() for r in range(details.invalid_table.rowCount())}
    assert any("email" in reason for reason in reasons)
    assert details.plan_table.rowCount() == len(report["columns"])
    assert details.plan_options.text().startswith("Columns detected when the job ran")
    progress = window.model.index(window.model.row_of(job.id), JobColumn.PROGRESS).data()
    assert progress == "20 / 20"
    done = queue.get(job.id)
    assert done.invalid_rows >= 5  # the five "not-an-email" rows
    assert window.model.index(window.model.row_of(job.id), JobColumn.INVALID).data() == str(done.invalid_rows)
    assert window.model.index(window.model.row_of(job.id), JobColumn.VALID).data() == str(done.valid_rows)

    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        assert details.open_button.isEnabled()
        details.open_button.click()
        window.open_output_action.trigger()
        window.folder_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls == [job.output_path, job.output_path, str(tmp_path)]


def test_failed_job_shows_its_error(qtbot, window, queue, tmp_path):
    source = write_csv(tmp_path / "gone.csv")
    job = queue.submit(source)
    source.unlink()
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "failed")
    error = window.model.index(window.model.row_of(job.id), JobColumn.ERROR).data()
    assert error and error == queue.get(job.id).error_message.splitlines()[0]
    window.table.selectRow(row_of(window, job.id))
    assert window.retry_action.isEnabled() and not window.open_output_action.isEnabled()
    assert window.details._fact_labels["Error"].text() == queue.get(job.id).error_message
    assert window.stats_strip.labels["failed"].text() == "Failed <b>1</b>"


def test_finished_job_in_the_background_shows_a_banner(qtbot, window, queue, tmp_path):
    job = queue.submit(write_csv(tmp_path / "a.csv"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert not window.banner.isVisible()
    elsewhere = QWidget()  # the user works in another window
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(lambda: elsewhere.isActiveWindow() and not window.isActiveWindow())
    run_pending(queue)
    qtbot.waitUntil(lambda: window.banner.isVisible())
    assert "a.csv: completed" in window.banner.label.text()
    assert queue.get(job.id).status == "completed"


def test_closing_with_a_running_job_asks_first(qtbot, window, queue, tmp_path):
    queue.submit(write_csv(tmp_path / "a.csv"))
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=100, workers=0)
    dispatcher.open()
    try:
        assert dispatcher.claim() is not None  # the job is now processing, leased to it
        qtbot.waitUntil(lambda: window.running_count() == 1)
        answers = []

        def answer(keep_running):
            def click(box):
                answers.append(box.text())
                box.button(QMessageBox.StandardButton.No if keep_running else QMessageBox.StandardButton.Yes).click()
            when_shown(lambda: next((b for b in window.findChildren(QMessageBox) if b.isVisible()), None), click)

        answer(keep_running=True)
        assert not window.close()
        assert window.isVisible() and answers == ["1 job is still running."]
        answer(keep_running=False)
        assert window.close()
    finally:
        dispatcher.close()


def test_settings_are_applied_and_saved(qtbot, window, queue):
    window.apply_settings(Settings(worker_concurrency=3, max_attempts=6, country="FR"))
    assert load_settings().country == "FR"
    assert queue.policy.max_attempts == 6
    assert "of 3" in window.stats_strip.labels["workers"].text()
