"""Reference outlines for accuracy: dated mask rasters or a vector file, put on the grid.

Two forms are read:

- a folder (or a single file) of mask rasters, one per date, the date in the file
  name (``tracking.ingest.dates.date_from_name``); any pixel > 0 that is not nodata is
  scar. Georeferenced masks are reprojected onto the grid by nearest neighbour;
  masks without a CRS must already have the grid's size.
- a vector file (GeoJSON, GeoPackage, Shapefile or a zipped Shapefile) in any
  CRS with a date column (``date``, ``acquired``, ``acq_date``, ...); its polygons
  are rasterised onto the grid (pixel centres inside). On a pixel grid the
  coordinates are taken as pixels: x = column, y = row.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from rasterio.errors import RasterioIOError
from rasterio.features import rasterize
from rasterio.warp import Resampling, reproject, transform_bounds

from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.core.raster_io import open_raster
from tracking.ingest.dates import date_from_name, parse_date_value

RASTER_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
DATE_COLUMNS = ("date", "acquired", "acq_date", "acquisition_date", "datetime", "time")


def load_reference(path: str | Path, grid: Grid) -> dict[dt.date, np.ndarray]:
    """Reference masks {date: (H, W) bool} on ``grid`` from a folder, a mask raster or a vector file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"The reference {path} does not exist.")
    if path.is_dir():
        files = sorted(p for p in path.iterdir()
                       if p.suffix.lower() in RASTER_SUFFIXES and not p.name.startswith("."))
        if not files:
            raise InputError(f"The reference folder {path} holds no mask rasters ({', '.join(RASTER_SUFFIXES)}).")
        return _raster_masks(files, grid)
    suffix = path.suffix.lower()
    if suffix in RASTER_SUFFIXES:
        return _raster_masks([path], grid)
    if suffix in VECTOR_SUFFIXES:
        return _vector_masks(path, grid)
    raise InputError(f"The reference {path.name} is neither a folder of mask rasters nor a vector file "
                     "(GeoJSON, GeoPackage, Shapefile).")


def _raster_masks(files: list[Path], grid: Grid) -> dict[dt.date, np.ndarray]:
    out: dict[dt.date, np.ndarray] = {}
    for path in files:
        parsed = date_from_name(path.name)
        if parsed is None:
            raise InputError(f"The reference mask {path.name} has no date in its name (e.g. 2019-06-14.tif).")
        date = parsed[0]
        if date in out:
            raise InputError(f"The reference mask {path.name} repeats the date {date} of another mask.")
        out[date] = read_mask_raster(path, grid)
    return out


def read_mask_raster(path: Path, grid: Grid) -> np.ndarray:
    """(H, W) bool: band 1 of ``path`` > 0 (nodata excluded), on ``grid``."""
    try:
        with open_raster(path) as src:
            band = src.read(1)
            scar = band > 0
            if src.nodata is not None:
                scar &= band != src.nodata
            src_crs, src_transform, src_bounds = src.crs, src.transform, src.bounds
    except RasterioIOError as exc:
        raise InputError(f"The reference mask {path.name} cannot be read as a raster.") from exc
    if src_crs is None or grid.crs is None:
        if scar.shape != grid.shape:
            raise InputError(
                f"The reference mask {path.name} has no usable georeferencing and is "
                f"{scar.shape[1]}x{scar.shape[0]} pixels, but the grid is {grid.width}x{grid.height}.")
        return scar
    left, bottom, right, top = transform_bounds(src_crs, grid.crs, *src_bounds)
    g_left, g_bottom, g_right, g_top = grid.bounds
    if right <= g_left or left >= g_right or top <= g_bottom or bottom >= g_top:
        raise InputError(f"The reference mask {path.name} does not overlap the analysis grid.")
    dest = np.zeros(grid.shape, np.uint8)
    reproject(scar.astype(np.uint8), dest, src_transform=src_transform, src_crs=src_crs,
              dst_transform=grid.transform, dst_crs=grid.crs, resampling=Resampling.nearest)
    return dest > 0


def _vector_masks(path: Path, grid: Grid) -> dict[dt.date, np.ndarray]:
    import geopandas as gpd  # heavy; only needed for vector references

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"The reference {path.name} cannot be read as a vector file.") from exc
    column = next((c for c in gdf.columns if str(c).lower() in DATE_COLUMNS), None)
    if column is None:
        raise InputError(f"The reference {path.name} has no date column (name one of: {', '.join(DATE_COLUMNS)}).")
    gdf = gdf[gdf.geometry.notna() & gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if gdf.empty:
        raise InputError(f"The reference {path.name} holds no polygons.")
    if grid.crs is not None:
        if gdf.crs is None:
            raise InputError(f"The reference {path.name} has no coordinate reference system.")
        gdf = gdf.to_crs(grid.crs)
    dates = [_row_date(v, path, i) for i, v in enumerate(gdf[column])]
    out: dict[dt.date, np.ndarray] = {}
    for date in sorted(set(dates)):
        geoms = [g for g, d in zip(gdf.geometry, dates) if d == date]
        out[date] = rasterize([(g, 1) for g in geoms], out_shape=grid.shape, transform=grid.transform,
                              fill=0, dtype="uint8") > 0
    if not any(m.any() for m in out.values()):
        raise InputError(f"The reference {path.name} does not overlap the analysis grid.")
    return out


def _row_date(value, path: Path, row: int) -> dt.date:
    if isinstance(value, dt.datetime):  # pandas Timestamp is a datetime
        return value.date()
    if isinstance(value, dt.date):
        return value
    date = parse_date_value(str(value)) if value is not None and str(value) not in ("", "nan", "NaT") else None
    if date is None:
        raise InputError(f"The reference {path.name} has no valid date in row {row + 1} ({value!r}).")
    return date
