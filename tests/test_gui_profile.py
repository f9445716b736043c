"""The window's column profile: the details pane shows a finished job's profile and exports its
HTML report; the preview shows a quick profile of the sample."""

from __future__ import annotations

from normdesk.engine import detect_file, plan_from_detection, run_file
from normdesk.gui.details_pane import JobDetails
from normdesk.jobs.model import Job, JobStatus
from normdesk.gui.file_preview import FilePreview, load_preview
from normdesk.resources import sample_file


def finished_job(tmp_path):
    src = sample_file()
    out = tmp_path / "out.csv"
    report = run_file(src, out, plan_from_detection(detect_file(src)), workers=0)
    return Job(
        id="j1", type="intelligent", status=JobStatus.COMPLETED, input_path=str(src), output_path=str(out),
        input_key=None, output_key=None, config={}, total_rows=report.total_rows, processed_rows=report.total_rows,
        valid_rows=report.valid_rows, invalid_rows=report.invalid_rows, error_message=None, created_at=0.0,
        started_at=0.0, completed_at=1.0, attempts=1, max_attempts=3, next_retry_at=None, report=report.to_dict(),
    )


def test_details_pane_shows_the_profile_and_exports_the_report(qtbot, tmp_path):
    pane = JobDetails()
    qtbot.addWidget(pane)
    job = finished_job(tmp_path)
    pane.show_job(job)
    view = pane.profile
    headers = [view.columns.item(r, 0).text() for r in range(view.columns.rowCount())]
    assert headers == [p["header"] for p in job.report["profile"].values()]
    assert pane.export_button.isEnabled()
    view.columns.selectRow(2)  # phone
    details = [view.detail.item(r, 0).text() for r in range(view.detail.rowCount())]
    assert "country: US" in details and any(d.startswith("pattern: ") for d in details)
    page = pane.export_report(tmp_path / "r.html").read_text(encoding="utf-8")
    assert all(h in page for h in headers) and f"{job.total_rows:,}" in page


def test_preview_shows_a_quick_profile_of_the_sample(qtbot):
    loaded = load_preview(sample_file())
    preview = FilePreview(loaded)
    qtbot.addWidget(preview)
    view = preview.quick_profile
    assert view.columns.rowCount() == len(loaded.header)
    assert view.columns.item(0, 0).text() == loaded.header[0]
    assert preview.top_tabs.tabText(1).startswith("Quick profile")
