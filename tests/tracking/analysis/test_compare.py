import datetime as dt
import math

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from tracking.analysis import compare
from tracking.core.grid import Grid
from tracking.core.track import Track

GRID = Grid(CRS.from_epsg(32648), Affine(10, 0, 400000, 0, -10, 3400000), 20, 20)
DATES = [dt.date(2020, 1, 1), dt.date(2020, 1, 11), dt.date(2020, 3, 1)]


def track_with(masks):
    track = Track.empty(len(masks), (20, 20))
    track.obj(1).masks[:] = np.array(masks)
    return track


def rect(y0, y1, x0, x1):
    m = np.zeros((20, 20), bool)
    m[y0:y1, x0:x1] = True
    return m


def test_change_between_any_two_dates_by_hand():
    a = rect(0, 10, 0, 10)  # 100 px
    b = rect(0, 10, 5, 15)  # 100 px, 50 shared
    c = rect(0, 10, 0, 20)  # 200 px
    track = track_with([a, b, c])
    ch = compare.change_between(track, GRID, DATES, 2, 0)  # order does not matter
    assert (ch.start, ch.end) == (0, 2)
    assert ch.area_start == 100 * 100 and ch.area_end == 200 * 100
    assert ch.gained == 100 * 100 and ch.lost == 0 and ch.net == 100 * 100
    assert ch.days == 60 and ch.rate_per_day == pytest.approx(10_000 / 60)
    assert ch.growth_pct == pytest.approx(100.0)
    ch = compare.change_between(track, GRID, DATES, 0, 1)
    assert ch.gained == 50 * 100 and ch.lost == 50 * 100 and ch.net == 0
    assert ch.units == "m"


def test_change_of_one_object_and_same_date():
    track = track_with([rect(0, 5, 0, 5)] * 3)
    other = track.obj(2)
    other.masks[2] = rect(10, 20, 10, 20)
    assert compare.change_between(track, GRID, DATES, 0, 2, object_id=1).gained == 0
    assert compare.change_between(track, GRID, DATES, 0, 2).gained == 100 * 100
    same = compare.change_between(track, GRID, DATES, 1, 1)
    assert same.days == 0 and math.isnan(same.rate_per_day)
    empty = compare.change_between(track_with([np.zeros((20, 20), bool)] * 3), GRID, DATES, 0, 2)
    assert math.isnan(empty.growth_pct)
    with pytest.raises(ValueError):
        compare.change_between(track, GRID, DATES, 0, 3)


def test_change_chart_waterfall_in_hectares():
    track = track_with([rect(0, 10, 0, 10), rect(0, 10, 0, 10), rect(0, 10, 0, 20)])
    fig = compare.change_chart(compare.change_between(track, GRID, DATES, 0, 2))
    wf = fig.data[0]
    assert list(wf.measure) == ["absolute", "relative", "relative", "total"]
    assert list(wf.y[:3]) == pytest.approx([1.0, 1.0, 0.0])  # 1 ha, +1 ha, -0 ha
    assert list(wf.text) == ["1.00", "+1.00", "0.00", "2.00"]  # the total is labelled with its value
    assert "2020-01-01" in wf.x[0] and "2020-03-01" in wf.x[3]


def test_change_image_colours():
    image = np.full((20, 20, 3), 100, np.uint8)
    before, after = rect(0, 10, 0, 10), rect(0, 10, 5, 15)
    img = compare.change_image(image, before, after, alpha=1.0)
    assert tuple(img[0, 12]) == compare.GAIN_COLOR
    assert tuple(img[0, 2]) == compare.LOSS_COLOR
    assert tuple(img[0, 7]) == compare.KEPT_COLOR
    assert img[15, 15, 0] == img[15, 15, 1] == img[15, 15, 2]  # untouched: grey
