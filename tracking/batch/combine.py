"""The batch's combined outputs: every landslide x date in one GeoPackage and one CSV,
``failures.csv``, and the per-landslide growth summary the report ranks.

Rows come from each landslide's own folder (masks + manifest, read back with the
``track`` output reader and measured with ``analysis.measures``), so a landslide
finished in an earlier run counts the same as one finished now.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from tracking.analysis.headline import Headline, headline
from tracking.analysis.measures import COLUMNS
from tracking.batch.inventory import Landslide

LAYER = "inventory"
#: the combined GeoPackage's fields (besides the outline geometry)
GPKG_FIELDS = ("id", "date", "area_m2", "change_m2", "rate_m2_per_day", "provenance", "gain_m2", "loss_m2",
               "confidence", "grid_crs")
FAILURE_COLUMNS = ("id", "sentence")
#: a change between two consecutive dates is sudden when the area grows by more than this
#: share of the area before it (the synthetic failures more than double the scar)
SUDDEN_SHARE = 0.5


def landslide_rows(slide: Landslide, folder: Path) -> list[dict]:
    """One dict per tracked date: ``id``, the measures columns, ``outline`` (WKB, grid CRS) and
    ``grid_crs`` (WKT). Read from a finished landslide folder."""
    from tracking.analysis.measures import scar_measures
    from tracking.exports.output_folder import load_track_output

    grid, dates, track = load_track_output(folder)
    outlines: dict = {}
    rows = scar_measures(track, grid, dates, outlines)
    index = {d: i for i, d in enumerate(dates)}
    crs = grid.crs.to_wkt() if grid.crs is not None else ""
    return [{"id": slide.id, **row, "outline": outlines[(row["object"], index[row["date"]])].wkb, "grid_crs": crs}
            for row in rows]


def combined_frame(rows: list[dict], crs: str):
    """GeoDataFrame of ``GPKG_FIELDS`` and the outlines, reprojected into ``crs`` (the inventory's)."""
    import geopandas as gpd
    import shapely

    parts = []
    by_crs: dict[str, list[dict]] = {}
    for row in rows:
        by_crs.setdefault(row["grid_crs"], []).append(row)
    for grid_crs, group in by_crs.items():
        geoms = [None if g.is_empty else g for g in shapely.from_wkb([r["outline"] for r in group])]
        data = {"id": [r["id"] for r in group], "date": [r["date"] for r in group],
                "area_m2": [r["area_m2"] for r in group], "change_m2": [_null(r["net_m2"]) for r in group],
                "rate_m2_per_day": [_null(r["expansion_rate_m2_per_day"]) for r in group],
                "provenance": [r["provenance"] for r in group], "gain_m2": [_null(r["gain_m2"]) for r in group],
                "loss_m2": [_null(r["loss_m2"]) for r in group], "confidence": [_null(r["confidence"]) for r in group],
                "grid_crs": [_short_crs(grid_crs)] * len(group)}
        parts.append(gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=grid_crs)).to_crs(crs))
    if not parts:
        return gpd.GeoDataFrame({f: [] for f in GPKG_FIELDS}, geometry=gpd.GeoSeries([], crs=crs))
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=crs)


def _null(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _short_crs(wkt: str) -> str:
    from rasterio.crs import CRS

    crs = CRS.from_wkt(wkt)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_string()


def write_combined(out_dir: Path, rows: list[dict], crs: str) -> dict[str, Path]:
    """``inventory.gpkg`` (layer ``inventory``) and ``metrics.csv`` (``id`` then the measures columns)."""
    from tracking.core.atomic import write_bytes
    from tracking.exports.bundle import rows_to_csv
    from tracking.exports.vector import write_gpkg

    out = Path(out_dir)
    ordered = sorted(rows, key=lambda r: (r["id"], r["date"]))
    gpkg = write_gpkg(out / "inventory.gpkg", combined_frame(ordered, crs), layer=LAYER)
    write_bytes(out / "metrics.csv", rows_to_csv(ordered, ("id", *COLUMNS)))
    return {"gpkg": gpkg, "metrics": out / "metrics.csv"}


def write_failures(path: Path, failures: list[tuple[str, str]]) -> Path:
    """``failures.csv``: (id, sentence); an empty id is a problem with the scenes, not one landslide."""
    from tracking.core.atomic import write_bytes
    from tracking.exports.bundle import rows_to_csv

    write_bytes(path, rows_to_csv([dict(zip(FAILURE_COLUMNS, f)) for f in failures], FAILURE_COLUMNS))
    return Path(path)


@dataclass
class Growth:
    """One landslide's growth: its headline figures (``analysis.headline``: first and last area,
    net change, growth %, mean rate; areas in m²) and its sudden changes.

    sudden: (from date, to date, growth share) of each interval that grew by more than
    ``SUDDEN_SHARE`` of the area before it. dates, areas: the tracked dates and areas (m²).
    """

    id: str
    head: Headline
    sudden: list[tuple[dt.date, dt.date, float]]
    dates: list[dt.date]
    areas: list[float]


def growth_summary(rows: list[dict]) -> list[Growth]:
    """One Growth per landslide, the largest net growth first."""
    by_id: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: (r["id"], r["date"])):
        by_id.setdefault(row["id"], []).append(row)
    out = []
    for lid, series in by_id.items():
        sudden = [(a["date"], b["date"], (b["area_m2"] - a["area_m2"]) / a["area_m2"])
                  for a, b in zip(series, series[1:])
                  if a["area_m2"] > 0 and b["area_m2"] - a["area_m2"] > SUDDEN_SHARE * a["area_m2"]]
        out.append(Growth(lid, headline(series), sudden, [r["date"] for r in series],
                          [r["area_m2"] for r in series]))
    return sorted(out, key=lambda g: (-g.head.net, g.id))
