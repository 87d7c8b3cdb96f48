"""Dates known to the month or the year keep their precision in text, sort and subtract mid-period."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from tracking.core.acqdate import PartialDate, from_iso, partial_from_text, precision


@pytest.mark.parametrize("text, iso", [
    ("landslide-199210-ortho.png", "1992-10"), ("x_1992-10_y.jpg", "1992-10"), ("199210", "1992-10"),
    ("Oct 1992", "1992-10"), ("scar October-1992", "1992-10"), ("1992_oct", "1992-10"),
    ("slide_1992", "1992"),
])
def test_month_and_year_names_are_recognised(text, iso):
    date = partial_from_text(text)
    assert date is not None and date.isoformat() == iso and str(date) == iso


@pytest.mark.parametrize("text", ["img_001", "v1.2020", "LC08_L2SP_130038_x", "199213", "2999-01"])
def test_no_month_where_there_is_none(text):
    assert partial_from_text(text) is None


def test_partial_dates_measure_from_the_middle_of_their_period():
    month, year = PartialDate(1992, 10, precision="month"), PartialDate(1993, precision="year")
    assert (month.plain(), year.plain()) == (dt.date(1992, 10, 15), dt.date(1993, 7, 1))
    assert (year - month).days == (dt.date(1993, 7, 1) - dt.date(1992, 10, 15)).days
    assert type(month + dt.timedelta(days=1)) is dt.date  # a shifted date is a day
    assert sorted([dt.date(1992, 10, 20), month, dt.date(1992, 10, 1)])[1] is month
    assert f"{month:%b %Y}" == "Oct 1992" and precision(month) == "month" and precision(dt.date.today()) == "day"


def test_iso_text_round_trips_with_its_precision():
    for d in (PartialDate(1992, 10), PartialDate(2001, precision="year"), dt.date(2019, 6, 14)):
        back = from_iso(d.isoformat())
        assert back == d and precision(back) == precision(d)
        assert pickle.loads(pickle.dumps(d)).isoformat() == d.isoformat()


def test_formatting_leaves_out_what_is_not_known():
    month, year = PartialDate(1992, 10), PartialDate(1992, precision="year")
    assert (f"{month:%Y-%m-%d}", f"{month:%d %b %Y}", f"{month}") == ("1992-10", "Oct 1992", "1992-10")
    assert (f"{year:%Y-%m-%d}", f"{year:%d %b %Y}") == ("1992", "1992")
