"""The timeline table of the Scenes page: rows with thumbnails, and the edits read back."""

import base64
import datetime as dt

import pandas as pd

from tracking.ui import timeline_table as tt

ROWS = [
    {"frame": 1, "date": dt.date(2019, 1, 5), "file": "a.tif", "sensor": "Sentinel-2", "bands": "RGB + NIR",
     "shift px": "0", "cloud %": 0.0,
     "snow %": 0.0, "nodata %": 0.0, "used": True, "flags": "", "date from": "filename"},
    {"frame": 2, "date": dt.date(2020, 3, 1), "file": "b.tif", "sensor": "", "bands": "RGB", "shift px": "-",
     "cloud %": 61.0,
     "snow %": 0.0, "nodata %": 0.0, "used": False, "flags": "cloud 61% > 30%", "date from": "tiff-tag"},
    {"frame": 3, "date": dt.date(2021, 7, 9), "file": "c.tif", "sensor": "", "bands": "RGB",
     "shift px": "+0.25, -0.18",
     "cloud %": 0.0,
     "snow %": 0.0, "nodata %": 0.0, "used": False, "flags": "excluded by hand", "date from": "manual"},
]
PNG = b"\x89PNG\r\n\x1a\nfake"


def test_table_has_thumbnails_status_and_exclude_box():
    df = tt.table(ROWS, [PNG] * 3)
    assert df["image"][0] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert df["exclude"].tolist() == [False, False, True]
    assert df["status"].tolist() == ["used", "left out", "left out"]
    assert list(df.columns)[:5] == ["image", "frame", "date", "status", "exclude"]


def test_changes_reads_date_fixes_and_exclusions():
    df = tt.table(ROWS, [PNG] * 3)
    edited = df.copy()
    edited.loc[0, "date"] = pd.Timestamp("2018-12-31")
    edited.loc[1, "exclude"] = True
    edited.loc[2, "exclude"] = False
    dates, excluded = tt.changes(df, edited)
    assert dates == {"a.tif": dt.date(2018, 12, 31)}
    assert excluded == {1: True, 2: False}


def test_unchanged_or_cleared_cells_are_not_changes():
    df = tt.table(ROWS, [PNG] * 3)
    edited = df.copy()
    edited["date"] = edited["date"].astype(object)
    edited.loc[1, "date"] = None
    edited.loc[0, "date"] = "2019-01-05"  # same date as text
    assert tt.changes(df, edited) == ({}, {})
