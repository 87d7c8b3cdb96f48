"""A landslide inventory: one outline (or a point with a radius) per landslide, any CRS.

The file is a GeoPackage, GeoJSON or (zipped) Shapefile. Each feature needs an id (field
``id`` unless told otherwise); an optional date field (``date``) says when the outline was
mapped (empty: the first scene). Points become circles: their radius in metres comes from
a ``radius_m`` field or the ``radius_m`` argument. Outlines stay in the file's CRS;
circles are drawn in a metric CRS (the file's, or the UTM zone of the point).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from shapely.geometry.base import BaseGeometry

from tracking.core.errors import InputError

DEFAULT_ID_FIELD = "id"
DEFAULT_DATE_FIELD = "date"
RADIUS_FIELD = "radius_m"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Landslide:
    """One landslide of the inventory.

    outline: Polygon or MultiPolygon in ``crs`` (WKT); date: when it was mapped (None: the
    first scene's date); folder: its output folder's name (the id made safe for a path).
    """

    id: str
    folder: str
    outline: BaseGeometry
    crs: str
    date: dt.date | None


@dataclass
class Inventory:
    """The landslides of one inventory file, in file order."""

    path: Path
    crs: str  # WKT of the file's CRS (the combined outputs are written in it)
    landslides: list[Landslide]


def read_inventory(path: Path, id_field: str = DEFAULT_ID_FIELD, date_field: str = DEFAULT_DATE_FIELD,
                   radius_m: float | None = None) -> Inventory:
    """Every landslide of the vector file ``path``; InputError with one sentence on bad input.

    A missing ``date_field`` is fine when it is the default (no dates); a named one must exist.
    """
    from tracking.ingest.prompt_files import _read_vector  # the prompt files' reader: same formats

    path = Path(path)
    gdf = _read_vector(path)
    if gdf.crs is None:
        raise InputError(f"{path.name} has no coordinate reference system; the batch needs georeferenced "
                         "outlines.")
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    if id_field not in gdf.columns:
        raise InputError(f"{path.name} has no id field '{id_field}' (fields: {', '.join(fields) or 'none'}); "
                         "name it with --id-field.")
    if date_field not in gdf.columns and date_field != DEFAULT_DATE_FIELD:
        raise InputError(f"{path.name} has no date field '{date_field}' (fields: {', '.join(fields) or 'none'}).")
    if len(gdf) == 0:
        raise InputError(f"{path.name} holds no landslide.")
    crs = gdf.crs.to_wkt()
    slides = []
    for n, (_, row) in enumerate(gdf.iterrows(), start=1):
        lid = _id(row[id_field], n, path)
        outline, outline_crs = _outline(row.geometry, row.get(RADIUS_FIELD), radius_m, gdf.crs, lid, path)
        day = _date(row.get(date_field), lid, path) if date_field in gdf.columns else None
        slides.append(Landslide(lid, _folder(lid), outline, outline_crs, day))
    _check_unique(slides, path)
    return Inventory(path, crs, slides)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT \
        or str(value).strip() == ""


def _id(value, n: int, path: Path) -> str:
    if _missing(value):
        raise InputError(f"Feature {n} of {path.name} has no id.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Shapefiles and GeoJSON may hand whole numbers back as floats
    return str(value).strip()


def _folder(lid: str) -> str:
    """The id as a folder name: letters, digits, '.', '_' and '-' kept, anything else '_'."""
    name = _UNSAFE.sub("_", lid).strip("._") or "landslide"
    return name


def _date(value, lid: str, path: Path) -> dt.date | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InputError(f"Landslide {lid} in {path.name} has a date '{value}' that is not YYYY-MM-DD.") from None


def _outline(geom, radius_value, radius_m: float | None, crs, lid: str, path: Path) -> tuple[BaseGeometry, str]:
    """(Polygon or MultiPolygon, its CRS as WKT): outlines as they are, points as circles."""
    if geom is None or geom.is_empty:
        raise InputError(f"Landslide {lid} in {path.name} has no geometry.")
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        if not geom.is_valid:
            geom = geom.buffer(0)  # self-touching rings from hand digitising
        return geom, crs.to_wkt()
    if geom.geom_type in ("Point", "MultiPoint"):
        radius = radius_m if _missing(radius_value) else _radius(radius_value, lid, path)
        if radius is None:
            raise InputError(f"Landslide {lid} in {path.name} is a point: give its radius in a '{RADIUS_FIELD}' "
                             "field or with --radius.")
        return _circle(geom, radius, crs)
    raise InputError(f"Landslide {lid} in {path.name} is a {geom.geom_type}; give outlines (polygons) or "
                     "points with a radius.")


def _radius(value, lid: str, path: Path) -> float:
    try:
        radius = float(value)
    except (TypeError, ValueError):
        radius = math.nan
    if not (math.isfinite(radius) and radius > 0):
        raise InputError(f"Landslide {lid} in {path.name} has a radius '{value}' that is not a positive "
                         "number of metres.")
    return radius


def _circle(geom: BaseGeometry, radius: float, crs) -> tuple[BaseGeometry, str]:
    """The point buffered by ``radius`` metres, in the file's CRS when metric, else its UTM zone."""
    from tracking.batch.window import metric_crs, reproject

    src = crs.to_wkt()
    dst = metric_crs(geom, src)
    return reproject(geom, src, dst).buffer(radius), dst


def _check_unique(slides: list[Landslide], path: Path) -> None:
    seen: dict[str, str] = {}
    for s in slides:
        if s.folder in seen:
            same = "twice" if seen[s.folder] == s.id else f"and {seen[s.folder]} (one output folder name)"
            raise InputError(f"{path.name} names landslide {s.id} {same}; ids must be unique.")
        seen[s.folder] = s.id
