#!/usr/bin/env python3
"""Render the main window (jobs in every state, an S3 upload, a formula-cells warning), the preview
dialog, the settings dialog (also its S3 page on a machine without a keyring), the Open-from-S3 dialog, the
results view, the clusters view of a dedupe job, and malformed lines (a job with rejects, a multi-file open
with unreadable files) to PNGs in docs/screenshots/, offscreen, over a throw-away data
folder, real jobs, a local moto S3 server and a throw-away file keyring.

    python scripts/screenshots.py [--out docs/screenshots] [--size 1280x800]

``--size`` is the main window's size (dialogs fit inside it); a size other than 1280x800 adds
``_<size>`` to each file name, e.g. ``main_window_jobs_1024x640.png``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "sample_contacts.csv"


def wait(app, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the window")
        app.processEvents()
        time.sleep(0.02)


def settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def make_jobs(queue, files: Path) -> dict[str, str]:
    """One job in each state, run for real with the Qt-free dispatcher."""
    from normdesk.jobs import Dispatcher

    def copy(name: str) -> Path:
        path = files / name
        shutil.copyfile(SAMPLE, path)
        return path

    messy = copy("customers_march.csv")
    with open(messy, "a", newline="", encoding="utf-8") as fh:  # a few values no one can fix
        csv.writer(fh).writerows([
            ["Mary Major", "mary.major@", "555-01", "12 Elm St, Springfield, IL 62704", "Acme", "2021-01-04"],
            ["Tom Tester", "tom(at)example.com", "(212) 555-0142", "PO Box", '=HYPERLINK("http://x.example")',
             "2021-02-11"],
            ["Ann Lee", "ann.lee@example.net", "call me", "9 Oak Ave, Portland, OR 97201", "", "2021-03-09"],
        ])
    done = queue.submit(messy)
    broken = copy("leads_trade_show.csv")
    failed = queue.submit(broken)
    broken.write_bytes(b"\x00\x01\x02 not a table \x00" * 50)  # the file changed before it ran
    dispatcher = Dispatcher(queue, concurrency=1, start_rate=100, workers=0)
    dispatcher.open()
    try:
        dispatcher.run_due()
        cancelled = queue.submit(copy("newsletter_signups.csv"))
        queue.cancel(cancelled.id)
        running = queue.submit(copy("crm_export_2024.csv"))
        control = None
        while control is None:  # the dispatcher spaces job starts: ask until it hands this one out
            control = dispatcher.claim()
            time.sleep(0.02)
        queue.progress(running.id, dispatcher.owner, 312_000, 0.41)
        pending = queue.submit(copy("donors.csv"))
    finally:
        dispatcher.shutdown()
    return {"completed": done.id, "failed": failed.id, "cancelled": cancelled.id,
            "processing": running.id, "pending": pending.id, "_dispatcher": dispatcher}


def start_s3(tmp: Path):
    """A moto S3 server with a bucket of contact exports, and normdesk configured for it; the server."""
    import boto3
    import keyring
    from keyrings.alt.file import PlaintextKeyring
    from moto.server import ThreadedMotoServer

    from normdesk.sync.secrets import store_credentials
    from normdesk.sync.settings import S3Settings, save_settings

    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    backend = PlaintextKeyring()
    backend.file_path = str(tmp / "keyring.cfg")
    keyring.set_keyring(backend)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    url = "http://%s:%d" % server.get_host_and_port()
    s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="shots",
                      aws_secret_access_key="shots")
    s3.create_bucket(Bucket="acme-contacts")
    body = SAMPLE.read_bytes()
    for key in ("crm/2024-03/customers_march.csv", "crm/2024-03/customers_march_eu.csv", "crm/2024-04/customers_april.csv",
                "events/trade_show_leads.tsv", "events/webinar_signups.csv", "finance/donors_2023.csv"):
        s3.put_object(Bucket="acme-contacts", Key=f"normdesk/inbox/{key}", Body=body)
    s3.put_object(Bucket="acme-contacts", Key="normdesk/inbox/crm/README.pdf", Body=b"%PDF-1.4")
    save_settings(S3Settings("acme-contacts", "normdesk", "us-east-1", url, "outputs"))
    store_credentials("AKIAEXAMPLESHOTS", "example-secret")
    return server


def shoot_automation(app, window, tmp: Path, out: Path) -> None:
    """The Schedules and Watched folders pages, with a schedule that ran and a folder with files."""
    from normdesk.automation.schedules import Scheduler
    from normdesk.automation.watches import Watches

    drop, exports = tmp / "Drop", tmp / "exports"
    drop.mkdir(), exports.mkdir()
    sample = ROOT / "resources" / "sample_contacts.csv"
    shutil.copy(sample, exports / "crm_week_49.csv")
    for name in ("leads_berlin.csv", "signups_dec.csv"):
        shutil.copy(sample, drop / name)
    scheduler = Scheduler(window.automation_store, window.queue)
    weekly = scheduler.add("CRM weekly export", "0 9 * * 1", str(exports / "*.csv"), output=str(tmp))
    scheduler.run_now(weekly.id)
    scheduler.add("Nightly shop orders", "30 2 * * *", str(tmp / "shop" / "orders.csv"))
    scheduler.run_now(scheduler.list()[-1].id)
    Watches(window.automation_store).add(drop, "*.csv", output=str(tmp / "Clean"))
    dialog = window.edit_automation()
    dialog.schedules.table.selectRow(0)
    settle(app)
    dialog.grab().save(str(out / "automation_schedules.png"))
    dialog.tabs.setCurrentIndex(1)
    settle(app)
    dialog.grab().save(str(out / "automation_watched_folders.png"))
    dialog.close()


def shoot_profile_charts(app, window, out: Path) -> None:
    """The details pane scrolled to the charts of the selected job's email column: its domains, the
    domain kinds (free-mail, disposable) and role addresses."""
    window.details.profile.columns.selectRow(1)
    settle(app)
    scroll = window.details.stack.currentWidget()
    domain = next(c for c in window.details.profile.chart_widgets() if c.series.title == "Domain")
    scroll.verticalScrollBar().setValue(domain.mapTo(scroll.widget(), domain.rect().topLeft()).y() - 120)
    settle(app)
    window.grab().save(str(out / "main_window_profile_charts.png"))


DEFAULT_SIZE = "1280x800"


def install_size(width: int, height: int, suffix: str) -> None:
    """Every grab of a window or dialog: at the chosen size (a dialog no larger than the window), saved
    with ``suffix`` before .png."""
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox, QWidget

    grab = QWidget.grab

    def sized_grab(widget, *args):
        if isinstance(widget, QMainWindow):
            widget.resize(width, height)
        elif isinstance(widget, QDialog) and not isinstance(widget, QMessageBox):
            widget.resize(min(widget.width(), width - 80), min(widget.height(), height - 60))
        for _ in range(5):
            QApplication.processEvents()
        return grab(widget, *args)

    save = QPixmap.save

    def suffixed_save(pixmap, name, *args):
        path = Path(name)
        return save(pixmap, str(path.with_name(path.stem + suffix + path.suffix)), *args)

    from PySide6.QtWidgets import QApplication

    QWidget.grab = sized_grab
    QPixmap.save = suffixed_save


def shoot_workbench(app, window, ids: dict, out: Path) -> None:
    """Issue 11's window: the finished banner over the table, Open output without a program, the
    question before removing a job with an output, About, and the plan in the user's words."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    window.select_job(ids["completed"])
    window.notifier.tray = None
    window.notifier.notify("normdesk: job finished", "customers_march.csv: completed, 1,000 valid rows, 3 with issues")
    settle(app)
    window.grab().save(str(out / "main_window_banner.png"))
    window.banner.hide()
    window.details.scroll.ensureWidgetVisible(window.details.plan_table)
    settle(app)
    window.grab().save(str(out / "main_window_plan.png"))
    window.details.scroll.verticalScrollBar().setValue(0)
    box = window.open_output(window.queue.get(ids["completed"]).output_path) or window.output_problem
    settle(app)
    box.grab().save(str(out / "open_output_no_program.png"))
    box.reject()
    about = window.about_action.trigger() or next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    settle(app)
    about.grab().save(str(out / "about.png"))
    about.reject()

    def shoot_question():
        question = next((b for b in window.findChildren(QMessageBox) if b.isVisible()), None)
        if question is None:
            QTimer.singleShot(50, shoot_question)
            return
        settle(app)
        question.grab().save(str(out / "remove_job_question.png"))
        question.button(QMessageBox.StandardButton.Cancel).click()

    window.select_job(ids["completed"])
    QTimer.singleShot(50, shoot_question)
    window.remove_selected()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--size", default=DEFAULT_SIZE, help="the window's WIDTHxHEIGHT (default %(default)s)")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    install_size(width, height, "" if args.size == DEFAULT_SIZE else f"_{args.size}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="normdesk-shots-"))
    os.environ["NORMDESK_HOME"] = str(tmp / "home")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QApplication

    from normdesk.engine import ColumnPlan, ColumnType
    from normdesk.gui.main_window import MainWindow
    from normdesk.gui.settings_dialog import SettingsDialog
    from normdesk.settings import Settings
    from normdesk.gui.app import app_icon
    from normdesk.jobs import JobQueue
    from normdesk.sync.uploader import retry_upload

    app = QApplication([sys.argv[0]])
    app.setApplicationName("normdesk")
    app.setWindowIcon(app_icon())
    server = start_s3(tmp)
    args.out.mkdir(parents=True, exist_ok=True)
    files = tmp / "files"
    files.mkdir()
    queue = JobQueue()
    try:
        empty = MainWindow(queue, None, Settings())
        empty.show()
        settle(app)
        empty.grab().save(str(args.out / "main_window_empty.png"))
        empty.feed.stop()
        empty.hide()

        ids = make_jobs(queue, files)
        retry_upload(ids["completed"], queue)  # the completed job's output goes to S3 for real
        window = MainWindow(queue, None, Settings())
        window.show()
        wait(app, lambda: window.model.rowCount() == 5)
        window.model.set_progress(ids["processing"], 312_000, 0.41)
        window.select_job(ids["completed"])
        settle(app)
        window.grab().save(str(args.out / "main_window_jobs.png"))
        window.select_job(ids["failed"])
        settle(app)
        window.grab().save(str(args.out / "main_window_failed_job.png"))
        window.select_job(ids["completed"])
        window.details.stack.currentWidget().verticalScrollBar().setValue(0)
        settle(app)
        window.grab().save(str(args.out / "main_window_sync.png"))
        window.details.profile.columns.selectRow(2)
        window.details.stack.currentWidget().ensureWidgetVisible(window.details.profile)
        settle(app)
        window.grab().save(str(args.out / "main_window_profile.png"))
        shoot_profile_charts(app, window, args.out)

        s3_dialog = window.open_from_s3()
        wait(app, lambda: s3_dialog.list_button.isEnabled())
        s3_dialog.prefix.setText("inbox/")
        s3_dialog.refresh()
        wait(app, lambda: s3_dialog.list_button.isEnabled())
        s3_dialog.filter.setText("customers")
        s3_dialog.select_keys(["normdesk/inbox/crm/2024-03/customers_march.csv"])
        settle(app)
        s3_dialog.grab().save(str(args.out / "s3_open_dialog.png"))
        s3_dialog.reject()

        dialog = window.open_files([files / "customers_march.csv"])
        dialog.resize(1100, 760)
        wait(app, lambda: bool(dialog.previews()))
        preview = dialog.previews()[0]
        names = [r.name for r in preview.columns_model.rows()]
        preview.columns_model.set_choice(names.index("company"), ColumnPlan(ColumnType.UNKNOWN))
        preview.columns_model.set_choice(names.index("full_name"), ColumnPlan(ColumnType.NAME))
        preview.columns_model.set_choice(names.index("signup_date"), ColumnPlan(ColumnType.UNKNOWN))
        preview.columns_model.set_choice(names.index("phone"), ColumnPlan(ColumnType.UNKNOWN))
        preview.columns_model.reset([names.index("phone")])
        preview.columns_model.set_choice(names.index("company"), ColumnPlan(ColumnType.NAME, "last"))
        preview.select_column(names.index("phone"))
        wait(app, lambda: preview.after_model.columnCount() == 4)
        settle(app, 0.5)
        dialog.grab().save(str(args.out / "preview_dialog.png"))
        preview.top_tabs.setCurrentIndex(1)
        preview.quick_profile.columns.selectRow(2)
        settle(app)
        dialog.grab().save(str(args.out / "preview_dialog_profile.png"))
        dialog.reject()

        settings = SettingsDialog(Settings(), window)
        settings.show()
        settle(app)
        settings.grab().save(str(args.out / "settings_dialog.png"))
        settings.tabs.setCurrentIndex(1)
        settle(app)
        settings.grab().save(str(args.out / "settings_dialog_retention.png"))
        settings.tabs.setCurrentIndex(2)
        settle(app)
        settings.grab().save(str(args.out / "settings_dialog_defaults.png"))
        keys = settings.api_keys_page
        settings.tabs.setCurrentWidget(keys)
        keys.name.setText("nightly-report")
        keys.create_key()
        keys.name.setText("crm-export")
        keys.permissions["submit"].setChecked(True)
        keys.expires.setCurrentIndex(1)
        keys.create_key()
        settle(app)
        settings.grab().save(str(args.out / "settings_dialog_api_keys.png"))
        settings.cluster.setChecked(True)
        settings.cluster_address.setText("tcp://10.0.0.4:8786")
        settings.tabs.setCurrentIndex(3)
        settle(app)
        settings.grab().save(str(args.out / "settings_dialog_cluster.png"))
        settings.reject()

        import keyring
        import keyring.backends.fail

        chosen = keyring.get_keyring()
        keyring.set_keyring(keyring.backends.fail.Keyring())  # a machine without a keyring backend
        try:
            no_keyring = SettingsDialog(Settings(), window)
            no_keyring.show()
            no_keyring.tabs.setCurrentWidget(no_keyring.s3_page)
            settle(app)
            no_keyring.grab().save(str(args.out / "s3_settings_no_keyring.png"))
            no_keyring.reject()
        finally:
            keyring.set_keyring(chosen)
        shoot_automation(app, window, tmp, args.out)
        shoot_api(app, window, args.out)
        shoot_results(app, window, ids["completed"], args.out)
        shoot_workbench(app, window, ids, args.out)
        shoot_groups(app, window, tmp, args.out)
        ids["_dispatcher"].close()  # the data folder is free: these run jobs with a dispatcher of their own
        shoot_rejects(app, window, tmp, args.out)
        shoot_duplicates(app, queue, tmp, args.out)
        shoot_results_parquet(app, window, tmp, args.out)
        window.feed.stop()
    finally:
        queue.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for png in sorted(args.out.glob("*.png")):
        print(png)
    return 0


def shoot_api(app, window, out: Path) -> None:
    """The window serving the API (its address in the status bar), Settings -> API keys with the setting
    on, and Settings -> Webhooks after a real receiver took one delivery and refused another (it waits)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from normdesk.api.server import port_in_use
    from normdesk.api.webhooks import Deliverer, WebhookStore
    from normdesk.gui.settings_dialog import SettingsDialog
    from normdesk.settings import Settings

    answers = [200, 503, 500]

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    receiver = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    store = WebhookStore(window.queue.home)
    hook = store.add(f"http://127.0.0.1:{receiver.server_address[1]}/normdesk", ["job.completed", "job.failed"])
    for job, event, attempts in zip(window.queue.list(3), ("job.completed", "job.failed", "job.completed"), (5, 5, 1)):
        store.enqueue(hook, event, b'{"event": "%s"}' % event.encode(), job.id)  # delivered, waits, gave up
        Deliverer(store, Settings(webhook_backoff_s=600, webhook_max_attempts=attempts)).deliver_due()
    settings = Settings(api_enabled=True, api_port=8765 if not port_in_use("127.0.0.1", 8765) else 18765)
    window.api.start_deliveries(settings)
    window.api.apply(settings)
    try:
        wait(app, lambda: window.api.url is not None or "off" in window.api.state)
        settle(app)
        window.grab().save(str(out / "main_window_api.png"))
        dialog = SettingsDialog(settings, window)
        dialog.api_keys_page.show_state(window.api.state)
        dialog.show()
        dialog.tabs.setCurrentWidget(dialog.api_keys_page)
        settle(app)
        dialog.grab().save(str(out / "settings_dialog_api.png"))
        dialog.tabs.setCurrentWidget(dialog.webhooks_page)
        dialog.webhooks_page.table.selectRow(0)
        settle(app)
        dialog.grab().save(str(out / "settings_dialog_webhooks.png"))
        dialog.reject()
    finally:
        window.api.close()
        receiver.shutdown()
    window.api.run_elsewhere(settings)  # another normdesk took the data folder: the API is off here
    settle(app)
    window.grab().save(str(out / "main_window_api_elsewhere.png"))
    window.api.close()
    window.api.state_changed.emit("")


def shoot_rejects(app, window, tmp: Path, out: Path) -> None:
    """A job that set malformed lines aside (table and details), and a multi-file open with two
    files it will not queue."""
    from normdesk.gui.job_model import JobColumn
    from normdesk.jobs import Dispatcher

    folder = tmp / "rejects"
    folder.mkdir()
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[412] += "," + lines.pop(413)  # a lost line break
    lines[230] += ",see notes"  # an extra field
    lines.append('Zoe Quinn,"zoe@example.com,555-0100')  # a quote that never closes
    export = folder / "crm_export_2024.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    job = window.queue.submit(export)
    dispatcher = Dispatcher(window.queue, concurrency=1, start_rate=100, workers=0)
    dispatcher.open()
    try:
        dispatcher.run_due()
    finally:
        dispatcher.close()
    wait(app, lambda: window.model.row_of(job.id) is not None
         and "rejects" in window.model.index(window.model.row_of(job.id), JobColumn.STATUS).data())
    window.select_job(job.id)
    window.details.stack.currentWidget().verticalScrollBar().setValue(0)
    settle(app)
    window.grab().save(str(out / "main_window_rejects.png"))
    (folder / "notes.csv").write_bytes(b"")
    (folder / "scan.csv").write_bytes(b"%PDF-1.4\x00\x01\x02" * 50)
    dialog = window.open_files([export, folder / "notes.csv", folder / "scan.csv"])
    dialog.resize(1100, 760)
    wait(app, lambda: dialog.stack.currentIndex() == 1)
    settle(app, 0.5)
    dialog.grab().save(str(out / "preview_dialog_not_queued.png"))
    dialog.reject()


def shoot_duplicates(app, queue, tmp: Path, out: Path) -> None:
    """The clusters view of a dedupe job over the sample plus copies of some of its rows (a
    nickname, a reformatted phone, an upper-cased email, a missing address), one cluster confirmed."""
    from normdesk.gui.duplicates_view import DuplicatesView
    from normdesk.jobs.dedupe_job import submit_dedupe
    from normdesk.jobs.dispatch import Dispatcher

    with SAMPLE.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:300]
    copies = []
    for i, row in enumerate(r for r in rows[:120:4] if r["full_name"].strip() and r["email"]):
        copy = dict(row)
        first, _, rest = copy["full_name"].strip().partition(" ")
        copy["full_name"] = [f"{rest}, {first}", copy["full_name"].upper(), f"{first[0]}. {rest}"][i % 3]
        copy["email"] = copy["email"].upper() if i % 2 else ""
        copy["phone"] = "".join(ch for ch in copy["phone"] if ch.isdigit())[-10:]
        copy["address"] = "" if i % 5 == 0 else copy["address"]
        copies.append(copy)
    people = tmp / "crm_and_signups.csv"
    with people.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + copies)
    job = submit_dedupe(queue, [people], tmp / "people.duplicates.csv", threshold=0.9)
    dispatcher = Dispatcher(queue, concurrency=1, workers=0)
    dispatcher.open()
    try:
        dispatcher.run(dispatcher.claim())
    finally:
        dispatcher.close()
    view = DuplicatesView(queue, queue.get(job.id))
    view.show()
    view.cluster_table.selectRow(1)
    view.confirm_button.click()
    view.cluster_table.selectRow(0)
    settle(app)
    view.grab().save(str(out / "duplicates_view.png"))
    view.close()


def shoot_groups(app, window, tmp: Path, out: Path) -> None:
    """The preview of a file with a home and a work address split over columns (issue 10)."""
    path = tmp / "files" / "contacts_split.csv"
    path.write_text(
        "first,last,home_street,home_suite,home_city,home_state,home_zip,work_street,work_city,work_state,work_zip\n"
        "JOHN,smith,12 main street apt 4,,cambridge,Massachusetts,2139,1 Federal St,boston,MA,02110\n"
        "mary,O'BRIEN,500 w 5th avenue,suite 200,NEW YORK,ny,10001,350 5th Ave,New York,NY,10118\n"
        "Ann,Lee,77 elm st,,springfield,IL,62704,9 Pine St,chicago,CA,60601\n"
        "Raj,Patel,8 oak road,# 5,austin,Texas,78701,200 Congress Ave,Austin,TX,78701\n",
        encoding="utf-8")
    dialog = window.open_files([path])
    dialog.resize(1100, 760)
    wait(app, lambda: bool(dialog.previews()))
    preview = dialog.previews()[0]
    names = [r.name for r in preview.columns_model.rows()]
    dialog.address_line.setChecked(True)
    preview.select_column(names.index("home_state"))
    wait(app, lambda: preview.after_model.rowCount() > 0)
    settle(app)
    dialog.grab().save(str(out / "preview_dialog_groups.png"))
    dialog.reject()


def shoot_results(app, window, job_id: str, out: Path) -> None:
    """The results view of the completed job, at 1280x800 (a fix made) and at 1024x640 (the rows
    with issues only)."""
    from PySide6.QtCore import Qt

    from normdesk.gui.results_model import ISSUE_BRUSH
    job = window.queue.get(job_id)
    view = window.results.open(job)
    wait(app, lambda: view.model is not None and view.model.rowCount() == job.total_rows)
    model = view.model
    tel = next(i for i, c in enumerate(model.columns) if c.title == "phone")
    bad = next(r for r in range(model.rowCount()) if model.data(model.index(r, tel), Qt.ItemDataRole.BackgroundRole)
               == ISSUE_BRUSH)
    model.fix(bad, tel, "+1 217 555 0100")
    view.table.setCurrentIndex(model.index(bad, tel))
    for size, name, issues in (((1280, 800), "results_view.png", False), ((1024, 640), "results_view_small.png", True)):
        view.resize(*size)
        view.issues_box.setChecked(issues)
        wait(app, lambda: model.rowCount() == (job.invalid_rows if issues else job.total_rows))
        view.table.scrollTo(model.index(min(bad, model.rowCount() - 1), tel))
        settle(app, 0.5)
        view.grab().save(str(out / name))
    view.close()


def shoot_results_parquet(app, window, tmp: Path, out: Path) -> None:
    """The results view of a job that wrote parquet (detected plan), "changed only" on, at 1280x800."""
    from contextlib import closing

    from normdesk.jobs import Dispatcher

    source = tmp / "files" / "contacts_for_parquet.csv"
    shutil.copyfile(SAMPLE, source)
    job = window.queue.submit(source, output_format="parquet")
    dispatcher = Dispatcher(window.queue, concurrency=1, start_rate=100, workers=0)
    dispatcher.open()
    with closing(dispatcher):
        dispatcher.run_due()
    job = window.queue.get(job.id)
    view = window.results.open(job)
    view.resize(1280, 800)
    wait(app, lambda: view.model is not None and view.model.done and view.model.rowCount() == job.total_rows)
    view.changed_box.setChecked(True)
    wait(app, lambda: "Shown:" in view.summary.text())
    settle(app, 0.5)
    view.grab().save(str(out / "results_view_parquet.png"))
    view.close()


if __name__ == "__main__":
    raise SystemExit(main())
