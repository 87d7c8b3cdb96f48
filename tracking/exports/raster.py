"""Raster exports: the masks as one multi-band GeoTIFF, the evolution map as GeoTIFF.

On a pixel grid (``grid.crs is None``) the files carry no CRS and no transform.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from tracking.core.atomic import atomic_path
from tracking.core.grid import Grid
from tracking.core.raster_io import open_raster
from tracking.core.track import Track


def _profile(grid: Grid, count: int, dtype: str, nodata=None) -> dict:
    profile = dict(driver="GTiff", width=grid.width, height=grid.height, count=count, dtype=dtype,
                   compress="deflate", nodata=nodata)
    if grid.crs is not None:
        profile.update(crs=grid.crs, transform=grid.transform)
    if grid.width >= 256 and grid.height >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    return profile


def _write(path: Path, profile: dict, data: np.ndarray, descriptions: list[str], tags: dict) -> Path:
    with atomic_path(path, suffix=".tif") as tmp, open_raster(tmp, "w", **profile) as dst:
        dst.write(data)
        for band, text in enumerate(descriptions, start=1):
            dst.set_band_description(band, text)
        dst.update_tags(**tags)
    return path


def write_masks_tif(path: str | Path, track: Track, grid: Grid, dates: list[dt.date]) -> Path:
    """One uint8 band per date (band i = dates[i-1], its description the ISO date).

    Pixel values: 0 = background, else the object id.
    """
    if len(dates) != track.n_frames or track.n_frames == 0:
        raise ValueError(f"{len(dates)} dates for {track.n_frames} frames")
    data = np.stack([track.label_image(i) for i in range(track.n_frames)])
    tags = {"UNITS": grid.units, "VALUES": "0 = background, else object id"}
    return _write(Path(path), _profile(grid, len(dates), "uint8"), data,
                  [d.isoformat() for d in dates], tags)


def write_evolution_tif(path: str | Path, evolution: np.ndarray, grid: Grid, dates: list[dt.date]) -> Path:
    """The evolution map (H, W) int16: first frame index a pixel became scar, -1 (nodata) never.

    The tags ``DATE_<index>`` name the date of each index.
    """
    tags = {f"DATE_{i}": d.isoformat() for i, d in enumerate(dates)}
    tags["VALUES"] = "index of the first date the pixel became scar; -1 never"
    return _write(Path(path), _profile(grid, 1, "int16", nodata=-1), evolution[np.newaxis].astype(np.int16),
                  ["first scar date index"], tags)

