"""The Scenes page's "ground position" of plain images: pixel size, world files, or corners and a CRS.

What the analyst gives becomes :class:`tracking.ingest.georef.Georeference` in the frame
options; the frames are rebuilt with it (areas in metres, exports with the CRS).
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.ingest.georef import Georeference, parse_crs
from tracking.project import workflow
from tracking.project.folder import Project
from tracking.ui.scenes_ui import rebuild

MODES = {
    "": "Not known: measure in pixels",
    "pixel_size": "Ground pixel size",
    "world": "World files and a CRS",
    "corners": "Corner coordinates and a CRS",
}


def applies(frames: Frames, options) -> bool:
    """True for scenes without a CRS of their own (the grid is in pixels, or placed by the analyst)."""
    return frames.grid.crs is None or getattr(options, "georef", None) is not None


def ground_position(project: Project, frames: Frames) -> None:
    """An expander to place plain images on the ground; open while the grid is still in pixels."""
    options = workflow.frame_options(project)
    if not applies(frames, options):
        return
    current = options.georef or Georeference()
    grid = frames.grid
    with st.expander("Ground position: pixel size, world files or corner coordinates", expanded=not grid.is_metric):
        st.caption("These images carry no map position, so areas are in square pixels and the exports claim no "
                   "CRS. Give what you know to measure in metres: the size of one pixel on the ground, a CRS "
                   "for the world files (.pgw, .jgw, .wld uploaded beside the images), or the corner "
                   "coordinates of the reference image in a CRS.")
        keys = list(MODES)
        mode = st.radio("Position known from", keys, index=keys.index(current.mode), key="scenes:georef-mode",
                        format_func=MODES.get, horizontal=True)
        georef = _fields(mode, current, grid)
        if st.button("Apply and rebuild the frames", key="scenes:georef-apply", disabled=georef is ...):
            _apply(project, options, georef)


def _fields(mode: str, current: Georeference, grid) -> Georeference | None:
    """The Georeference typed for ``mode`` (None: pixels only), or ``...`` while incomplete."""
    if mode == "":
        return None
    if mode == "pixel_size":
        size = st.number_input("Ground size of one pixel (metres)", min_value=0.0, max_value=10_000.0,
                               value=float(current.pixel_size_m or 0.0), step=0.1, format="%.3f",
                               key="scenes:georef-size")
        if size:
            st.caption(f"The {grid.width:,} x {grid.height:,} pixel frames cover "
                       f"{grid.width * size:,.0f} x {grid.height * size:,.0f} m.")
        return Georeference(pixel_size_m=size) if size > 0 else ...
    crs = st.text_input("CRS (EPSG code, projected in metres)", value=current.crs or "",
                        placeholder="e.g. 32648 for WGS 84 / UTM zone 48N", key="scenes:georef-crs")
    if not crs.strip():
        return ...
    try:
        from pyproj import CRS as ProjCRS

        st.caption(ProjCRS.from_user_input(parse_crs(crs).to_wkt()).name)
    except InputError as exc:
        st.error(str(exc))
        return ...
    if mode == "world":
        return Georeference(crs=crs.strip())
    cols = st.columns(4)
    old = current.corners or (0.0, 0.0, 0.0, 0.0)
    corners = tuple(c.number_input(n, value=float(v), format="%.2f", key=f"scenes:georef-{n}")
                    for c, n, v in zip(cols, ("Left", "Bottom", "Right", "Top"), old))
    if corners[0] >= corners[2] or corners[1] >= corners[3]:
        st.caption("Give left < right and bottom < top (the reference image's outer edges).")
        return ...
    return Georeference(crs=crs.strip(), corners=corners)


def _apply(project: Project, options, georef: Georeference | None) -> None:
    if rebuild(project, dataclasses.replace(options, georef=georef)):  # a refusal is reported there
        st.rerun()
