"""The report is one self-contained page; the charts plot real dates."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import re

import pytest
from plotly.offline import get_plotlyjs

from tests.helpers.frames import make_frames, utm_grid
from tests.helpers.tracks import DATES, growing_track
from tracking.analysis.accuracy import evaluate
from tracking.analysis.measures import scar_measures
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.exports.report import build_report, external_urls, write_report
from tracking.render import charts

ENGINE = {"engine": "sam2", "model": "sam2.1_hiera_tiny", "checkpoint_sha256": "ab12cd34",
          "checkpoint_url": "https://dl.fbaipublicfiles.com/segment_anything_2/sam2.1_hiera_tiny.pt"}


@pytest.fixture(scope="module")
def case():
    grid = utm_grid(50, 40)
    frames = make_frames(grid=grid, dates=DATES, pattern="smooth", bad={2}, cloud=0.5)
    track = growing_track(grid, DATES, [4, 7, 7, 10], second_object=True)
    track.objects[1].provenance[3] = Provenance.CORRECTED
    track.objects[1].provenance[2] = Provenance.CARRIED
    measures = scar_measures(track, grid, DATES)
    prompts = [Prompt(0, 1, points=[[16, 20], [2, 2]], labels=[1, 0]), Prompt(0, 2, box=(42, 2, 47, 6))]
    accuracy = evaluate(track, {DATES[0]: track.union(0), DATES[3]: track.union(2)}, DATES)
    return frames, track, measures, prompts, accuracy


def test_report_is_self_contained(case, tmp_path):
    frames, track, measures, prompts, accuracy = case
    path = write_report(tmp_path / "report.html", frames, track, measures, ENGINE, prompts, accuracy)
    page = path.read_text(encoding="utf-8")
    assert page.count(get_plotlyjs()) == 1  # plotly.js inlined exactly once
    assert external_urls(page) == []
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    # Outside the inlined library, no URL at all: the checkpoint URL shows as defanged text.
    assert "https://" not in page.replace(get_plotlyjs(), "")
    assert "https[:]//dl.fbaipublicfiles.com" in page


def test_report_holds_charts_map_table_accuracy_and_provenance(case):
    frames, track, measures, prompts, accuracy = case
    page = build_report(frames, track, measures, ENGINE, prompts, accuracy)
    for div in ("chart-area", "chart-rate", "chart-gain-loss", "chart-accuracy"):
        assert f'id="{div}"' in page
    body = page.split("</head>", 1)[1]
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', body)
    assert len(images) == 2 and all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    for d in DATES:
        assert d.isoformat() in body
    # Per-date table: one row per date and object (+ header); accuracy table: dates + mean.
    assert body.count("<td class=\"l\">prompted</td>") == 2
    assert "corrected" in body and "carried" in body
    assert "Dates corrected by the analyst: 2021-05-02." in body
    assert "sam2.1_hiera_tiny" in body and "ab12cd34" in body
    assert "1 positive, 1 negative" in body and "42, 2, 47, 6" in body
    assert "numpy" in body and "rasterio" in body and "torch" in body
    assert "cloud 50% &gt; 30%" in body
    assert ">mean<" in body


def test_report_names_each_frames_co_registration_shift(case):
    frames, track, measures, prompts, accuracy = case
    moved = dataclasses.replace(frames, quality=[dataclasses.replace(q, shift=(0.25, -0.5)) if i == 1 else q
                                                 for i, q in enumerate(frames.quality)])
    body = build_report(moved, track, measures, ENGINE, prompts, accuracy).split("</head>", 1)[1]
    assert "Co-registration shift px (dx, dy)" in body and "+0.25, -0.50" in body


def test_report_without_accuracy_has_no_accuracy_section(case):
    frames, track, measures, prompts, _ = case
    page = build_report(frames, track, measures, {}, [], None)
    assert 'id="chart-accuracy"' not in page and "Accuracy against the reference" not in page
    assert "No prompts were recorded." in page


def test_external_url_check_catches_network_references():
    js = get_plotlyjs()
    clean = f"<html><head><script>{js}</script></head><body><p>ok</p></body></html>"
    assert external_urls(clean) == []
    assert external_urls(clean.replace("<p>ok</p>", '<img src="https://tiles.example.org/a.png">'))
    assert external_urls(clean.replace("<p>ok</p>", '<script src="//cdn.example.org/x.js"></script>'))
    assert external_urls(clean.replace("<p>ok</p>", "<style>@import 'x.css';</style>"))


def test_write_report_refuses_a_page_that_refers_to_the_network(case, tmp_path, monkeypatch):
    import tracking.exports.report as report

    frames, track, measures, prompts, _ = case
    monkeypatch.setattr(report, "build_report", lambda *a, **k: '<img src="http://example.org/x.png">')
    with pytest.raises(RuntimeError, match="network"):
        report.write_report(tmp_path / "r.html", frames, track, measures, ENGINE, prompts)
    assert not (tmp_path / "r.html").exists()


def test_area_chart_uses_real_dates_and_colours_markers_by_provenance(case):
    _, track, measures, _, _ = case
    fig = charts.area_chart(measures)
    assert fig.layout.xaxis.type == "date"
    line = next(t for t in fig.data if t.name == "Scar 1")
    assert list(line.x) == DATES  # real dates, unevenly spaced, not frame indices
    assert list(line.y) == pytest.approx([track.objects[1].masks[i].sum() * 100 / 10_000 for i in range(4)])
    corrected = next(t for t in fig.data if t.name == "corrected")
    assert corrected.marker.color == charts.PROVENANCE_COLORS["corrected"]
    assert list(corrected.x) == [DATES[3]]


def test_rate_and_gain_loss_charts(case):
    _, _, measures, _, _ = case
    rate = charts.expansion_rate_chart(measures)
    obj1 = next(t for t in rate.data if t.name == "Scar 1")
    rows = [r for r in measures if r["object"] == 1][1:]
    assert list(obj1.x) == [r["date"] for r in rows]
    # the default: ha per year (365.25 days) over the real gap to the previous date
    assert list(obj1.y) == pytest.approx([r["net_m2"] / r["days"] * 365.25 / 10_000 for r in rows])
    assert rate.layout.yaxis.title.text == "Rate (ha/year)"
    gl = charts.gain_loss_chart(measures)
    gained = next(t for t in gl.data if t.name == "gained")
    lost = next(t for t in gl.data if t.name == "lost")
    assert all(v >= 0 for v in gained.y) and all(v <= 0 for v in lost.y)
    assert gl.layout.barmode == "relative"


def test_accuracy_chart_has_every_metric(case):
    *_, accuracy = case
    fig = charts.accuracy_chart(accuracy)
    assert {t.name for t in fig.data} == set(charts.METRIC_LABELS.values())
    assert list(fig.data[0].x) == [DATES[0], DATES[3]]
    assert fig.layout.yaxis.range == (0, 1.02)


def test_charts_accept_a_dataframe(case):
    import pandas as pd

    _, _, measures, _, _ = case
    fig = charts.area_chart(pd.DataFrame(measures))
    assert len([t for t in fig.data if t.mode == "lines"]) == 2
    assert isinstance(measures[0]["date"], dt.date)


def test_report_tables_and_cards_follow_the_unit_choice(case):
    from tracking.analysis.headline import headline
    from tracking.core.units import units_for

    frames, track, measures, prompts, _ = case
    units = units_for(frames.grid, "km2", "year")
    page = build_report(frames, track, measures, ENGINE, prompts, units=units)
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert {"Area (km²)", "Gain (km²)", "Rate (km²/year)", "Perimeter (m)", "Footprint (km²)"} <= set(heads)
    assert not [h for h in heads if re.search(r"\bha\b|(?<!k)m²", h)]
    first = measures[0]
    assert f"<td>{units.area_number(first['area_m2'])}</td>" in page
    cards = dict(re.findall(r'<div class="card">([^<]*)<b>([^<]*)</b>', page))
    assert cards["Net change (km²)"] == units.area_number(headline(measures).net, signed=True)
    assert "Areas in square kilometres, rates in km²/year." in page


def test_charts_and_report_name_each_scar_as_the_analyst_named_it(case):
    frames, track, measures, prompts, _ = case
    names = {1: "North lobe"}
    for fig in (charts.area_chart(measures, names=names), charts.expansion_rate_chart(measures, names=names)):
        assert [t.name for t in fig.data if t.mode != "markers"] == ["North lobe", "Scar 2"]
    hover = next(t for t in charts.area_chart(measures, names=names).data if t.name == "prompted")
    assert hover.customdata[0][0] == "North lobe"
    page = build_report(frames, track, measures, ENGINE, prompts, names=names)
    assert "North lobe" in page and '"name":"Scar 1"' not in page.replace(" ", "") and '"name":"Scar 2"' in page
