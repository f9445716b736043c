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


def test_details_pane_charts_the_selected_column(qtbot, tmp_path):
    """Charts of the selected column (the report's series), stacked without overlap, labels whole
    where they fit, a tooltip on each bar."""
    pane = JobDetails()
    qtbot.addWidget(pane)
    pane.resize(420, 1600)
    pane.show()
    job = finished_job(tmp_path)
    pane.show_job(job)
    view = pane.profile
    view.columns.selectRow(1)  # email
    qtbot.waitUntil(lambda: all(c.height() == c.sizeHint().height() for c in view.chart_widgets()))
    charts = view.chart_widgets()
    assert [c.series.title for c in charts] == ["Top values", "Top patterns", "Value length", "Domain", "Domain kind",
                                                "Role", "Why invalid"]
    tops = [c.geometry() for c in charts]
    assert all(a.bottom() < b.top() for a, b in zip(tops, tops[1:]))  # stacked, not overlapping
    kind = next(c for c in charts if c.series.title == "Domain kind")
    kind.grab()  # paint: the bars' areas and tooltips
    tip = kind.tooltip_at(5, kind.height() - 5)
    assert tip and tip.split(": ")[0] in dict(kind.series.items) and "%" in tip
    email = job.report["profile"]["email"]
    assert dict(kind.series.items) == email["facets"]["domain kind"]["items"]
    view.columns.selectRow(2)  # phone: the email charts are gone, the phone's drawn
    titles = [c.series.title for c in view.chart_widgets()]
    assert "Country" in titles and "Number type" in titles and "Domain" not in titles


def test_series_chart_puts_long_labels_above_the_bars(qtbot):
    from normdesk.engine.chart_data import Series
    from normdesk.gui.series_chart import SeriesChart

    short = SeriesChart(Series("Title", "bars", (("Mrs.", 22), ("Prof.", 5)), 100))
    long_label = "10013 Sandra Place Apt 39, West Cherylmouth, NC 27514"
    tall = SeriesChart(Series("Top values", "bars", ((long_label, 2), ("N/A", 1)), 3))
    for chart in (short, tall):
        qtbot.addWidget(chart)
        chart.resize(360, chart.sizeHint().height())
    assert short._beside(360) and not tall._beside(360)
    assert tall.sizeHint().height() > short.sizeHint().height()
    tall.grab()
    assert tall.tooltip_at(10, tall.height() - 3) == "N/A: 1  33.3%"
    assert tall.tooltip_at(10, 30).startswith(long_label)


def test_column_chart_counts_warned_values_as_ok(qtbot):
    from normdesk.gui.column_chart import ColumnChart

    chart = ColumnChart()
    qtbot.addWidget(chart)
    chart.set_columns({"email": {"type": "email", "unchanged": 5, "changed": 2, "warning": 3, "invalid": 0, "empty": 1}})
    assert [label for _, _, label, _ in chart._legend(360)] == ["already clean", "normalized", "with warning", "empty"]
    narrow = chart._legend(150)
    assert max(y for _, y, _, _ in narrow) > 6  # the legend wraps instead of running off the pane
