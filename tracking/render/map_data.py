"""What the dashboard's web map draws, as plain data: outlines, images and their bounds.

Leaflet's default map CRS is Web Mercator (EPSG:3857), and an ``ImageOverlay``
is stretched linearly between two lat/lon corners in *that* projection. So a
raster on a UTM grid is warped onto an EPSG:3857 grid before it is shown, and its
corners are given in EPSG:4326: then every pixel lands where it belongs, not
only the corners. Outlines go out as GeoJSON in lon/lat (EPSG:4326).

A pixel grid (no CRS, non-georeferenced scenes) is drawn on Leaflet's "Simple"
CRS, where a map unit is a pixel: x = column, and y = -row (Leaflet's y points
up, image rows point down), so the image spans [[-H, 0], [0, W]].

Nothing here imports folium or streamlit (see ``tracking.ui.maps``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.transform import array_bounds
from rasterio.warp import Resampling, calculate_default_transform, reproject, transform_bounds
from shapely.geometry import mapping

from tracking.analysis.vectorize import scar_outline
from tracking.core.grid import Grid
from tracking.core.track import Provenance, Track
from tracking.core.units import Units, units_for
from tracking.render.map_images import date_colors
from tracking.render.overlay import hex_to_rgb

WEB_MERCATOR = CRS.from_epsg(3857)
WGS84 = CRS.from_epsg(4326)
#: Longest side, in pixels, of an image sent to the browser (bigger grids are shown downsampled).
MAX_DISPLAY_PX = 1024


@dataclass(frozen=True)
class Overlay:
    """An image ready for a Leaflet ImageOverlay.

    rgba:   (h, w, 4) uint8, alpha 0 where there is nothing to show.
    bounds: [[south, west], [north, east]] in the map's coordinates
            (degrees for a georeferenced grid, pixels for a pixel grid).
    """

    rgba: np.ndarray
    bounds: list[list[float]]


def map_crs(grid: Grid) -> str:
    """The Leaflet CRS name folium takes: "EPSG3857", or "Simple" for a pixel grid."""
    return "EPSG3857" if grid.crs is not None else "Simple"


def map_bounds(grid: Grid) -> list[list[float]]:
    """[[south, west], [north, east]] of the whole grid in map coordinates.

    Without a CRS the map units are the grid's own: pixels, or metres when the analyst gave
    the ground pixel size (then Leaflet's scale bar is right), with y = -row direction.
    """
    if grid.crs is None:
        left, y0, right, y1 = grid.bounds
        south, north = sorted((_map_y(grid, y0) + 0.0, _map_y(grid, y1) + 0.0))  # + 0.0: no "-0.0"
        return [[south, left], [north, right]]
    west, south, east, north = transform_bounds(grid.crs, WGS84, *grid.bounds, densify_pts=21)
    return [[south, west], [north, east]]


def _map_y(grid: Grid, y: float) -> float:
    """Leaflet's y (up) of a grid y without a CRS: -row on a pixel grid (rows grow downwards),
    y itself on a metric grid whose y already grows upwards (negative ``transform.e``)."""
    return -y if grid.transform.e > 0 else y


def zoom_range(grid: Grid, view_px: int = 900) -> dict:
    """Leaflet options {minZoom, maxZoom, zoom} that let the whole grid be seen and its pixels
    be told apart: from the zoom that fits the grid in about ``view_px`` screen pixels
    (minus two steps) to four screen pixels per grid pixel."""
    if grid.crs is not None:
        return {"minZoom": 1, "maxZoom": 22, "zoom": 1}
    extent = max(abs(grid.transform.a) * grid.width, abs(grid.transform.e) * grid.height)
    pixel = min(abs(grid.transform.a), abs(grid.transform.e))
    fit = math.log2(view_px / extent)  # on the Simple CRS a map unit is 2**zoom screen pixels
    return {"minZoom": math.floor(fit) - 2, "maxZoom": math.ceil(math.log2(4 / pixel)) + 1, "zoom": math.floor(fit)}


def _display_shape(h: int, w: int, max_px: int) -> tuple[int, int]:
    scale = min(1.0, max_px / max(h, w))
    return max(1, round(h * scale)), max(1, round(w * scale))


def _warp_to_mercator(data: np.ndarray, grid: Grid, max_px: int, resampling: Resampling) -> tuple[np.ndarray, list]:
    """Warp (C, H, W) uint8 onto an EPSG:3857 grid; returns (C, h, w) and its EPSG:4326 bounds."""
    c, h, w = data.shape
    west, south, east, north = grid.bounds
    dst_t, dst_w, dst_h = calculate_default_transform(grid.crs, WEB_MERCATOR, w, h, west, south, east, north)
    out_h, out_w = _display_shape(dst_h, dst_w, max_px)
    # Same extent, fewer pixels when the grid is larger than the display cap.
    dst_t = dst_t @ dst_t.scale(dst_w / out_w, dst_h / out_h)
    out = np.zeros((c, out_h, out_w), np.uint8)
    reproject(data, out, src_transform=grid.transform, src_crs=grid.crs, dst_transform=dst_t,
              dst_crs=WEB_MERCATOR, resampling=resampling, src_nodata=None, dst_nodata=0)
    mwest, msouth, meast, mnorth = array_bounds(out_h, out_w, dst_t)
    lw, ls, le, ln = transform_bounds(WEB_MERCATOR, WGS84, mwest, msouth, meast, mnorth)
    return out, [[ls, lw], [ln, le]]


def _resize_nearest(data: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(C, H, W) to (C, h, w) by nearest neighbour (display only)."""
    h, w = data.shape[1:]
    rows = (np.arange(shape[0]) * h / shape[0]).astype(int)
    cols = (np.arange(shape[1]) * w / shape[1]).astype(int)
    return data[:, rows][:, :, cols]


def overlay_rgba(rgba: np.ndarray, grid: Grid, max_px: int = MAX_DISPLAY_PX) -> Overlay:
    """Place an (H, W, 4) uint8 image on ``grid`` for the web map.

    Resampling is nearest neighbour: class maps keep their exact colours, and
    photographs keep honest pixels with no dark rim where the warped image meets
    its transparent surround (bilinear would blend in the black of "no data").
    """
    if rgba.shape[:2] != grid.shape or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"expected ({grid.height}, {grid.width}, 4) uint8, got {rgba.shape} {rgba.dtype}")
    data = np.moveaxis(rgba, -1, 0)
    if grid.crs is None:
        shape = _display_shape(grid.height, grid.width, max_px)
        out = _resize_nearest(data, shape) if shape != grid.shape else data
        return Overlay(np.ascontiguousarray(np.moveaxis(out, 0, -1)), map_bounds(grid))
    out, bounds = _warp_to_mercator(data, grid, max_px, Resampling.nearest)
    return Overlay(np.ascontiguousarray(np.moveaxis(out, 0, -1)), bounds)


def scene_overlay(image: np.ndarray, valid: np.ndarray | None, grid: Grid,
                  max_px: int = MAX_DISPLAY_PX) -> Overlay:
    """A frame (H, W, 3) uint8 as a map image; pixels outside ``valid`` (H, W) bool are transparent."""
    alpha = np.full(grid.shape, 255, np.uint8) if valid is None else np.where(valid, 255, 0).astype(np.uint8)
    return overlay_rgba(np.dstack([image, alpha]), grid, max_px)


def evolution_overlay(evolution: np.ndarray, colors: list[str], grid: Grid, alpha: int = 200,
                      max_px: int = MAX_DISPLAY_PX) -> Overlay:
    """The evolution map (H, W) int16 (first scar frame, -1 never) coloured with one colour per date."""
    lut = np.zeros((len(colors) + 1, 4), np.uint8)  # row 0: never scar, transparent
    for i, c in enumerate(colors):
        lut[i + 1] = (*hex_to_rgb(c), alpha)
    idx = np.clip(evolution.astype(np.int32) + 1, 0, len(colors))
    return overlay_rgba(lut[idx], grid, max_px)


def _to_map_coords(geom, grid: Grid):
    """Grid coordinates to map coordinates: lon/lat, or (x, -row) on a pixel grid."""
    if grid.crs is None:
        return shapely.transform(geom, lambda x, y: (x, _map_y(grid, y)), interleaved=False)
    to_wgs = Transformer.from_crs(grid.crs, WGS84, always_xy=True)
    return shapely.transform(geom, to_wgs.transform, interleaved=False)


def outline_features(track: Track, grid: Grid, dates: list[dt.date],
                     colors: list[str] | None = None, units: Units | None = None,
                     names: dict[int, str] | None = None) -> dict:
    """GeoJSON FeatureCollection of every tracked outline, one feature per date and object.

    Properties: date (ISO), frame, object, scar (its name from ``names``, else "Scar N"),
    area (m² or px², see ``units``),
    area_label (in ``units``, default ha or px², e.g. "1.23 ha"), provenance,
    color (the date's colour).
    Frames never tracked and empty masks are left out. Coordinates as in
    ``map_bounds`` (EPSG:4326 lon/lat, or pixels on a pixel grid).
    """
    if len(dates) != track.n_frames:
        raise ValueError(f"{len(dates)} dates for {track.n_frames} frames")
    colors = colors or date_colors(len(dates))
    units = units or units_for(grid)
    features = []
    for oid in sorted(track.objects):
        obj = track.objects[oid]
        for i, date in enumerate(dates):
            if obj.provenance[i] == Provenance.NONE or not obj.masks[i].any():
                continue
            area = float(obj.masks[i].sum()) * grid.pixel_area_m2
            geom = _to_map_coords(scar_outline(obj.masks[i], grid), grid)
            features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
                "date": date.isoformat(), "frame": i, "object": oid,
                "scar": (names or {}).get(oid, f"Scar {oid}"), "area": area,
                "area_label": units.fmt_area(area), "provenance": obj.provenance[i].value,
                "units": grid.units, "color": colors[i]}})
    return {"type": "FeatureCollection", "features": features}


def features_bounds(collection: dict) -> list[list[float]] | None:
    """[[south, west], [north, east]] around every feature, or None when there are none."""
    geoms = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        return None
    west, south, east, north = shapely.union_all(geoms).bounds
    if any(math.isnan(v) for v in (west, south, east, north)):
        return None
    return [[south, west], [north, east]]
