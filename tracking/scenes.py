"""One input scene: what is known about a file before any pixel is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from affine import Affine
from rasterio.crs import CRS


@dataclass(frozen=True)
class Scene:
    """One input image file of the landslide.

    ``crs`` is None for images without georeferencing (PNG/JPEG, plain TIFF);
    their ``transform`` is the identity, so x = column and y = row.
    ``band_names`` holds the band descriptions when the file has them, else "".
    """

    path: Path
    date: dt.date | None
    date_source: str  # "manifest", "filename", "tiff-tag" or "" when unknown
    sensor: str  # "Sentinel-2", "Landsat", "PlanetScope", "aerial", ... or ""
    band_count: int
    dtype: str  # numpy dtype name of the stored bands, e.g. "uint16"
    crs: CRS | None
    transform: Affine
    width: int
    height: int
    nodata: float | None
    band_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def georeferenced(self) -> bool:
        return self.crs is not None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the scene's own CRS (pixels when not georeferenced)."""
        t = self.transform
        xs = [t.c, t.c + t.a * self.width + t.b * self.height]
        ys = [t.f, t.f + t.d * self.width + t.e * self.height]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def pixel_size(self) -> float:
        """Mean absolute pixel size in CRS units (1.0 for pixel grids)."""
        return (abs(self.transform.a) + abs(self.transform.e)) / 2.0
