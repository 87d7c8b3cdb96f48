"""Scar measures per date and object: area, growth, displacement, footprint.

Lengths and areas are in the grid's projected CRS (metres); on a pixel grid
(``not grid.is_metric``) the same keys hold pixels and square pixels, each row
says so in ``units`` ("m" or "px"), and the exports name them so
(``export_columns``).

Areas are pixel counts times the pixel area (exact for a raster mask); the
perimeter is the length of the vectorised outline (``vectorize.scar_outline``),
the main axis the longer side of the minimum rotated rectangle around the
mask's pixels (pixel edges, which bound the mask exactly).
A frame whose provenance is NONE (never tracked) is left out, so "previous
date" means the previous tracked date of that object.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import shapely
from scipy import ndimage

from tracking.analysis.vectorize import scar_outline
from tracking.core.grid import Grid
from tracking.core.track import ObjectTrack, Provenance, Track
from tracking.core.units import choose

#: Column order of a measures row (and of metrics.csv).
COLUMNS = (
    "date", "object", "area_m2", "area_ha", "perimeter_m", "gain_m2", "loss_m2", "net_m2",
    "days", "expansion_rate_m2_per_day", "centroid_x", "centroid_y", "displacement_m",
    "direction_deg", "main_axis_m", "cumulative_m2", "provenance", "confidence", "units",
)


def export_columns(units: str) -> dict[str, str]:
    """{measures key: column name in the exports} for a grid measured in ``units`` ("m" or "px").

    In metres the keys are the names. On a pixel grid every metric name says pixels
    (``area_m2`` -> ``area_px2``, ``perimeter_m`` -> ``perimeter_px``,
    ``expansion_rate_m2_per_day`` -> ``expansion_rate_px2_per_day``) and ``area_ha``,
    which has no meaning there, is left out.
    """
    if units == "m":
        return {k: k for k in COLUMNS}
    renamed = {}
    for key in COLUMNS:
        if key == "area_ha":
            continue
        parts = ["px2" if p == "m2" else "px" if p == "m" else p for p in key.split("_")]
        renamed[key] = "_".join(parts)
    return renamed


def scar_measures(track: Track, grid: Grid, dates: list[dt.date],
                  outlines: dict | None = None) -> list[dict]:
    """One row per tracked date and object, ordered by object then date.

    Parameters
    ----------
    track : Track
        Masks (N, H, W) bool per object on ``grid``.
    grid : Grid
        The common grid; its pixel area and transform turn pixels into metres.
    dates : list of datetime.date
        The N frame dates, in frame order.
    outlines : dict, optional
        Receives each row's outline (``vectorize.scar_outline``) keyed by
        (object id, frame index), so exporters need not vectorise again.

    Returns
    -------
    list of dict
        Keys in ``COLUMNS``. Growth columns (gain, loss, net, days, rate,
        displacement, direction) are NaN on an object's first date.
    """
    if len(dates) != track.n_frames:
        raise ValueError(f"{len(dates)} dates for {track.n_frames} frames")
    if tuple(track.shape) != grid.shape:
        raise ValueError(f"track is {track.shape}, grid is {grid.shape}")
    rows = []
    for oid in sorted(track.objects):
        rows.extend(_object_rows(oid, track.objects[oid], grid, dates, outlines))
    return rows


def _object_rows(oid: int, obj: ObjectTrack, grid: Grid, dates: list[dt.date],
                 outlines: dict | None) -> list[dict]:
    px_area = grid.pixel_area_m2
    units = grid.units
    rows: list[dict] = []
    prev_mask = prev_centroid = prev_date = None
    footprint = np.zeros(obj.masks.shape[1:], bool)
    for i, date in enumerate(dates):
        if obj.provenance[i] == Provenance.NONE:
            continue
        mask = obj.masks[i]
        footprint |= mask
        outline = scar_outline(mask, grid)
        if outlines is not None:
            outlines[(oid, i)] = outline
        centroid = _centroid(mask, grid)
        row = {
            "date": date, "object": oid,
            "area_m2": float(mask.sum()) * px_area,
            "perimeter_m": float(outline.length),
            "main_axis_m": main_axis_length(mask, grid),
            "centroid_x": centroid[0], "centroid_y": centroid[1],
            "cumulative_m2": float(footprint.sum()) * px_area,
            "provenance": obj.provenance[i].value,
            "confidence": float(obj.confidence[i]),
            "units": units,
        }
        row["area_ha"] = choose(units, "ha").area_value(row["area_m2"]) if units == "m" else math.nan
        row.update(_change(mask, prev_mask, date, prev_date, centroid, prev_centroid, px_area, grid))
        rows.append({k: row[k] for k in COLUMNS})
        prev_mask, prev_centroid, prev_date = mask, centroid, date
    return rows


def _change(mask, prev_mask, date, prev_date, centroid, prev_centroid, px_area, grid) -> dict:
    """Gain, loss, net, gap in days, rate and centroid shift since the previous date."""
    nan = math.nan
    if prev_mask is None:
        return dict(gain_m2=nan, loss_m2=nan, net_m2=nan, days=nan,
                    expansion_rate_m2_per_day=nan, displacement_m=nan, direction_deg=nan)
    gain = float((mask & ~prev_mask).sum()) * px_area
    loss = float((prev_mask & ~mask).sum()) * px_area
    days = float((date - prev_date).days)
    # A ground grid is north-up (rows step south, e < 0); an image's rows step down the picture.
    dist, azimuth = _displacement(prev_centroid, centroid, north_up=grid.transform.e < 0)
    return dict(gain_m2=gain, loss_m2=loss, net_m2=gain - loss, days=days,
                expansion_rate_m2_per_day=(gain - loss) / days if days > 0 else nan,
                displacement_m=dist, direction_deg=azimuth)


def _centroid(mask: np.ndarray, grid: Grid) -> tuple[float, float]:
    """Mean position of the mask's pixel centres in grid coordinates (NaN when empty)."""
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return (math.nan, math.nan)
    x, y = grid.transform @ (cols.mean() + 0.5, rows.mean() + 0.5)
    return (float(x), float(y))


def _displacement(a: tuple[float, float], b: tuple[float, float], north_up: bool) -> tuple[float, float]:
    """Distance and azimuth (degrees clockwise from north) from centroid a to b.

    In a projected CRS north is +y; on a pixel grid y is the row, so north is -y
    (the top of the image).
    """
    dx = b[0] - a[0]
    dy = b[1] - a[1]
    if not north_up:
        dy = -dy
    dist = math.hypot(dx, dy)
    if math.isnan(dist):
        return (math.nan, math.nan)
    if dist == 0:
        return (0.0, math.nan)
    return (dist, math.degrees(math.atan2(dx, dy)) % 360.0)


def main_axis_length(mask: np.ndarray, grid: Grid) -> float:
    """Longer side of the minimum rotated rectangle around the mask's pixels (0 when empty).

    The rectangle only depends on the convex hull, so the corners of the edge
    pixels suffice (no vectorisation needed).
    """
    edge = mask & ~ndimage.binary_erosion(mask, border_value=0)
    rows, cols = np.nonzero(edge)
    if rows.size == 0:
        return 0.0
    corners_c = np.concatenate([cols, cols + 1, cols, cols + 1]).astype(float)
    corners_r = np.concatenate([rows, rows, rows + 1, rows + 1]).astype(float)
    t = grid.transform
    xs = t.a * corners_c + t.b * corners_r + t.c
    ys = t.d * corners_c + t.e * corners_r + t.f
    rect = shapely.minimum_rotated_rectangle(shapely.multipoints(np.column_stack([xs, ys])))
    coords = np.asarray(rect.exterior.coords) if rect.geom_type == "Polygon" else np.asarray(rect.coords)
    sides = np.hypot(*np.diff(coords, axis=0).T)
    return float(sides.max()) if sides.size else 0.0


def evolution_map(track: Track, object_id: int | None = None) -> np.ndarray:
    """(H, W) int16: index of the first frame on which each pixel was scar, -1 if never.

    ``object_id`` None takes the union of all objects.
    """
    if object_id is None:
        stack = np.zeros((track.n_frames, *track.shape), bool)
        for obj in track.objects.values():
            stack |= obj.masks
    else:
        stack = track.objects[object_id].masks
    first = np.argmax(stack, axis=0).astype(np.int16)
    first[~stack.any(axis=0)] = -1
    return first
