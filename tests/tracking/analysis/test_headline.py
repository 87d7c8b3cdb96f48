"""Headline figures: each object from its first tracked date to its last, over the real days."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from tests.helpers.frames import make_frames, utm_grid
from tests.helpers.tracks import DATES, growing_track, rect
from tracking.analysis.headline import headline
from tracking.analysis.measures import scar_measures
from tracking.core.track import Provenance
from tracking.core.units import units_for
from tracking.exports.report import build_report


def late_object_partial_run(grid):
    """Object 1 grows on dates 1-3 (the run stopped before date 4); object 2 appears on date 3."""
    track = growing_track(grid, DATES, [4, 7, 9, 12])
    track.objects[1].provenance[3] = Provenance.NONE  # a partial run: the last date was never tracked
    two = track.obj(2)
    for i in (2, 3):
        two.masks[i] = rect(grid.shape, 2, 6, grid.width - 9, grid.width - 3)
        two.provenance[i] = Provenance.PROPAGATED
    two.masks[3, 2:8] = True  # grows on the last date
    return track


def test_each_object_from_its_first_tracked_date_to_its_last():
    grid = utm_grid(50, 40)
    track = late_object_partial_run(grid)
    head = headline(scar_measures(track, grid, DATES))
    one = track.objects[1].masks
    two = track.objects[2].masks
    px = grid.pixel_area_m2
    assert (head.first_date, head.last_date, head.n_dates) == (DATES[0], DATES[3], 4)
    spans = {o.object_id: o for o in head.objects}
    assert (spans[1].first_date, spans[1].last_date) == (DATES[0], DATES[2])  # not the untracked last date
    assert (spans[2].first_date, spans[2].last_date) == (DATES[2], DATES[3])
    net1 = (one[2].sum() - one[0].sum()) * px
    net2 = (two[3].sum() - two[2].sum()) * px
    # object 2's whole area on its first date is not growth
    assert head.net == pytest.approx(net1 + net2)
    assert head.area_first == pytest.approx((one[0].sum() + two[2].sum()) * px)
    assert head.area_last == pytest.approx((one[2].sum() + two[3].sum()) * px)
    rate = net1 / (DATES[2] - DATES[0]).days + net2 / (DATES[3] - DATES[2]).days
    assert head.rate_per_day == pytest.approx(rate)
    assert head.growth_pct == pytest.approx(100 * (net1 + net2) / head.area_first)


def test_one_date_and_nothing_tracked():
    grid = utm_grid(50, 40)
    track = growing_track(grid, DATES[:1], [5])
    head = headline(scar_measures(track, grid, DATES[:1]))
    assert head.n_dates == 1 and head.net == 0 and math.isnan(head.rate_per_day)
    assert headline([]) is None


def test_dates_are_taken_as_given():
    """Month-precision dates arrive as whatever date the timeline chose; the rate uses them as they are."""
    rows = [{"date": dt.date(1992, 10, 15), "object": 1, "area_m2": 1000.0, "units": "m"},
            {"date": dt.date(2024, 10, 15), "object": 1, "area_m2": 12_688.0, "units": "m"}]
    head = headline(rows)
    assert head.rate_per_day == pytest.approx(11_688.0 / (dt.date(2024, 10, 15) - dt.date(1992, 10, 15)).days)
    assert units_for(utm_grid(), "ha", "year").fmt_rate(head.rate_per_day) == "0.0365 ha/year"  # 11,688 m² in 32 years


def _cards(page: str) -> dict[str, str]:
    return dict(re.findall(r'<div class="card">([^<]*)<b>([^<]*)</b>', page))


def test_the_report_shows_the_headline():
    grid = utm_grid(50, 40)
    frames = make_frames(grid=grid, dates=DATES)
    track = late_object_partial_run(grid)
    rows = scar_measures(track, grid, DATES)
    head = headline(rows)
    units = units_for(grid, "m2", "day")
    cards = _cards(build_report(frames, track, rows, {"engine": "baseline"}, [], units=units))
    assert cards["Net change (m²)"] == units.area_number(head.net, signed=True)
    assert cards["Area on the last date (m²)"] == units.area_number(head.area_last)
    assert cards["Mean rate (m²/day)"] == units.rate_number(head.rate_per_day, signed=True)
    assert cards["Dates tracked"] == f"{DATES[0]} → {DATES[3]} (4 dates)"
