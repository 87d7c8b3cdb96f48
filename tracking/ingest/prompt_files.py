"""Prompts from vector files: GeoJSON, GeoPackage or (zipped) Shapefile, in any CRS.

Geometry rules (issue 3):
- Polygon / MultiPolygon        -> a mask prompt (rasterised onto the grid)
- Polygon with ``kind`` = "box" -> a box prompt (its bounding box)
- Point with ``label`` 1 or 0   -> a positive or negative click (default 1)
- optional ``date`` puts the prompt on that date's frame (default: the first frame);
  optional ``object`` is the object id (default 1).
Without a CRS on a pixel grid, coordinates are pixels: x = column, y = row.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import warnings
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from rasterio.features import rasterize
from shapely.geometry import box as shapely_box

from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.core.prompt_rules import MAX_OBJECT_ID, points_inside
from tracking.core.prompts import Prompt

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")


def read_prompt_file(path: Path, grid: Grid, dates: list[dt.date]) -> list[Prompt]:
    """Read every feature of ``path`` as prompts on ``grid``; one Prompt per (frame, object, kind).

    Raises InputError with one sentence when the file cannot be read, holds no usable
    geometry, names an unknown date, or lies outside the scenes.
    """
    path = Path(path)
    gdf = _read_vector(path)
    gdf = _to_grid_crs(gdf, grid, path)
    grouped: dict[tuple[int, int], dict] = defaultdict(lambda: {"points": [], "labels": [], "box": None,
                                                                "masks": []})
    for _, row in gdf.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        frame = _frame_for(row.get("date"), dates, path)
        oid = _int_prop(row.get("object"), 1, "object", path, (1, MAX_OBJECT_ID))
        slot = grouped[(frame, oid)]
        if geom.geom_type == "Point":
            slot["points"].append(_to_pixel(grid, geom.x, geom.y))
            slot["labels"].append(_int_prop(row.get("label"), 1, "label", path, (0, 1)))
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            if str(row.get("kind") or "").lower() == "box":
                x0, y0, x1, y1 = geom.bounds
                (c0, r0), (c1, r1) = _to_pixel(grid, x0, y1), _to_pixel(grid, x1, y0)
                slot["box"] = (c0, r0, c1, r1)
            else:
                slot["masks"].append(geom)
        else:
            raise InputError(f"{path.name} holds a {geom.geom_type}; prompts must be points or polygons.")
    prompts = _build(grouped, grid)
    if not prompts:
        raise InputError(f"{path.name} holds no prompt inside the scenes (check its CRS and extent).")
    return prompts


def _read_vector(path: Path):
    import geopandas as gpd

    if path.suffix.lower() not in VECTOR_SUFFIXES:
        raise InputError(f"{path.name} is not a GeoJSON, GeoPackage or zipped Shapefile.")
    try:
        if path.suffix.lower() == ".zip":
            return _read_zipped_shapefile(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gpd.read_file(path)
    except InputError:
        raise
    except Exception:
        raise InputError(f"{path.name} could not be read as a vector file; it may be damaged.") from None


def _read_zipped_shapefile(path: Path):
    import geopandas as gpd

    with zipfile.ZipFile(path) as zf, tempfile.TemporaryDirectory() as tmp:
        members = [m for m in zf.namelist() if Path(m).suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        shps = [m for m in members if m.lower().endswith(".shp")]
        if len(shps) != 1:
            raise InputError(f"{path.name} must hold exactly one .shp file.")
        for m in members:  # flatten: never trust member paths
            (Path(tmp) / Path(m).name).write_bytes(zf.read(m))
        return gpd.read_file(Path(tmp) / Path(shps[0]).name)


def _to_grid_crs(gdf, grid: Grid, path: Path):
    """Reproject to the grid's CRS; decide what CRS-less (or GeoJSON default) coordinates mean."""
    if grid.crs is None:
        return gdf  # pixel grid: coordinates are pixels whatever the file says
    if gdf.crs is None:
        return gdf.set_crs(grid.crs, allow_override=True)
    if gdf.crs.to_epsg() == 4326 and path.suffix.lower() in (".geojson", ".json"):
        # GeoJSON without a "crs" member reads as WGS84; projected numbers cannot be degrees.
        minx, miny, maxx, maxy = gdf.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            return gdf.set_crs(grid.crs, allow_override=True)
    try:
        return gdf.to_crs(grid.crs)
    except Exception:
        raise InputError(f"{path.name} is in a CRS that cannot be transformed to the scenes' CRS.") from None


def _to_pixel(grid: Grid, x: float, y: float) -> tuple[float, float]:
    col, row = ~grid.transform @ (x, y)
    return float(col), float(row)


def _frame_for(value, dates: list[dt.date], path: Path) -> int:
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return 0
    try:
        day = value.date() if hasattr(value, "date") else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{path.name} has a date '{value}' that is not YYYY-MM-DD.") from None
    if day not in dates:
        raise InputError(f"{path.name} puts a prompt on {day}, which is not a date of the series.")
    return dates.index(day)


def _int_prop(value, default: int, name: str, path: Path, allowed: tuple[int, int]) -> int:
    """A whole-number property in ``allowed`` (low, high), or ``default`` when it is missing.

    Anything else (text, 1.5, Infinity, 1e300, -5 for an object id) is one sentence here,
    at upload, never an OverflowError or a failure later at Track.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return default
    shown = str(value)[:24]
    try:
        number = value if isinstance(value, (int, np.integer)) else float(value)
        if not float(number).is_integer():
            raise ValueError(shown)
        out = int(number)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{path.name} has a '{name}' value '{shown}' that is not a whole number.") from None
    low, high = allowed
    if not low <= out <= high:
        raise InputError(f"{path.name} has a '{name}' value '{shown}'; it must be a whole number from {low} "
                         f"to {high}.")
    return out


def _build(grouped: dict, grid: Grid) -> list[Prompt]:
    h, w = grid.height, grid.width
    frame_box = shapely_box(0, 0, w, h)
    prompts = []
    for (frame, oid), slot in sorted(grouped.items()):
        if slot["masks"]:
            shapes = [(g, 1) for g in slot["masks"]]
            mask = rasterize(shapes, out_shape=(h, w), transform=grid.transform, fill=0, dtype="uint8") > 0
            if mask.any():
                prompts.append(Prompt(frame, oid, mask=mask))
        inside = points_inside(np.array(slot["points"], float).reshape(-1, 2), (h, w))
        points = [(p, lab) for p, lab, ok in zip(slot["points"], slot["labels"], inside) if ok]
        box = slot["box"]
        if box is not None and not shapely_box(*_ordered(box)).intersects(frame_box):
            box = None
        if points or box is not None:
            pts = np.array([p for p, _ in points], np.float32).reshape(-1, 2)
            labels = np.array([lab for _, lab in points], np.int32)
            prompts.append(Prompt(frame, oid, pts, labels, box=_clip_box(box, w, h) if box else None))
    return prompts


def _ordered(b: tuple) -> tuple:
    x0, y0, x1, y1 = b
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _clip_box(b: tuple, w: int, h: int) -> tuple:
    x0, y0, x1, y1 = _ordered(b)
    return (max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1))


