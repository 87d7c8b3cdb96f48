"""The Analysis page (AppTest) and its offline map."""

import io
import json
import re
import zipfile

import numpy as np
import pytest

from tests.helpers.apptest import ROOT, no_errors, reopen, run_clean
from tests.helpers.scar_project import DATES, scar_mask, write_truth
from tracking.analysis import accuracy
from tracking.core.track import Provenance
from tracking.core.units import choose
from tracking.project import references
from tracking.project.state import SamplePaths
from tracking.ui import maps

PAGE = "pages/5_analysis.py"


def metric(at, label_start):
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert found, [m.label for m in at.metric]
    return found[0]


def open_page(project):
    return run_clean(PAGE, project)


def test_charts_and_headline_figures(project):
    at = open_page(project)
    track = project.load_track()
    area_last = track.union(len(DATES) - 1).sum() * 100.0  # 10 m pixels
    assert metric(at, "Dates tracked").value == str(len(DATES))
    assert metric(at, f"Scar area on {DATES[-1]}").value == f"{area_last / 10_000:,.2f} ha"
    charts = at.get("plotly_chart")
    # area, expansion rate, gain/loss, the two-date waterfall
    assert len(charts) >= 4


def test_change_between_two_chosen_dates(project):
    at = open_page(project)
    at.select_slider(key="analysis:span").set_value((1, 3)).run()
    no_errors(at)
    track = project.load_track()
    a, b = track.union(1), track.union(3)
    gained, lost = (b & ~a).sum() * 100.0, (a & ~b).sum() * 100.0
    assert metric(at, "Gained").value == f"{gained / 10_000:,.2f} ha"
    assert metric(at, "Lost").value == f"{lost / 10_000:,.2f} ha"
    days = (DATES[3] - DATES[1]).days
    rate = metric(at, "Rate (ha/year)")  # the default choice
    assert rate.value == choose("m").rate_number((gained - lost) / days, signed=True)
    at.select_slider(key="analysis:span").set_value((2, 2)).run()
    assert any("two different dates" in i.value for i in at.info)


def test_accuracy_from_an_uploaded_zip_of_dated_masks(project, tmp_path):
    truth = write_truth(tmp_path / "truth")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(truth.iterdir()):
            zf.write(f, f"masks/{f.name}")  # nested in a folder, as people zip them
    at = open_page(project)
    at.file_uploader(key="analysis:reference").set_value(("truth.zip", buf.getvalue(), "application/zip")).run()
    no_errors(at)
    track = project.load_track()
    ref = {d: scar_mask(i) for i, d in enumerate(DATES)}
    expected = accuracy.mean_scores(accuracy.evaluate(track, ref, DATES))
    assert metric(at, "Mean IoU").value == f"{expected['iou']:.3f}"
    assert 0.5 < expected["iou"] <= 1.0
    table = at.dataframe[-1].value
    assert [str(d) for d in table["date"]] == [d.isoformat() for d in DATES]
    assert reopen(project).meta.reference.startswith("reference")  # kept for the export


def test_accuracy_from_the_sample_truth_and_remove(project, tmp_path):
    project.meta.sample = SamplePaths(truth_dir=write_truth(tmp_path / "sample_truth", n=3))
    project.save()
    at = open_page(project)
    at.button(key="analysis:truth").click().run()
    no_errors(at)
    assert metric(at, "Mean IoU")
    assert len(at.dataframe[-1].value) == 3
    at.button(key="analysis:noref").click().run()
    assert reopen(project).meta.reference is None
    assert not [m for m in at.metric if m.label.startswith("Mean IoU")]


def test_a_reference_without_dates_says_so(project):
    at = open_page(project)
    bad = b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, ' \
          b'"geometry": {"type": "Point", "coordinates": [0, 0]}}]}'
    at.file_uploader(key="analysis:reference").set_value(("outline.geojson", bad, "application/geo+json")).run()
    assert not at.exception
    assert at.error and "outline.geojson" in at.error[0].value
    assert len(at.get("plotly_chart")) >= 4  # the rest of the page is still there
    assert references.reference_path(reopen(project)) is None  # refused, not kept
    at.run()
    assert len(at.error) == 1 and "outline.geojson" in at.error[0].value  # still said on a rerun


def test_map_is_offline_with_scene_base_layers_and_dated_outlines(project):
    frames, track = project.load_frames(), project.load_track()
    fmap = maps.scar_map(frames, track, [len(frames) - 1, 0])
    html = fmap.get_root().render()
    assert not re.findall(r"https?://", html)  # no CDN, no tiles
    for kind, url in fmap.default_js + fmap.default_css:
        assert url.startswith("/app/static/vendor/")
        assert (ROOT / "static" / url.removeprefix("/app/static/")).is_file()
    assert html.count("L.imageOverlay(") == 3  # two scenes and the evolution map
    assert html.count('"date": "') == len(DATES)  # one outline per tracked date
    assert "L.control.layers(" in html
    assert '"Scene 2021-07-15"' in html and "Scar outlines by date" in html


@pytest.mark.parametrize("base_url, expected", [("", "/app/static/vendor/x.js"),
                                                ("demo/", "/demo/app/static/vendor/x.js")])
def test_vendor_url_honours_base_url_path(monkeypatch, base_url, expected):
    monkeypatch.setattr(maps.st, "get_option", lambda name: base_url)
    assert maps.vendor_url("x.js") == expected


def test_map_on_a_pixel_grid_uses_simple_crs(project):
    from affine import Affine

    from tracking.core.frames import Frames
    from tracking.core.grid import Grid

    f = project.load_frames()
    pix = Frames(f.images, f.valid, f.dates, f.sources, Grid(None, Affine.identity(), f.shape[1], f.shape[0]),
                 f.quality)
    html = maps.scar_map(pix, project.load_track(), [0]).get_root().render()
    assert "L.CRS.Simple" in html
    assert np.isclose(float(re.search(r"\[\[(-?[\d.]+), 0\.0\], \[0\.0, ([\d.]+)\]\]", html).group(1)), -48)


def test_a_pixel_grid_project_reads_in_square_pixels(project):
    from affine import Affine

    from tracking.core.frames import Frames
    from tracking.core.grid import Grid

    f = project.load_frames()
    project.save_frames(Frames(f.images, f.valid, f.dates, f.sources,
                               Grid(None, Affine.identity(), f.shape[1], f.shape[0]), f.quality))
    at = open_page(reopen(project))
    track = project.load_track()
    assert metric(at, f"Scar area on {DATES[-1]}").value == f"{track.union(len(DATES) - 1).sum():,.0f} px²"
    assert metric(at, "Gained").value.endswith("px²")
    assert len(at.get("plotly_chart")) >= 4
    assert not [r for r in at.radio if r.key == "analysis:units:area"]  # no m², ha or km² to offer
    shown = " ".join(f"{m.label} {m.value} {m.delta}" for m in at.metric)
    assert not re.search(r"m²|\bha\b|km²", shown), shown
    assert all(_y_title(c).endswith("px²)") or "px²/" in _y_title(c) for c in at.get("plotly_chart")[:4])


def _y_title(chart) -> str:
    return json.loads(chart.proto.spec)["layout"]["yaxis"]["title"]["text"]


def test_unit_and_rate_choice_applies_to_figures_charts_and_report(project):
    at = open_page(project)
    assert at.radio(key="analysis:units:area").value == "ha"  # the default on a metric grid
    assert at.radio(key="analysis:units:period").value == "year"
    at.radio(key="analysis:units:area").set_value("km2").run()
    at.radio(key="analysis:units:period").set_value("day").run()
    no_errors(at)
    track = project.load_track()
    area_last = track.union(len(DATES) - 1).sum() * 100.0  # 10 m pixels
    units = choose("m", "km2", "day")
    assert metric(at, f"Scar area on {DATES[-1]}").value == units.fmt_area(area_last)
    assert metric(at, "Mean rate (km²/day)").value
    assert metric(at, "Rate (km²/day)").value
    assert metric(at, "Gained").value.endswith(" km²")
    titles = [_y_title(c) for c in at.get("plotly_chart")[:4]]
    assert titles == ["Area (km²)", "Rate (km²/day)", "Area (km²)", "Area (km²)"]
    # remembered for the session: the Export page's report uses it, and it is still set on return
    at.switch_page("pages/6_export.py").run()
    no_errors(at)
    report = (project.exports / "report.html").read_text(encoding="utf-8")
    assert "Area on the last date (km²)" in report and "Mean rate (km²/day)" in report
    at.switch_page(PAGE).run()
    assert at.radio(key="analysis:units:area").value == "km2"
    assert at.radio(key="analysis:units:period").value == "day"


def test_dashboard_and_report_give_the_same_headline(project):
    """Object 2 first tracked on the 3rd date, and a run stopped before the last date."""
    track = project.load_track()
    n = len(DATES)
    two = track.obj(2)
    two.masks[2:n - 1, 2:8, 2:10] = True
    two.masks[n - 2, 2:12, 2:10] = True  # object 2 grows on its last tracked date
    for i in range(2, n - 1):
        two.provenance[i] = Provenance.PROPAGATED
    for obj in track.objects.values():
        obj.provenance[n - 1] = Provenance.NONE  # never tracked: the run stopped before it
    project.save_track(track)
    at = open_page(project)
    at.switch_page("pages/6_export.py").run()
    no_errors(at)
    page = (project.exports / "report.html").read_text(encoding="utf-8")
    cards = dict(re.findall(r'<div class="card">([^<]*)<b>([^<]*)</b>', page))
    at.switch_page(PAGE).run()
    last = DATES[n - 2]
    area = metric(at, f"Scar area on {last}")
    assert area.value == f"{cards['Area on the last date (ha)']} ha"
    assert area.delta == f"{cards['Net change (ha)']} ha"
    assert metric(at, "Growth").value == cards["Growth"]
    assert metric(at, "Mean rate (ha/year)").value == cards["Mean rate (ha/year)"]
    assert metric(at, "Dates tracked").value == str(n - 1)
    # ... and the right numbers: each object from its own first tracked date to its last
    one = track.objects[1].masks
    nets = [(one[n - 2].sum() - one[0].sum()) * 100.0, (two.masks[n - 2].sum() - two.masks[2].sum()) * 100.0]
    days = [(last - DATES[0]).days, (last - DATES[2]).days]
    units = choose("m")
    assert area.delta == units.fmt_area(sum(nets), signed=True)
    assert metric(at, "Mean rate (ha/year)").value == units.rate_number(nets[0] / days[0] + nets[1] / days[1],
                                                                        signed=True)
