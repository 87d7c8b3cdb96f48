"""The analyst's unit choice (area unit and rate period), remembered for the browser session.

The choice lives in ``st.session_state`` under ``units:area`` and
``units:period`` (not widget keys, so it survives a visit to another page); the
Analysis page sets it, the Export page's report uses it. What a choice means on
a given grid is ``tracking.core.units.units_for`` (px² on a pixel grid).
"""

from __future__ import annotations

import streamlit as st

from tracking.core.grid import Grid
from tracking.core.units import AREA_UNITS, METRIC_AREA_UNITS, RATE_PERIODS, Units, units_for

AREA_KEY = "units:area"
PERIOD_KEY = "units:period"
PERIOD_LABELS = {"day": "per day", "year": "per year"}


def current_units(grid: Grid) -> Units:
    """The units chosen in this session for ``grid`` (default ha and per year; px² on a pixel grid)."""
    return units_for(grid, st.session_state.get(AREA_KEY), st.session_state.get(PERIOD_KEY))


def unit_selector(grid: Grid, key: str) -> Units:
    """Radio buttons for the area unit (metric grids only) and the rate period; returns the choice."""
    units = current_units(grid)
    c1, c2 = st.columns(2)
    if grid.is_metric:
        area = c1.radio("Areas in", METRIC_AREA_UNITS, index=METRIC_AREA_UNITS.index(units.area.key),
                        format_func=lambda k: AREA_UNITS[k].symbol, horizontal=True, key=f"{key}:area")
        st.session_state[AREA_KEY] = area
    else:
        c1.caption("Areas in **px²** (square pixels): the images have no ground pixel size, so no ground "
                   "unit is claimed.")
    periods = list(RATE_PERIODS)
    period = c2.radio("Rates", periods, index=periods.index(units.period), format_func=PERIOD_LABELS.get,
                      horizontal=True, key=f"{key}:period")
    st.session_state[PERIOD_KEY] = period
    return current_units(grid)
