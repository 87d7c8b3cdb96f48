"""The parts of the Scenes page: uploads, the timeline table, date fixes, frame settings, preview.

Every change goes through :mod:`tracking.project.workflow`, which saves it to the project.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import streamlit as st

from tracking.core.acqdate import precision
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.ingest.composite import PRESETS
from tracking.ingest.dates import parse_date_value
from tracking.project import uploads, workflow
from tracking.project.folder import Project
from tracking.render.canvas_geometry import pixel_box_to_bounds
from tracking.render.overlay import enlarge
from tracking.ui import timeline_table as tt
from tracking.ui.canvas import prompt_canvas, reset_canvas
from tracking.ui.state import plain, report, upload_limit_mb
from tracking.ui.widgets import progress_callback
from tracking.ui.work import heavy_work

#: Width of the Scenes preview's image column (3 of 5 parts of the main area in a 1,400 px browser).
PREVIEW_COLUMN_PX = 540
UPLOAD_TYPES = ["tif", "tiff", "png", "jpg", "jpeg", "zip", "csv",
                "pgw", "pngw", "jgw", "jpgw", "jpegw", "wld", "tfw", "tifw", "xml"]  # world files, .aux.xml
AOI_MODES = ("Whole scenes", "Box in longitude/latitude", "Box in the grid's CRS", "Draw a box on the image")


def rebuild(project: Project, options=None, sample: bool = False) -> bool:
    """Rebuild (or load the sample and build) the frames with a progress bar; False on bad input."""
    update, bar = progress_callback("Loading the sample…" if sample else "Building frames…")
    try:
        with heavy_work():  # stops with the tab; counts against a hosted visitor's CPU budget
            if sample:
                workflow.load_sample(project, options, update)
            else:
                workflow.rebuild_frames(project, options, update)
    except Exception as exc:  # one sentence; the project keeps its earlier frames
        bar.empty()
        report(exc)
        return False
    bar.empty()
    st.session_state.pop("scenes:table-version", None)
    return True


def upload_form(project: Project, expanded: bool = True) -> None:
    """The "Add scenes" form: stores the uploads, rebuilds the frames, says what was refused."""
    with st.expander("Add scenes", expanded=expanded), \
            st.form("scenes:upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "GeoTIFF, PNG or JPEG files, or a zip of them (a dates .csv with file,date lines, and world files "
            "(.pgw, .jgw, .wld) or .aux.xml beside their images, may come along)",
            type=UPLOAD_TYPES, accept_multiple_files=True, key="scenes:files", max_upload_size=upload_limit_mb())
        sent = st.form_submit_button("Add to the project", type="primary")
    if not (sent and files):
        return
    try:  # a batch over the project's limits is refused whole, in one sentence
        saved, refused = uploads.add_uploads(project, [(f.name, f.getvalue()) for f in files])
    except (InputError, OSError) as exc:
        report(exc)
        return
    for line in refused:
        st.warning(plain(line))
    if saved and rebuild(project):
        st.success(plain(f"Added {len(saved)} file{'s' if len(saved) > 1 else ''}: {', '.join(saved)}."))


def timeline_editor(project: Project, frames: Frames) -> None:
    """The timeline table: thumbnails, dates (editable), quality, flags and an exclude box."""
    first, last = frames.dates[0], frames.dates[-1]
    st.subheader(f"Timeline: {len(frames)} dates, {first:%d %b %Y} to {last:%d %b %Y}")
    if project.load_prompts():
        st.caption("Fixing a date re-orders the frames and clears the prompt and the track.")
    rows = workflow.frame_rows(project, frames)
    df = tt.table(rows, workflow.thumbnails(project, frames, 96))
    version = st.session_state.setdefault("scenes:table-version", 0)
    edited = st.data_editor(
        df, key=f"scenes:table:{project.id}:{version}", hide_index=True, width="stretch", row_height=64,
        height=min(40 + 64 * len(df), 760),
        disabled=[c for c in df.columns if c not in tt.EDITABLE],
        column_config={
            "image": st.column_config.ImageColumn("Image", width="small"),
            "frame": st.column_config.NumberColumn("#", width="small"),
            "date": st.column_config.DateColumn("Date", format=_date_format(frames.dates),
                                                help="Edit to fix a wrong date"),
            "cloud %": st.column_config.NumberColumn("Cloud %", format="%.0f"),
            "snow %": st.column_config.NumberColumn("Snow %", format="%.0f"),
            "nodata %": st.column_config.NumberColumn("No data %", format="%.0f"),
            "status": st.column_config.TextColumn("Tracking", width="small"),
            "flags": st.column_config.TextColumn("Flags", width="medium"),
            "sensor": st.column_config.TextColumn("Sensor", width="small"),
            "bands": st.column_config.TextColumn("Bands", width="small",
                                                 help="NIR gives the baseline tracker NDVI (vegetation loss)"),
            "shift px": st.column_config.TextColumn("Shift px (dx, dy)", width="medium",
                                                    help="How far co-registration moved the frame onto the "
                                                         "reference scene (- : not measured, cloud or snow)"),
            "file": st.column_config.TextColumn("File", width="medium"),
            "exclude": st.column_config.CheckboxColumn("Exclude", help="Leave this frame out of tracking"),
            "date from": st.column_config.TextColumn("Date from"),
        })
    dates, excluded = tt.changes(df, edited)
    if not (dates or excluded):
        return
    try:
        for index, flag in excluded.items():
            workflow.set_excluded(project, index, flag)
        for file, day in dates.items():
            workflow.set_date(project, file, day)
    except InputError as exc:
        report(exc)
        return
    st.session_state["scenes:table-version"] = version + 1
    st.rerun()


def _date_format(dates) -> str:
    """The table's date format: months or years only when no date is known to the day."""
    known = {precision(d) for d in dates}
    return "YYYY" if known == {"year"} else "YYYY-MM" if known <= {"month", "year"} else "YYYY-MM-DD"


def undated_dates(project: Project) -> None:
    """A date field for each readable scene that has no date yet (also when no scene has one).

    A day (2019-06-14), a month (1992-10, Oct 1992) or a year (1992) is accepted and kept
    at that precision.
    """
    try:
        undated = workflow.undated_scenes(project)
    except InputError as exc:
        report(exc)
        return
    if not undated:
        return
    st.subheader("Scenes without a date")
    st.caption("Type each scene's date: a day (2019-06-14), a month (1992-10) or a year (1992). "
               "A month or a year is kept as such and measured from its middle.")
    with st.form("scenes:undated", border=False):
        typed = {}
        for scene in undated:
            typed[scene.name] = st.text_input(f"Date of {scene.name}", key=f"scenes:undated:{scene.name}",
                                              placeholder="YYYY-MM-DD, YYYY-MM or YYYY")
        sent = st.form_submit_button("Use these dates", type="primary")
    if sent:
        _set_typed_dates(project, {k: v for k, v in typed.items() if v.strip()})


def _set_typed_dates(project: Project, typed: dict[str, str]) -> None:
    try:
        days = {}
        for name, text in typed.items():
            day = parse_date_value(text)
            if day is None:
                raise InputError(f"'{text.strip()[:40]}' is not a date for {name}: type YYYY-MM-DD, "
                                 "YYYY-MM or YYYY (1950 to today).")
            days[name] = day
        if days:
            workflow.set_dates(project, days)
    except Exception as exc:
        report(exc)
        return
    if days:
        st.rerun()


def _composite_field(options) -> str | None:
    keys = [None] + list(PRESETS)
    current = getattr(options, "composite", None)
    index = keys.index(current) if current in keys else 0
    return st.selectbox("Band composite", keys, index=index, key="scenes:composite",
                        format_func=lambda k: "Automatic (from the bands)" if k is None else PRESETS[k].label)


def _aoi_fields(project: Project, frames: Frames, options):
    """(aoi, aoi_crs) chosen by the analyst; ``...`` when a drawn box is not there yet."""
    if frames.grid.crs is None or getattr(options, "georef", None) is not None:
        st.caption("These scenes have no map position of their own, so the whole image is used.")
        return None, None
    mode = st.radio("Area of interest", AOI_MODES, horizontal=True, key="scenes:aoi-mode",
                    index=1 if getattr(options, "aoi", None) and getattr(options, "aoi_crs", "") == "EPSG:4326"
                    else 2 if getattr(options, "aoi", None) else 0)
    if mode == AOI_MODES[0]:
        return None, None
    if mode == AOI_MODES[3]:
        st.caption("Drag a box on the first frame; the frames are then cut to it.")
        drawn = prompt_canvas(frames.images[0], 0, "Box", key=f"aoi:{project.id}", max_width=480,
                              max_height=360)
        if drawn.prompt is None or drawn.prompt.box is None:
            return ..., None
        return pixel_box_to_bounds(drawn.prompt.box, frames.grid.transform), frames.grid.crs.to_string()
    lonlat = mode == AOI_MODES[1]
    bounds = frames.grid.bounds
    if lonlat:
        from rasterio.warp import transform_bounds

        bounds = transform_bounds(frames.grid.crs, "EPSG:4326", *bounds)
    cols = st.columns(4)
    names = ("West", "South", "East", "North") if lonlat else ("Left", "Bottom", "Right", "Top")
    values = [c.number_input(n, value=float(v), format="%.6f" if lonlat else "%.1f", key=f"scenes:aoi:{mode}:{n}")
              for c, n, v in zip(cols, names, bounds)]
    return tuple(values), ("EPSG:4326" if lonlat else frames.grid.crs.to_string())


def frame_settings(project: Project, frames: Frames) -> None:
    """Band composite, reference scene, resolution, histogram matching, co-registration, quality
    limits, area of interest."""
    options = workflow.frame_options(project)
    with st.expander("Frame settings: band composite, area of interest, resolution, quality limits"):
        c1, c2 = st.columns(2)
        composite = _composite_field(options)
        with c1:
            names = [f"{d:%Y-%m-%d} — {s}" for d, s in zip(frames.dates, frames.sources)]
            reference = st.selectbox("Reference scene (grid and colours)", range(len(names)),
                                     index=min(int(getattr(options, "reference", 0) or 0), len(names) - 1),
                                     format_func=lambda i: names[i], key="scenes:reference")
        with c2:
            resolution = st.number_input("Pixel size in metres (0 = finest of the scenes)", min_value=0.0,
                                         value=float(getattr(options, "resolution", None) or 0.0), step=1.0,
                                         key="scenes:resolution")
        match = st.checkbox("Match every frame's colours to the reference scene",
                            value=bool(getattr(options, "histogram_match", False)), key="scenes:match")
        coregister = st.checkbox("Line every frame up with the reference scene (sub-pixel co-registration)",
                                 value=bool(getattr(options, "coregister", True)), key="scenes:coregister",
                                 help="The offset of each scene is measured on the ground it shares with the "
                                      "reference; a scene under cloud or snow stays where its georeferencing "
                                      "put it. The timeline's \"shift px\" column shows each move.")
        thresholds = getattr(options, "thresholds", None)
        if thresholds is not None and dataclasses.is_dataclass(thresholds):
            t1, t2, t3 = st.columns(3)
            thresholds = dataclasses.replace(
                thresholds,
                cloud=t1.slider("Leave out above cloud %", 0, 100, int(round(100 * thresholds.cloud)),
                                key="scenes:t-cloud") / 100,
                snow=t2.slider("Leave out above snow %", 0, 100, int(round(100 * thresholds.snow)),
                               key="scenes:t-snow") / 100,
                nodata=t3.slider("Leave out above no-data %", 0, 100, int(round(100 * thresholds.nodata)),
                                 key="scenes:t-nodata") / 100)
        aoi, aoi_crs = _aoi_fields(project, frames, options)
        if st.button("Apply and rebuild the frames", key="scenes:apply", disabled=aoi is ...):
            changes = {"composite": composite, "reference": reference, "resolution": resolution or None,
                       "histogram_match": match, "coregister": coregister, "aoi": aoi, "aoi_crs": aoi_crs}
            if thresholds is not None:
                changes["thresholds"] = thresholds
            fields = {f.name for f in dataclasses.fields(options)}
            new = dataclasses.replace(options, **{k: v for k, v in changes.items() if k in fields})
            if rebuild(project, new):
                reset_canvas(f"aoi:{project.id}")
                st.rerun()


def preview(frames: Frames) -> None:
    """The harmonised frames one at a time, with a slider through the dates."""
    st.subheader("Preview of the harmonised frames")
    labels = [f"{d:%Y-%m-%d}" for d in frames.dates]
    if len(labels) > 1:
        label = st.select_slider("Date", labels, value=labels[0], key="scenes:preview")
    else:
        label = labels[0]
    i = labels.index(label)
    q = frames.quality[i]
    h, w = frames.shape
    scale = max(1, int(np.ceil(480 / max(h, w))))
    image = enlarge(frames.images[i], (h * scale, w * scale)) if scale > 1 else frames.images[i]
    c1, c2 = st.columns([3, 2])
    # never wider than its column: a landscape frame at its own width covered the text beside it
    c1.image(image, caption=f"{label} — {frames.sources[i]}",
             width="stretch" if w * scale > PREVIEW_COLUMN_PX else w * scale)
    used = "left out of tracking" if frames.bad[i] else "used for tracking"
    c2.markdown(f"**Frame {i + 1} of {len(frames)}**, {used}  \n"
                f"Cloud {100 * q.cloud:.0f} %, snow {100 * q.snow:.0f} %, no data {100 * q.nodata:.0f} %  \n"
                + (f"Flags: {'; '.join(q.reasons)}  \n" if q.reasons else "")
                + _alignment(q)
                + f"Grid: {w} x {h} pixels of {frames.grid.pixel_size[0]:g} {frames.grid.units}"
                + (f", {frames.grid.crs.to_string()}" if frames.grid.crs else ""))


def _alignment(q) -> str:
    """A line on how co-registration placed the frame (empty for frames made without it)."""
    if q.shift is None:
        return ""
    if q.shift == (0.0, 0.0):
        return "Lies on the reference scene's ground (no shift needed)  \n"
    return f"Moved onto the reference scene by {q.shift_text()} px (dx, dy)  \n"
