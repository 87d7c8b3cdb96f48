"""Placing plain images (PNG/JPEG screenshots, TIFFs without a CRS) on the ground.

A plain image says nothing about its size on the ground, so its grid is measured in
pixels. The analyst can give what is known, in one of three ways (the first that applies):

- corner coordinates and a CRS: the reference image spans (left, bottom, right, top) in
  that CRS; areas and outlines come out in metres and the exports carry the CRS;
- a CRS for world files: each image's world file (.pgw/.jgw/.wld/.tfw beside it, which
  GDAL reads by itself) gives its position in that CRS;
- a ground pixel size in metres: no position, but areas and lengths in metres (the
  exports say metres and claim no CRS).

Nothing here reads pixels; :func:`tracking.ingest.regrid.choose_grid` applies it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import CRSError
from rasterio.transform import from_bounds

from tracking.core.errors import InputError
from tracking.core.grid import Grid


@dataclass(frozen=True)
class Georeference:
    """What the analyst knows about where plain images lie (see the module docstring).

    pixel_size_m: ground size of one pixel in metres, or None.
    crs: the CRS of ``corners`` or of the world files ("EPSG:32648"), or None.
    corners: (left, bottom, right, top) of the reference image in ``crs``, or None.
    """

    pixel_size_m: float | None = None
    crs: str | None = None
    corners: tuple[float, float, float, float] | None = None

    @property
    def mode(self) -> str:
        """"corners", "world", "pixel_size" or "" (pixels only)."""
        if self.crs and self.corners:
            return "corners"
        if self.crs:
            return "world"
        return "pixel_size" if self.pixel_size_m else ""

    def to_dict(self) -> dict:
        return {"pixel_size_m": self.pixel_size_m, "crs": self.crs,
                "corners": list(self.corners) if self.corners is not None else None}

    @classmethod
    def from_dict(cls, d: dict | None) -> "Georeference | None":
        if not d:
            return None
        corners = d.get("corners")
        size = d.get("pixel_size_m")
        return cls(pixel_size_m=float(size) if size is not None else None, crs=d.get("crs") or None,
                   corners=tuple(float(v) for v in corners) if corners is not None else None)


def parse_crs(text: str) -> CRS:
    """A projected CRS in metres from "32648", "EPSG:32648" or a WKT/PROJ string; InputError otherwise."""
    text = str(text).strip()
    try:
        crs = CRS.from_epsg(int(text)) if text.isdigit() else CRS.from_user_input(text)
    except (CRSError, ValueError):
        raise InputError(f"'{text[:40]}' is not a known coordinate reference system; give an EPSG code "
                         "such as 32648 (WGS 84 / UTM zone 48N).") from None
    if not crs.is_projected or abs(crs.linear_units_factor[1] - 1.0) > 1e-9:
        raise InputError(f"{crs.to_string()} is not a projected CRS in metres; give one such as a UTM zone, "
                         "so that areas come out in square metres.")
    return crs


def plain_grid(width: int, height: int, georef: Georeference | None, world: Affine | None = None,
               name: str = "the reference image") -> Grid:
    """The grid of a plain reference image of ``width`` x ``height`` pixels.

    ``world``: its transform from a world file (None when it has none). Raises InputError
    for a bad pixel size, corners or CRS, or world-file mode without a world file.
    """
    mode = georef.mode if georef is not None else ""
    if mode == "corners":
        crs = parse_crs(georef.crs)
        left, bottom, right, top = georef.corners
        if not all(map(math.isfinite, georef.corners)) or left >= right or bottom >= top:
            raise InputError(f"The corners ({left}, {bottom}, {right}, {top}) are not a box: give left < right "
                             "and bottom < top.")
        return Grid(crs, from_bounds(left, bottom, right, top, width, height), width, height)
    if mode == "world":
        crs = parse_crs(georef.crs)
        if world is None or world.is_identity:
            raise InputError(f"{name} has no world file beside it (.pgw, .jgw, .wld or .tfw with the same "
                             "name); upload it with the image, or give the corner coordinates instead.")
        if world.b or world.d:
            raise InputError(f"The world file of {name} describes a rotated image; only north-up images "
                             "are supported.")
        return Grid(crs, world, width, height)
    if mode == "pixel_size":
        size = georef.pixel_size_m
        if not (math.isfinite(size) and 0 < size <= 10_000):
            raise InputError(f"The pixel size {size} is not a positive number of metres (at most 10 km).")
        # north up from a local origin at the bottom left (y grows upwards, as a GIS expects);
        # a transform other than the image's own is what makes the grid metric (Grid.is_metric)
        return Grid(None, Affine(size, 0.0, 0.0, 0.0, -size, height * size), width, height)
    return Grid(None, Affine.identity(), width, height)
