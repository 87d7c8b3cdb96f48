"""The Analysis page's web map (folium), drawn with no network at all.

folium loads Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs by
default and adds an OpenStreetMap tile layer. Here the map has no tile layer
(the scene itself is the base layer) and loads Leaflet and jQuery from the
app's own static folder (``static/vendor``, served by Streamlit at
``/app/static/``), so it draws the same offline. Geometry and images come
from :mod:`tracking.render.map_data`.
"""

from __future__ import annotations

import base64
import io

import folium
import numpy as np
import streamlit as st

from tracking.analysis.measures import evolution_map
from tracking.core.frames import Frames
from tracking.core.track import Track
from tracking.core.units import Units
from tracking.render import map_data as mapdata
from tracking.render.map_images import date_colors


def vendor_url(path: str) -> str:
    """URL of a vendored file under ``static/vendor`` as the browser sees it (honours baseUrlPath)."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}" if base else ""
    return f"{prefix}/app/static/vendor/{path}"


def offline_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(default_js, default_css) for a folium Map: Leaflet and jQuery from this server."""
    js = [("leaflet", vendor_url("leaflet/leaflet.js")), ("jquery", vendor_url("jquery/jquery.min.js"))]
    css = [("leaflet_css", vendor_url("leaflet/leaflet.css"))]
    return js, css


def _png_url(rgba: np.ndarray) -> str:
    """A PNG data URL (folium would otherwise hand a float array to its own PNG writer)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _image_layer(ov: mapdata.Overlay, name: str, overlay: bool, show: bool = True,
                 opacity: float = 1.0) -> folium.raster_layers.ImageOverlay:
    return folium.raster_layers.ImageOverlay(_png_url(ov.rgba), bounds=ov.bounds, name=name, overlay=overlay,
                                             show=show, opacity=opacity, interactive=False, cross_origin=False)


def _stable_ids(element, prefix: str = "div") -> None:
    """Name every element after its place in the map ("div", "div_0", "div_0_1"...), not a uuid.

    st_folium renames the elements of the map it draws to exactly these names, in place. The
    Analysis page keeps its map between reruns, so the first run drew it under folium's random
    names mapped to these, and every later run under these names again, mapped a second time:
    the script changed, and references came out wrong (``image_overlay_... is not defined``, a
    map of height 0). Named so from the start, the renaming changes nothing, and the script is
    the same on every rerun until the content changes.
    """
    element._id = prefix
    for k, child in enumerate(element._children.values()):
        _stable_ids(child, f"{prefix}_{k}")


def _outline_style(feature: dict) -> dict:
    return {"color": feature["properties"]["color"], "weight": 2, "fill": False}


def scar_map(frames: Frames, track: Track, scene_frames: list[int], height: int = 560,
             units: Units | None = None, names: dict[int, str] | None = None) -> folium.Map:
    """A Leaflet map of the scar: chosen scenes as base layers, evolution map and dated outlines on top.

    scene_frames: frame indices offered as base layers (the first is shown).
    units: the area unit of the outline tooltips (default ha, or px² on a pixel grid).
    """
    grid = frames.grid
    colors = date_colors(len(frames))
    fmap = folium.Map(tiles=None, crs=mapdata.map_crs(grid), control_scale=grid.units == "m",
                      zoom_snap=0.25, height=height)
    # folium hands min/max zoom to its tile layer only (there is none here) and drops a zoom_start of 0:
    # without them Leaflet's floor is zoom 0, and a big pixel grid could never be seen whole.
    fmap.options.update(mapdata.zoom_range(grid))
    fmap.default_js, fmap.default_css = offline_assets()
    for k, i in enumerate(scene_frames):
        ov = mapdata.scene_overlay(frames.images[i], frames.valid[i], grid)
        _image_layer(ov, f"Scene {frames.dates[i].isoformat()}", overlay=False, show=k == 0).add_to(fmap)
    evo = mapdata.evolution_overlay(evolution_map(track), colors, grid)
    _image_layer(evo, "Evolution map (first date as scar)", overlay=True, show=False, opacity=0.8).add_to(fmap)
    outlines = mapdata.outline_features(track, grid, frames.dates, colors, units, names)
    if outlines["features"]:
        folium.GeoJson(outlines, name="Scar outlines by date", style_function=_outline_style,
                       highlight_function=lambda f: {"weight": 4},
                       tooltip=folium.GeoJsonTooltip(["date", "scar", "area_label", "provenance"],
                                                     aliases=["Date", "Scar", "Area", "How"])).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    _stable_ids(fmap)
    fmap.fit_bounds(mapdata.map_bounds(grid))
    return fmap


def show_map(fmap: folium.Map, key: str, height: int = 560) -> None:
    """Draw the map; it never reruns the page on pan or zoom."""
    from streamlit_folium import st_folium

    st_folium(fmap, key=key, height=height, use_container_width=True, returned_objects=[])


def date_legend(dates) -> None:
    """The date colours of the outlines and the evolution map, as a row of swatches."""
    colors = date_colors(len(dates))
    step = max(1, len(dates) // 16)
    chips = " ".join(
        f"<span style='white-space:nowrap;margin-right:0.8em'><span style='display:inline-block;width:0.9em;"
        f"height:0.9em;background:{c};border-radius:2px;vertical-align:-0.1em'></span> {d.isoformat()}</span>"
        for d, c in list(zip(dates, colors))[::step])
    st.markdown(f"<div style='font-size:0.85em;line-height:1.8'>{chips}</div>", unsafe_allow_html=True)
