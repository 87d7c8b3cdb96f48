"""The common analysis grid every frame is resampled onto."""

from __future__ import annotations

from dataclasses import dataclass

from affine import Affine
from rasterio.crs import CRS


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: ``crs`` is projected (metres) or None for a pixel grid.

    For a pixel grid (non-georeferenced inputs) the transform is the identity and
    areas are in square pixels (``is_metric`` is the one rule; ``tracking.core.units``
    names and converts the units).
    """

    crs: CRS | None
    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def pixel_size(self) -> tuple[float, float]:
        return (abs(self.transform.a), abs(self.transform.e))

    @property
    def pixel_area_m2(self) -> float:
        """Area of one pixel in m² (in px² = 1.0 for a pixel grid)."""
        return abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    @property
    def is_metric(self) -> bool:
        """True when the grid has a known ground size, so areas are in m² and lengths in metres.

        That is a CRS, or (a pixel size given without a CRS) any transform other
        than the image's own: 1 unit per pixel, rows counted down (a + 1, e + 1,
        no rotation; a crop may shift it). A pixel grid is measured in pixels.
        """
        if self.crs is not None:
            return True
        t = self.transform
        return not (t.a == 1.0 and t.e == 1.0 and t.b == 0.0 and t.d == 0.0)

    @property
    def units(self) -> str:
        """The base length unit, "m" or "px" (areas are in its square); see ``is_metric``."""
        return "m" if self.is_metric else "px"

    def to_dict(self) -> dict:
        return {
            "crs": self.crs.to_string() if self.crs is not None else None,
            "transform": list(self.transform)[:6],
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Grid":
        crs = CRS.from_user_input(d["crs"]) if d.get("crs") else None
        return cls(crs, Affine(*d["transform"]), int(d["width"]), int(d["height"]))
