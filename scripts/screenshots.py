#!/usr/bin/env python3
"""Render the main window (jobs in every state, an S3 upload, a formula-cells warning), the preview
dialog, the settings dialog (also its S3 page on a machine without a keyring) and the Open-from-S3 dialog to PNGs in docs/screenshots/, offscreen, over a throw-away data
folder, real jobs, a local moto S3 server and a throw-away file keyring.

    python scripts/screenshots.py [--out docs/screenshots]
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
        while (control := dispatcher.claim()) is not None:
            dispatcher.run(control)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
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
        shoot_groups(app, window, tmp, args.out)
        window.feed.stop()
        ids["_dispatcher"].close()
    finally:
        queue.close()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    for png in sorted(args.out.glob("*.png")):
        print(png)
    return 0


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


if __name__ == "__main__":
    raise SystemExit(main())
