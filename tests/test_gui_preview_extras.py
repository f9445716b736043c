"""The preview dialog's bundled sample, output folders, full evidence and Excel sheet picker
(pytest-qt, offscreen, real files and jobs in tmp_path)."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import xlsxwriter  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from test_gui_window import queue, run_pending, wait_preview, write_csv  # noqa: E402,F401 - queue is a fixture

from normdesk.gui.column_plan_model import PreviewColumn  # noqa: E402
from normdesk.resources import sample_file  # noqa: E402
from normdesk.gui.preview_dialog import PreviewDialog  # noqa: E402
from normdesk.selftest import resources_dir  # noqa: E402


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The data folder and a fresh user home (no Documents folder yet) in tmp_path."""
    monkeypatch.setenv("NORMDESK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user" / ".config"))
    return tmp_path / "home"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sample_file_goes_to_documents_normdesk_never_beside_the_sample(qtbot, window, queue, tmp_path):
    before = sorted(p.name for p in resources_dir().iterdir())
    documents = tmp_path / "user" / "Documents" / "normdesk"
    assert not documents.exists()
    window.empty_zone.sample_button.click()
    dialog = window.findChild(PreviewDialog)
    (preview,) = wait_preview(qtbot, dialog)
    assert preview.paths == [sample_file()]
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    (job,) = queue.list()
    assert job.output_path == str(documents / "sample_contacts.normalized.csv")
    run_pending(queue)
    assert queue.get(job.id).status == "completed", queue.get(job.id).error_message
    assert len(read_csv(job.output_path)) == len(read_csv(sample_file()))
    assert sorted(p.name for p in resources_dir().iterdir()) == before


def test_a_missing_output_folder_is_created(qtbot, window, queue, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "a.csv")])
    wait_preview(qtbot, dialog)
    chosen = tmp_path / "new" / "outputs"
    dialog.folder.setText(str(chosen))
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    assert chosen.is_dir() and queue.list()[0].output_path == str(chosen / "a.normalized.csv")


def test_the_selected_columns_whole_evidence_is_shown(qtbot, window, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "contacts.csv")])
    (preview,) = wait_preview(qtbot, dialog)
    rows = preview.columns_model.rows()
    for i, row in enumerate(rows):
        preview.select_column(i)
        assert row.evidence and preview.evidence_label.text() == f"{row.header}: {row.evidence}"
        for col in PreviewColumn:
            tip = preview.columns_model.index(i, col).data(Qt.ItemDataRole.ToolTipRole)
            assert row.evidence in tip
    assert preview.evidence_label.wordWrap()
    dialog.reject()


def write_workbook(path, sheets):
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()
    return path


def test_excel_sheet_picker_reloads_and_the_plan_records_the_sheet(qtbot, window, queue, tmp_path):
    book = write_workbook(tmp_path / "book.xlsx", {
        "Notes": [["memo"], ["call Ann back"], ["check the invoice"]],
        "Contacts": [["Name", "Email"], ["john SMITH", "John@Example.COM"], ["Ann Lee", "ann@example.org"]],
    })
    dialog = window.open_files([book])
    (preview,) = wait_preview(qtbot, dialog)
    assert preview.file.sheet == "Notes" and preview.sheet_combo.isVisibleTo(preview)
    assert [preview.sheet_combo.itemText(i) for i in range(preview.sheet_combo.count())] == ["Notes", "Contacts"]
    assert preview.plan("csv").sheet == "Notes"

    preview.sheet_combo.setCurrentText("Contacts")
    qtbot.waitUntil(lambda: dialog.previews() and dialog.previews()[0].file.sheet == "Contacts", timeout=20_000)
    (shown,) = dialog.previews()
    assert dialog.tabs.currentWidget() is shown and dialog.run_button.isEnabled()
    assert {r.name: r.detected.type.value for r in shown.columns_model.rows()} == {"Name": "name", "Email": "email"}
    dialog.format.setCurrentText("csv")
    dialog.accept()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    (job,) = queue.list()
    assert job.config["sheet"] == "Contacts"
    run_pending(queue)
    out = read_csv(queue.get(job.id).output_path)
    assert [r["Email"] for r in out] == ["john@example.com", "ann@example.org"]


def test_a_single_sheet_workbook_has_no_picker_but_records_its_sheet(qtbot, window, tmp_path):
    book = write_workbook(tmp_path / "one.xlsx", {"Leads": [["email"], ["x@example.com"]]})
    dialog = window.open_files([book])
    (preview,) = wait_preview(qtbot, dialog)
    assert not preview.sheet_combo.isVisibleTo(preview)
    assert preview.plan("csv").sheet == "Leads"
    dialog.reject()


def test_a_missing_sheet_is_said_plainly_and_the_tab_stays(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    book = write_workbook(tmp_path / "two.xlsx", {"A": [["email"], ["x@example.com"]], "B": [["phone"], ["1"]]})
    dialog = window.open_files([book])
    (preview,) = wait_preview(qtbot, dialog)
    write_workbook(book, {"A": [["email"], ["x@example.com"]]})  # sheet B is gone meanwhile
    preview.sheet_combo.setCurrentText("B")
    qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)
    assert warnings == ["two.xlsx: no sheet named 'B' (sheets: A)"]
    assert dialog.previews() == [preview] and preview.sheet_combo.currentText() == "A"
    assert preview.sheet_combo.isEnabled() and dialog.run_button.isEnabled()
    dialog.reject()
