"""The timeline table of the Scenes page: rows with thumbnails, and the analyst's edits back.

Plain functions (pandas, no Streamlit) so the edit handling is unit tested.
"""

from __future__ import annotations

import base64
import datetime as dt

import pandas as pd

#: Columns the analyst may edit in the table.
EDITABLE = ("date", "exclude")


def data_url(png: bytes) -> str:
    """A PNG as a data: URL for an image column."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def table(rows: list[dict], thumbs: list[bytes]) -> pd.DataFrame:
    """The table shown: one row per frame (see ``workflow.frame_rows``) with its thumbnail."""
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df.insert(0, "image", [data_url(t) for t in thumbs])
    df["exclude"] = df["flags"].str.contains("excluded by hand", regex=False)
    df["status"] = ["used" if used else "left out" for used in df["used"]]
    return df[["image", "frame", "date", "status", "exclude", "cloud %", "snow %", "nodata %", "flags", "sensor",
               "bands", "shift px", "file", "date from"]]


def _as_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def changes(original: pd.DataFrame, edited: pd.DataFrame) -> tuple[dict[str, dt.date], dict[int, bool]]:
    """({file: new date}, {frame index (0-based): exclude}) for the rows the analyst changed.

    A cleared date cell is not a change (a date cannot be removed here).
    """
    dates: dict[str, dt.date] = {}
    excluded: dict[int, bool] = {}
    for i in range(min(len(original), len(edited))):
        before, after = original.iloc[i], edited.iloc[i]
        new_date = _as_date(after["date"])
        if new_date is not None and new_date != _as_date(before["date"]):
            dates[str(before["file"])] = new_date
        if bool(after["exclude"]) != bool(before["exclude"]):
            excluded[int(before["frame"]) - 1] = bool(after["exclude"])
    return dates, excluded
