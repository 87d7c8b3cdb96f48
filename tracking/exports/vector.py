"""Vector exports: the scar outline of every date and object as GeoPackage, GeoJSON, Shapefile.

The geometry is ``vectorize.scar_outline`` (pixel edges smoothed, within half a
pixel), so its length is the row's ``perimeter_m``; ``area_m2`` is the exact
pixel-count area. Dates are DATE fields (ISO ``YYYY-MM-DD`` strings in GeoJSON). With a
month or year known only, the DATE is mid-period and ``date_known`` holds "1992-10". On a
pixel grid the columns say pixels (``area_px2``, ``perimeter_px``; see
``measures.export_columns``) and no CRS is claimed.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import tempfile
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa

from tracking.analysis.measures import export_columns
from tracking.analysis.vectorize import scar_outline
from tracking.core.acqdate import precision
from tracking.core.atomic import atomic_path, write_bytes
from tracking.core.grid import Grid
from tracking.core.track import Track

LAYER = "scars"
SHAPEFILE_NAMES = {"perimeter_m": "perim_m", "perimeter_px": "perim_px"}
FIELDS = ("date", "object", "area_m2", "perimeter_m", "gain_m2", "loss_m2", "provenance", "engine")


def scars_frame(track: Track, grid: Grid, dates: list[dt.date], measures: list[dict],
                engine: str, outlines: dict | None = None, names: dict[int, str] | None = None) -> gpd.GeoDataFrame:
    """One row per row of ``measures`` (date and object) with its outline, in the grid CRS.

    ``outlines`` ({(object id, frame index): outline}, filled by ``scar_measures``)
    saves vectorising the masks again. An empty mask gets no geometry (null). ``names``
    ({object id: scar name}) adds a ``scar`` column.
    """
    index = {d: i for i, d in enumerate(dates)}
    outlines = outlines or {}
    records, geoms = [], []
    for row in measures:
        key = (row["object"], index[row["date"]])
        mask = track.objects[key[0]].masks[key[1]]
        outline = outlines[key] if key in outlines else scar_outline(mask, grid)
        geoms.append(outline if not outline.is_empty else None)
        records.append({
            "date": row["date"], "object": int(row["object"]),
            "area_m2": row["area_m2"], "perimeter_m": row["perimeter_m"],
            "gain_m2": _nullable(row["gain_m2"]), "loss_m2": _nullable(row["loss_m2"]),
            "provenance": row["provenance"], "engine": engine,
        })
    column_names = export_columns(grid.units)
    columns = {column_names.get(f, f): [r[f] for r in records] for f in FIELDS}
    days = columns["date"]
    # A real DATE field (GeoPackage DATE, Shapefile D): QGIS's temporal controller reads it as is.
    columns["date"] = pd.array([dt.date(d.year, d.month, d.day) for d in days], dtype=pd.ArrowDtype(pa.date32()))
    if names:
        columns["scar"] = [names.get(int(o), f"Scar {o}") for o in columns["object"]]
    if any(precision(d) != "day" for d in days):  # "1992-10": the DATE is mid-period, the text says so
        columns["date_known"] = [d.isoformat() for d in days]
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs=grid.crs), crs=grid.crs)


def position_note(grid: Grid) -> str:
    """One or two sentences on where the exported outlines lie (the Export page and the report)."""
    if grid.crs is not None:
        return (f"Outlines and rasters are in {grid.crs.to_string()} (the GeoJSON in EPSG:4326, as RFC 7946 "
                "wants); areas in m².")
    if grid.is_metric:
        return ("The images have no map position: outlines are in metres from the bottom-left corner (the "
                "ground pixel size given on the Scenes page) and no CRS is claimed.")
    return ("The images have no map position and no ground pixel size: outlines are in pixel coordinates, areas "
            "in px², and no CRS is claimed. Give a pixel size, world files or corner coordinates on the Scenes "
            "page to measure on the ground.")


def _nullable(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _to_file(gdf: gpd.GeoDataFrame, path: Path, **kwargs) -> None:
    with warnings.catch_warnings():
        # A pixel grid has no CRS on purpose; pyogrio warns about it.
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        # Arrow writes the date column as a DATE field (without it, as TEXT).
        gdf.to_file(path, use_arrow=True, **kwargs)


def write_gpkg(path: str | Path, gdf: gpd.GeoDataFrame, layer: str = LAYER) -> Path:
    """GeoPackage with one layer (default ``scars``) in the frame's CRS."""
    path = Path(path)
    with atomic_path(path, suffix=".gpkg") as tmp:
        tmp.unlink(missing_ok=True)  # the GeoPackage driver wants to create the file itself
        _to_file(gdf, tmp, layer=layer, driver="GPKG")
    return path


def write_geojson(path: str | Path, gdf: gpd.GeoDataFrame) -> Path:
    """GeoJSON in EPSG:4326 (RFC 7946); on a pixel grid, pixel coordinates and no CRS."""
    path = Path(path)
    out = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf
    with atomic_path(path, suffix=".geojson") as tmp:
        tmp.unlink(missing_ok=True)
        _to_file(out, tmp, driver="GeoJSON", layer=LAYER)  # else named after the temporary file
    return path


def write_shapefile_zip(path: str | Path, gdf: gpd.GeoDataFrame) -> Path:
    """A zip holding ``scars.shp`` and its side files (.shx, .dbf, .prj, .cpg), grid CRS.

    dBase field names hold 10 characters, so ``perimeter_m`` is written ``perim_m``.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmpdir:
        shp = Path(tmpdir) / f"{LAYER}.shp"
        _to_file(gdf.rename(columns=SHAPEFILE_NAMES), shp, driver="ESRI Shapefile")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(Path(tmpdir).iterdir()):
                zf.write(part, part.name)
    write_bytes(path, buffer.getvalue())
    return path
