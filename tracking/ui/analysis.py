"""Pieces of the Analysis page: cached measures and map, headline figures, the reference upload."""

from __future__ import annotations

import math

import streamlit as st

from tracking.analysis.accuracy import METRICS, mean_scores
from tracking.analysis.compare import Change
from tracking.analysis.headline import headline
from tracking.analysis.measures import scar_measures
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.grid import Grid
from tracking.core.track import Track
from tracking.core.units import Units
from tracking.project import corrections, references
from tracking.project.folder import Project
from tracking.project.objects import scar_objects
from tracking.render import charts
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


def cached_map(project: Project, frames: Frames, track: Track, units: Units):
    """The folium map (last and first scenes as base layers), built once per state of the project
    and unit choice (the outline tooltips give areas in ``units``)."""
    key, entry = _cache("map", project)
    names = {o.id: o.name for o in scar_objects(project)}  # a renamed scar: the tooltips follow
    fmap = entry[1] if entry is not None and entry[0] == (units, names) else None
    if fmap is None:
        with st.spinner("Drawing the map…"):
            fmap = maps.scar_map(frames, track, [len(frames) - 1, 0] if len(frames) > 1 else [0], units=units,
                                 names=names)
        _store("map", key, ((units, names), fmap))
    return fmap


def show_headline(rows: list[dict], units: Units) -> None:
    """Four figures over the whole series (``headline.headline``: each object from its first
    tracked date to its last), in ``units``."""
    head = headline(rows)
    if head is None:
        return
    spans = len(head.objects) > 1 and len({(o.first_date, o.last_date) for o in head.objects}) > 1
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Dates tracked", head.n_dates, help=f"{head.first_date} to {head.last_date}")
    c2.metric(f"Scar area on {head.last_date}", units.fmt_area(head.area_last),
              delta=units.fmt_area(head.net, signed=True) if head.n_dates > 1 else None,
              help="Every object on its last tracked date" if spans else None)
    c3.metric("Growth", "–" if math.isnan(head.growth_pct) else f"{head.growth_pct:+.0f} %",
              help="Net change since the first tracked date, as a share of the area then")
    # the unit goes in the label: "+0.000135 km²/day" would not fit a quarter of the page
    c4.metric(f"Mean rate ({units.rate_symbol})", units.rate_number(head.rate_per_day, signed=True),
              help=f"Net change of area over the {head.days:,} days between the first and the last tracked "
                   "date" + (" (each object over its own dates, added up)" if spans else ""))


def change_metrics(change: Change, units: Units) -> None:
    """Gained, lost, net and rate between the two compared dates, in ``units``."""
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Gained", units.fmt_area(change.gained))
    c2.metric("Lost", units.fmt_area(change.lost))
    c3.metric("Net change", units.fmt_area(change.net, signed=True),
              delta=None if math.isnan(change.growth_pct) else f"{change.growth_pct:+.0f} %")
    c4.metric(f"Rate ({units.rate_symbol})", units.rate_number(change.rate_per_day, signed=True),
              help=f"Net change over the {change.days:,} days between the two dates")


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
