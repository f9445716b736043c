"""The window's preview of a file with split addresses: the groups shown, and the one-line
address box carried by the plan into the output (pytest-qt, offscreen, a real file and job)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import polars as pl  # noqa: E402

from test_gui_window import queue, run_pending, status_text, wait_preview, write_csv  # noqa: E402,F401

ROWS = [["first", "last", "street", "suite", "city", "state", "zip"],
        ["JOHN", "smith", "12 main street apt 4", "", "cambridge", "Massachusetts", "2139"],
        ["mary", "O'BRIEN", "500 w 5th avenue", "suite 200", "NEW YORK", "ny", "10001"],
        ["Ann", "Lee", "77 elm st", "", "springfield", "IL", "62704"]]


def test_a_split_address_is_previewed_as_a_group_and_queued_with_its_one_line(qtbot, window, queue, tmp_path):
    dialog = window.open_files([write_csv(tmp_path / "a.csv", ROWS)])
    (preview,) = wait_preview(qtbot, dialog)
    shown = {r.name: preview.columns_model.index(i, 4).data() for i, r in enumerate(preview.columns_model.rows())}
    assert shown["city"] == "City" and shown["zip"] == "ZIP / postal code" and shown["suite"] == "Address line 2"
    assert not dialog.address_line.isChecked()
    dialog.address_line.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: bool(queue.list()))
    job = queue.list()[0]
    run_pending(queue)
    qtbot.waitUntil(lambda: status_text(window, job.id) == "completed")
    out = pl.read_csv(queue.get(job.id).output_path, infer_schema=False)
    assert out.columns == [*ROWS[0], "address_line", "normdesk_issues"]
    assert out.get_column("address_line").to_list()[0] == "12 Main St Apt 4, Cambridge, MA 02139"
