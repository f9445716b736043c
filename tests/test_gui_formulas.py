"""The window's "protect against spreadsheet formulas": on by default for CSV output, carried by
the plan into the job and the output, and a warning in the details pane either way (pytest-qt,
offscreen, real files and jobs in tmp_path)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from test_gui_window import queue, row_of, run_pending, status_text, wait_preview, write_csv  # noqa: E402,F401

ROWS = [["Name", "Email", "Notes"],
        ["Jane Doe", "jane@example.com", "=HYPERLINK(\"http://x.example\",\"click\")"],
        ["John Roe", "john@example.com", "@SUM(A1:A2)"],
        ["Ann Lee", "ann@example.com", "-12.5"]]


def queue_one(qtbot, window, queue, path, protect: bool | None = None, fmt: str = "csv"):
    dialog = window.open_files([path])
    wait_preview(qtbot, dialog)
    dialog.format.setCurrentText(fmt)
    if protect is not None:
        dialog.safe_formulas.setChecked(protect)
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == len(queue.list()) and bool(queue.list()))
    job = max(queue.list(), key=lambda j: j.created_at)
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed")
    window.table.selectRow(row_of(window, job.id))
    return queue.get(job.id)


def test_on_by_default_for_csv_off_for_the_other_formats(qtbot, window, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "a.csv", ROWS)])
    (preview,) = wait_preview(qtbot, dialog)
    dialog.format.setCurrentText("csv")
    assert dialog.safe_formulas.isChecked() and dialog.jobs()[0][2].safe_formulas
    for fmt, on in (("xlsx", False), ("parquet", False), ("json", False), ("csv", True)):
        dialog.format.setCurrentText(fmt)
        assert dialog.safe_formulas.isChecked() is on, fmt
    dialog.safe_formulas.setChecked(False)
    assert dialog.jobs()[0][2].safe_formulas is False
    dialog.reject()


def test_protected_job_output_and_its_note(qtbot, window, queue, tmp_path):
    job = queue_one(qtbot, window, queue, write_csv(tmp_path / "a.csv", ROWS))
    text = open(job.output_path, encoding="utf-8").read()
    assert "'=HYPERLINK(" in text and "'@SUM(A1:A2)" in text and ",-12.5," in text
    note = window.details.formula_note
    assert note.isVisibleTo(window.details)
    assert note.text().startswith("⚠ 2 cells began like a spreadsheet formula in Notes (2): prefixed with '")
    assert "formulas protected" in window.details.plan_options.text()


def test_unprotected_job_warns(qtbot, window, queue, tmp_path):
    job = queue_one(qtbot, window, queue, write_csv(tmp_path / "b.csv", ROWS), protect=False)
    assert "'=HYPERLINK(" not in open(job.output_path, encoding="utf-8").read()
    note = window.details.formula_note
    assert note.isVisibleTo(window.details)
    assert note.text().startswith("⚠ 2 cells begin like a spreadsheet formula in Notes (2). Excel or LibreOffice")


def test_no_note_without_formula_cells(qtbot, window, queue, tmp_path):
    queue_one(qtbot, window, queue, write_csv(tmp_path / "c.csv", [ROWS[0], ROWS[3]]))
    assert not window.details.formula_note.isVisibleTo(window.details)
