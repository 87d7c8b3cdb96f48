"""Tiny generated frames and tracks for the analytics, export and report tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.track import Provenance, Track

UTM = CRS.from_epsg(32648)


def utm_grid(width: int = 40, height: int = 30, pixel: float = 10.0) -> Grid:
    """A north-up UTM 48N grid with square pixels of ``pixel`` metres."""
    return Grid(UTM, Affine(pixel, 0.0, 400000.0, 0.0, -pixel, 3400000.0), width, height)


def pixel_grid(width: int = 40, height: int = 30) -> Grid:
    return Grid(None, Affine.identity(), width, height)


def disc(shape: tuple[int, int], cx: float, cy: float, r: float) -> np.ndarray:
    """(H, W) bool: pixel centres within ``r`` pixels of (cx, cy) (column, row)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r


def rect(shape: tuple[int, int], r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    m = np.zeros(shape, bool)
    m[r0:r1, c0:c1] = True
    return m


def make_frames(grid: Grid, dates: list[dt.date], bad: set[int] = frozenset()) -> Frames:
    """Frames of a smooth grey-green pattern on ``grid`` (one per date); ``bad`` frames flagged cloudy."""
    h, w = grid.shape
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([60 + (xx * 3) % 80, 90 + (yy * 5) % 70, 50 + ((xx + yy) * 2) % 60], axis=-1)
    images = np.stack([(base + 4 * i) % 256 for i in range(len(dates))]).astype(np.uint8)
    quality = [FrameQuality(0.5 if i in bad else 0.0, 0.0, 0.0, i in bad, ("cloud 50% > 30%",) if i in bad else ())
               for i in range(len(dates))]
    return Frames(images, np.ones(images.shape[:3], bool), list(dates), [f"scene_{d}.tif" for d in dates],
                  grid, quality)


def growing_track(grid: Grid, dates: list[dt.date], radii: list[float], second_object: bool = False) -> Track:
    """A disc scar (object 1) of the given radii (pixels) per date; optionally a fixed square object 2."""
    track = Track.empty(len(dates), grid.shape)
    obj = track.obj(1)
    h, w = grid.shape
    for i, r in enumerate(radii):
        obj.masks[i] = disc(grid.shape, w / 3, h / 2, r)
        obj.provenance[i] = Provenance.PROMPTED if i == 0 else Provenance.PROPAGATED
        obj.confidence[i] = 0.9
    if second_object:
        two = track.obj(2)
        for i in range(len(dates)):
            two.masks[i] = rect(grid.shape, 2, 6, w - 8, w - 3)
            two.provenance[i] = Provenance.PROMPTED if i == 0 else Provenance.PROPAGATED
            two.confidence[i] = 0.8
    return track


DATES = [dt.date(2018, 6, 1), dt.date(2018, 9, 1), dt.date(2019, 7, 15), dt.date(2021, 5, 2)]
