"""Pieces of the Analysis page: cached measures and map, headline figures, the reference upload."""

from __future__ import annotations

import math

import streamlit as st

from tracking.render import charts
from tracking.run import corrections
from tracking.project import references
from tracking.analysis.accuracy import METRICS, mean_scores
from tracking.analysis.compare import Change
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.grid import Grid
from tracking.analysis.measures import scar_measures
from tracking.project.folder import Project
from tracking.core.track import Track
from tracking.ui import maps
from tracking.ui.state import plain, report, upload_limit_mb


def _cache(name: str, project: Project):
    """(key, cached value or None) in session state; ``set_project`` clears every "cache:" entry."""
    key = (project.id, corrections.frames_token(project), corrections.state_token(project))
    entry = st.session_state.get(f"cache:analysis:{name}")
    return key, (entry[1] if entry and entry[0] == key else None)


def _store(name: str, key, value) -> None:
    st.session_state[f"cache:analysis:{name}"] = (key, value)


def measures(project: Project, frames: Frames, track: Track) -> list[dict]:
    """``scar_measures`` of the saved track, computed once per state of the project."""
    key, rows = _cache("measures", project)
    if rows is None:
        rows = scar_measures(track, frames.grid, frames.dates)
        _store("measures", key, rows)
    return rows


def cached_map(project: Project, frames: Frames, track: Track):
    """The folium map (last and first scenes as base layers), built once per state of the project."""
    key, fmap = _cache("map", project)
    if fmap is None:
        with st.spinner("Drawing the map…"):
            fmap = maps.scar_map(frames, track, [len(frames) - 1, 0] if len(frames) > 1 else [0])
        _store("map", key, fmap)
    return fmap


def fmt_area(value: float, units: str, signed: bool = False) -> str:
    """Hectares on a projected grid (units "m"), square pixels on a pixel grid ("px")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "+" if signed and value > 0 else ""
    if units == "px":
        return f"{sign}{value:,.0f} px²"
    return f"{sign}{value / 10_000:,.2f} ha"


def headline(rows: list[dict], grid: Grid) -> None:
    """Four figures over the whole series (all objects together)."""
    by_date: dict = {}
    for r in rows:
        by_date[r["date"]] = by_date.get(r["date"], 0.0) + r["area_m2"]
    dates = sorted(by_date)
    first, last = by_date[dates[0]], by_date[dates[-1]]
    days = (dates[-1] - dates[0]).days
    unit = "px²" if grid.units == "px" else "m²"
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Dates tracked", len(dates), help=f"{dates[0]} to {dates[-1]}")
    c2.metric(f"Scar area on {dates[-1]}", fmt_area(last, grid.units),
              delta=fmt_area(last - first, grid.units, signed=True) if len(dates) > 1 else None)
    c3.metric("Growth since the first date", f"{100 * (last - first) / first:+.0f} %" if first else "–")
    c4.metric("Mean expansion rate", f"{(last - first) / days:,.1f} {unit}/day" if days else "–",
              help="Net change of area over the days between the first and the last date")


def change_metrics(change: Change) -> None:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Gained", fmt_area(change.gained, change.units))
    c2.metric("Lost", fmt_area(change.lost, change.units))
    c3.metric("Net change", fmt_area(change.net, change.units, True),
              delta=None if math.isnan(change.growth_pct) else f"{change.growth_pct:+.0f} %")
    unit = "px²" if change.units == "px" else "m²"
    c4.metric(f"Over {change.days} days", "–" if math.isnan(change.rate_per_day) else
              f"{change.rate_per_day:,.1f} {unit}/day")


def reference_picker(project: Project, grid: Grid) -> None:
    """Upload a reference (or use the sample's truth); the current one is named with a Remove button."""
    current = references.reference_path(project)
    c1, c2 = st.columns([3, 2])
    with c1:
        upload = st.file_uploader(
            "Reference outlines: a zip of dated masks (e.g. 2019-06-14.tif), a zipped Shapefile, "
            "a GeoJSON or a GeoPackage with a date column", type=["zip", "geojson", "json", "gpkg"],
            key="analysis:reference", max_upload_size=upload_limit_mb())
        if upload is not None and st.session_state.get("analysis:ref_done") != upload.file_id:
            st.session_state["analysis:ref_done"] = upload.file_id
            st.session_state.pop("analysis:ref_error", None)
            try:
                references.save_reference_upload(project, upload.name, upload.getvalue(), grid)
                current = references.reference_path(project)
            except InputError as exc:
                st.session_state["analysis:ref_error"] = (upload.file_id, str(exc))
        failed = st.session_state.get("analysis:ref_error")
        if upload is not None and failed and failed[0] == upload.file_id:
            st.error(plain(failed[1]))  # stays while the refused file is still in the uploader
    with c2:
        if references.sample_truth(project) is not None:
            if st.button("Use the sample's true masks", key="analysis:truth", icon=":material/verified:"):
                try:
                    current = references.use_sample_truth(project)
                except InputError as exc:
                    report(exc)
        if current is not None:
            st.caption(f"Reference in use: **{plain(current.name)}**")
            if st.button("Remove the reference", key="analysis:noref", icon=":material/delete:"):
                references.clear_reference(project)
                st.rerun()


def accuracy_results(rows: list[dict], unmatched: list) -> None:
    """Mean scores, the per-date table and the chart."""
    means = mean_scores(rows)
    cols = st.columns(len(METRICS))
    for col, m in zip(cols, METRICS):
        col.metric(f"Mean {charts.METRIC_LABELS[m]}", f"{means[m]:.3f}")
    st.plotly_chart(charts.accuracy_chart(rows), key="chart:accuracy")
    table = [{"date": r["date"], **{charts.METRIC_LABELS[m]: round(r[m], 3) for m in METRICS},
              "tracked px": r["pred_px"], "reference px": r["ref_px"]} for r in rows]
    st.dataframe(table, hide_index=True, width="stretch")
    if unmatched:
        st.caption("Reference dates not in the series (left out): " + ", ".join(str(d) for d in unmatched))
