"""One unit rule (Grid.is_metric) and one way to show areas and rates (tracking.core.units)."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3

import pytest
from affine import Affine
from plotly.offline import get_plotlyjs

from tests.helpers.frames import make_frames, pixel_grid, utm_grid
from tests.helpers.tracks import DATES, growing_track
from tracking.analysis.compare import change_between, change_chart
from tracking.analysis.measures import scar_measures
from tracking.core.grid import Grid
from tracking.core.units import YEAR_DAYS, choose, units_for
from tracking.exports.bundle import export_all
from tracking.render import charts

# "_m2" and " m2" but not "sam2"; "(m)", " in m" but not words that merely end in m
METRIC_WORDS = re.compile(r"m²|(?<![A-Za-z])m2|\bha\b|hectare|km²|km2|square metre|metres?\b|\bin m\b|\(m\)")


def test_grid_rule_metric_only_with_a_ground_size():
    assert utm_grid().is_metric and utm_grid().units == "m"
    assert not pixel_grid().is_metric and pixel_grid().units == "px"
    # a crop of a pixel grid is still pixels
    assert not Grid(None, Affine.translation(10, 20), 40, 30).is_metric
    # a ground pixel size given without a CRS (north-up, 0.5 m) is metres
    local = Grid(None, Affine(0.5, 0.0, 0.0, 0.0, -0.5, 15.0), 40, 30)
    assert local.is_metric and units_for(local).area.key == "ha"
    assert Grid.from_dict(local.to_dict()).is_metric  # survives the project file


def test_area_conversions_m2_ha_km2():
    area = 2_500_000.0  # m²
    assert units_for(utm_grid(), "m2").fmt_area(area) == "2,500,000 m²"
    assert units_for(utm_grid(), "ha").fmt_area(area) == "250.00 ha"
    km2 = units_for(utm_grid(), "km2")
    assert km2.area_value(area) == pytest.approx(2.5)
    assert km2.fmt_area(area) == "2.500 km²"
    assert km2.fmt_area(420.0) == "0.00042 km²"  # small areas keep their digits
    assert km2.fmt_area(-1_000_000.0, signed=True) == "-1.000 km²"
    assert units_for(utm_grid(), "ha").fmt_area(20_000.0, signed=True) == "+2.00 ha"
    assert km2.fmt_area(math.nan) == "–"
    assert units_for(utm_grid(), "km2", "day").fmt_rate(29.6) == "0.0000296 km²/day"  # never "2.96e-05"


def test_rates_per_day_and_per_year():
    per_day = 100.0  # m² per day
    assert units_for(utm_grid(), "m2", "day").fmt_rate(per_day) == "100.0 m²/day"
    year_ha = units_for(utm_grid(), "ha", "year")
    assert year_ha.rate_value(per_day) == pytest.approx(100.0 * YEAR_DAYS / 10_000)
    assert year_ha.fmt_rate(per_day) == "3.65 ha/year"
    assert units_for(utm_grid(), "km2", "year").rate_symbol == "km²/year"


def test_defaults_and_a_pixel_grid_ignores_a_metric_choice():
    assert (units_for(utm_grid()).area.key, units_for(utm_grid()).period) == ("ha", "year")
    assert units_for(utm_grid(), "acres", "fortnight").area.key == "ha"  # unknown: the default
    px = units_for(pixel_grid(), "km2", "day")
    assert px.area.key == "px2" and px.rate_symbol == "px²/day"
    assert px.fmt_area(1234.0) == "1,234 px²"
    assert not METRIC_WORDS.search(px.caption)
    with pytest.raises(ValueError):
        choose("ft")


def test_charts_follow_the_unit_choice():
    grid = utm_grid(50, 40)
    track = growing_track(grid, DATES, [4, 7, 7, 10])
    rows = scar_measures(track, grid, DATES)
    km2 = units_for(grid, "km2", "year")
    area = charts.area_chart(rows, km2)
    line = next(t for t in area.data if t.name == "Scar 1")
    assert list(line.y) == pytest.approx([r["area_m2"] / 1e6 for r in rows])
    assert area.layout.yaxis.title.text == "Area (km²)"
    rate = charts.expansion_rate_chart(rows, km2)
    assert list(rate.data[0].y) == pytest.approx([r["expansion_rate_m2_per_day"] * YEAR_DAYS / 1e6
                                                  for r in rows[1:]])
    assert rate.layout.yaxis.title.text == "Rate (km²/year)"
    gl = charts.gain_loss_chart(rows)  # the default: ha, never plotly's "200k" of m²
    assert gl.layout.yaxis.title.text == "Area (ha)" and gl.layout.yaxis.exponentformat == "none"
    assert list(gl.data[0].y) == pytest.approx([r["gain_m2"] / 1e4 for r in rows[1:]])
    waterfall = change_chart(change_between(track, grid, DATES, 0, 3), units_for(grid, "m2"))
    assert waterfall.layout.yaxis.title.text == "Area (m²)"


def _gpkg_fields(path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute("PRAGMA table_info(scars)")]


def test_a_pixel_grid_never_says_metres_or_hectares(tmp_path):
    grid = pixel_grid(50, 40)
    frames = make_frames(grid=grid, dates=DATES)
    track = growing_track(grid, DATES, [4, 7, 7, 10])
    rows = scar_measures(track, grid, DATES)
    units = units_for(grid, "ha", "year")  # the analyst's metric choice cannot apply
    for fig in (charts.area_chart(rows, units), charts.expansion_rate_chart(rows, units),
                charts.gain_loss_chart(rows, units), change_chart(change_between(track, grid, DATES, 0, 3))):
        spec = json.loads(fig.to_json())
        spec["layout"].pop("template")  # plotly's theme: trace type names such as "histogram2d"
        text = json.dumps(spec, ensure_ascii=False)
        assert "px²" in text and not METRIC_WORDS.search(text), fig.layout.title.text
    paths = export_all(tmp_path, frames, track, {"engine": "baseline"}, [], units=units)
    header = next(csv.reader(io.StringIO(paths["metrics"].read_text())))
    assert "area_px2" in header and not METRIC_WORDS.search(",".join(header)), header
    fields = _gpkg_fields(paths["gpkg"])
    assert "area_px2" in fields and not METRIC_WORDS.search(",".join(fields)), fields
    page = paths["report"].read_text(encoding="utf-8").replace(get_plotlyjs(), "")
    body = page.split("<body>", 1)[1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)  # the charts, checked above
    body = re.sub(r"<[^>]+>", " ", body)
    assert "px²" in body and not METRIC_WORDS.search(body), METRIC_WORDS.findall(body)[:5]
