"""The window and malformed lines, with the real widgets offscreen over a real queue: a multi-file
open names the files it will not queue and why, and a job that set lines aside says so."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QDesktopServices

from normdesk.gui.job_model import JobColumn
from normdesk.jobs import JobStatus
from test_gui_window import _UrlCatcher, queue, row_of, run_pending, status_text, wait_preview, write_csv  # noqa: F401


def test_a_multi_file_open_says_which_files_are_not_queued_and_why(qtbot, window, queue, tmp_path):
    good = write_csv(tmp_path / "good.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02binary\x00" * 200)
    dialog = window.open_files([good, empty, binary])
    wait_preview(qtbot, dialog)
    note = dialog.not_queued_note.text()
    assert dialog.not_queued_note.isVisible()  # said before anything is queued
    assert note.startswith("2 of 3 files cannot be read and will not be queued:")
    assert "<b>empty.csv</b>: file is empty" in note and "<b>binary.csv</b>: not a text file" in note
    assert dialog.run_button.text() == "Queue 1 of 3 files" and dialog.run_button.isEnabled()
    assert queue.list() == []
    dialog.run_button.click()
    qtbot.waitUntil(lambda: len(queue.list()) == 1)
    assert [j.input_path for j in queue.list()] == [str(good.resolve())]
    message = window.statusBar().currentMessage()
    assert message.startswith("Queued 1 file; not queued: empty.csv (file is empty); binary.csv (not a text file")


def test_one_unreadable_file_alone_is_not_queued(qtbot, window, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    dialog = window.open_files([empty])
    wait_preview(qtbot, dialog)
    assert dialog.not_queued_note.text().startswith("This file cannot be read and will not be queued:")
    assert not dialog.run_button.isEnabled() and dialog.run_button.text() == "Queue"
    dialog.reject()


def test_a_job_with_rejects_says_how_many_and_opens_them(qtbot, window, queue, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("Name,E-mail\nAnn Lee,ann@x.org\nBob Ray,bob@x.org,EXTRA\nCy Dee,cy@x.org\n"
                      "Di Fox,di@x.org,MORE\nEd Gee,ed@x.org\n", encoding="utf-8")
    job = queue.submit(source)
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed with 2 rejects")
    done = queue.get(job.id)
    assert done.status is JobStatus.COMPLETED and done.report["total_rows"] == 3
    rejects = str(tmp_path / "in.normalized.rejects.csv")
    tip = window.model.index(window.model.row_of(job.id), JobColumn.STATUS).data(3)  # the tool tip
    assert tip == f"2 malformed lines were set aside, with their line numbers and text, in {rejects}: not in the output."
    window.table.selectRow(row_of(window, job.id))
    details = window.details
    assert details.job_id() == job.id
    assert details._fact_labels["Status"].text() == "completed with 2 rejects"
    assert details.rejects_note.isVisible() and details.rejects_note.text() == "⚠ " + tip
    catcher = _UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        assert details.rejects_button.isVisible()
        details.rejects_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls == [rejects]
