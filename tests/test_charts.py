"""The quality report's SVG charts (Jinja2 macros, no plotting library) and the series they draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import polars as pl

from normdesk.engine import charts
from normdesk.engine.chart_data import Series, column_series, outcome_parts, share
from normdesk.engine.profile import ColumnProfile

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return root


def texts(root: ET.Element) -> list[ET.Element]:
    return [t for t in root.iter(f"{SVG}text") if (t.text or "").strip()]


def test_bars_are_valid_svg_with_a_tooltip_per_bar_and_escaped_labels():
    series = Series("Top values", "bars", (("<script>alert(1)</script>", 7), ("Ada & Bob", 3), ("", 1)), 20)
    svg = charts.bars(series)
    root = parsed(svg)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    tips = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert tips == ["<script>alert(1)</script>: 7  35.0%", "Ada & Bob: 3  15.0%", "(blank): 1  5.0%"]
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] > 0  # longest bar for the largest count
    assert charts.bars(series) == svg  # the same input, the same bytes


def test_short_labels_sit_beside_the_bars_whole_and_long_ones_above_them():
    short = parsed(charts.bars(Series("Title", "bars", (("Mrs.", 22), ("Prof.", 5)), 100)))
    drawn = [t.text for t in texts(short)]
    assert "Mrs." in drawn and "Prof." in drawn
    label_x = {t.text: float(t.get("x")) for t in texts(short)}
    bar_x = float(next(short.iter(f"{SVG}rect")).get("x"))
    assert label_x["Prof."] == 0 and bar_x > charts.text_width("Prof.")
    long_label = "10013 Sandra Place Apt 39, West Cherylmouth, North Carolina 27514-0042 USA"
    tall = parsed(charts.bars(Series("Top values", "bars", ((long_label, 2), ("N/A", 1)), 3)))
    assert float(next(tall.iter(f"{SVG}rect")).get("x")) == 0  # labels above: bars use the whole width
    cut = next(t.text for t in texts(tall) if t.text.startswith("10013"))
    assert cut.endswith("…") and charts.text_width(cut) <= charts.WIDTH
    assert long_label in {g.find(f"{SVG}title").text.split(": ")[0] for g in tall.iter(f"{SVG}g")}


def test_every_label_fits_the_chart_width():
    labels = [("a" * n + "W" * (n // 3), 100 - n) for n in range(1, 60, 7)]
    root = parsed(charts.bars(Series("Patterns", "bars", tuple(labels), 1000)))
    width = float(root.get("width"))
    for t in texts(root):
        if t.get("text-anchor") is None:
            assert float(t.get("x")) + charts.text_width(t.text, charts.FONT) <= width + 0.5, t.text


def test_histogram_labels_its_length_axis_and_marks_the_overflow_bin():
    items = tuple((str(n), n * 2) for n in range(1, 65)) + (("65+", 9),)
    root = parsed(charts.histogram(Series("Value length", "lengths", items, 5000)))
    rects = [r for r in root.iter(f"{SVG}rect")]
    assert len(rects) == 65 and rects[-1].find(f"{SVG}title").text.startswith("65+ characters: 9")
    ticks = [t.text for t in texts(root) if t.get("text-anchor") == "middle"]
    assert "1" in ticks and "65+" in ticks and len(ticks) <= 14  # a readable step, not 65 crowded labels


def test_stacked_chart_splits_each_row_by_outcome():
    root = parsed(charts.stacked(["email", "notes"], {"already clean": [6, 9], "invalid": [2, 0], "empty": [2, 1]},
                                 "Outcomes"))
    tips = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert tips == ["email: already clean 6  60.0%", "email: invalid 2  20.0%", "email: empty 2  20.0%",
                    "notes: already clean 9  90.0%", "notes: empty 1  10.0%"]
    assert {t.text for t in texts(root)} >= {"already clean", "invalid", "empty", "email", "notes"}


def test_column_series_and_outcomes_of_a_typed_column():
    prof = ColumnProfile("Email", "email")
    prof.add_values(pl.Series(["a@x.com", "a@x.com", "b@y.org", None]))
    prof.add_facet("domain kind", pl.Series(["free-mail", "other domain", "free-mail"]))
    counts = {"unchanged": 1, "changed": 1, "warning": 1, "invalid": 0, "empty": 1}
    titles = [s.title for s in column_series(prof, counts)]
    assert titles == ["Top values", "Top patterns", "Value length", "Domain kind"]
    facet = column_series(prof, counts)[-1]
    assert facet.whole == 3 and facet.items == (("free-mail", 2), ("other domain", 1))
    assert outcome_parts(prof, counts) == {"already clean": 1, "normalized": 1, "with warning": 1, "invalid": 0,
                                           "empty": 1}
    assert outcome_parts(prof, None) == {"already clean": 3, "empty": 1}
    assert (share(1, 3), share(1, 2000), share(1, 0)) == ("33.3%", "<0.1%", "")
