"""Small generated Frames for any test: one ``make_frames`` for every kind of series the tests need.

Every series is made on the fly (nothing committed); the same arguments give the same pixels.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Callable, Iterable, Sequence

import numpy as np
from affine import Affine
from rasterio.crs import CRS

from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.spectral import Spectral

#: UTM zone 48 N (the Wenchuan area), the CRS of every projected test grid.
UTM = CRS.from_epsg(32648)
FIRST_DATE = dt.date(2018, 1, 1)
STEP_DAYS = 90


def utm_grid(width: int = 40, height: int = 30, pixel: float = 10.0) -> Grid:
    """A north-up UTM 48N grid with square pixels of ``pixel`` metres, origin (400000, 3400000)."""
    return Grid(UTM, Affine(pixel, 0.0, 400000.0, 0.0, -pixel, 3400000.0), width, height)


def pixel_grid(width: int = 40, height: int = 30) -> Grid:
    """A grid without georeferencing: plain images are measured in pixels."""
    return Grid(None, Affine.identity(), width, height)


def noise_images(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """(n, height, width, 3) uint8 uniform random noise."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (n, height, width, 3), dtype=np.uint8)


def blob_images(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """(n, height, width, 3) uint8: a bright disc drifting one pixel right per frame over dark noise."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 120, (n, height, width, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:height, :width]
    for i in range(n):
        cy, cx = height / 2, width / 3 + i
        images[i][(yy - cy) ** 2 + (xx - cx) ** 2 < (height / 5) ** 2] = (200, 180, 150)
    return images


def smooth_images(n: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    """(n, height, width, 3) uint8: a smooth grey-green pattern, slightly brighter each frame (no randomness)."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([60 + (xx * 3) % 80, 90 + (yy * 5) % 70, 50 + ((xx + yy) * 2) % 60], axis=-1)
    return np.stack([(base + 4 * i) % 256 for i in range(n)]).astype(np.uint8)


PATTERNS: dict[str, Callable[[int, int, int, int], np.ndarray]] = {
    "noise": noise_images, "blob": blob_images, "smooth": smooth_images}


def make_frames(n: int | None = None, size: int | tuple[int, int] = 32, *, pattern: str = "noise",
                images: np.ndarray | None = None, grid: Grid | None = None, dates: Sequence[dt.date] | None = None,
                bad: Iterable[int] = (), cloud: float = 0.9, seed: int = 0,
                names: Sequence[str] | None = None) -> Frames:
    """A Frames series for tests.

    The images are ``images`` (N, H, W, 3) uint8 when given, else ``n`` frames (6, or one per
    date) of ``pattern`` ("noise", "blob" or "smooth", see PATTERNS) made with ``seed``, of the
    grid's shape or ``size`` (side, or (height, width)). The grid defaults to a 10 m UTM 48N grid
    of that shape; dates to one every 90 days from 2018-01-01; names to s0.tif, s1.tif...
    Frames in ``bad`` are flagged cloudy (``cloud`` fraction covered, over the 30 % limit).
    """
    if images is None:
        count = n if n is not None else len(dates) if dates is not None else 6
        height, width = grid.shape if grid is not None else (size, size) if isinstance(size, int) else size
        images = PATTERNS[pattern](count, height, width, seed)
    count, height, width = images.shape[:3]
    grid = grid if grid is not None else utm_grid(width, height)
    dates = list(dates) if dates is not None else [FIRST_DATE + dt.timedelta(days=STEP_DAYS * i) for i in range(count)]
    names = list(names) if names is not None else [f"s{i}.tif" for i in range(count)]
    bad = set(bad)
    quality = [FrameQuality(cloud, 0.0, 0.0, True, (f"cloud {cloud:.0%} > 30%",)) if i in bad
               else FrameQuality(0.0, 0.0, 0.0, False) for i in range(count)]
    return Frames(images, np.ones((count, height, width), bool), dates, names, grid, quality)


def with_nir(frames: Frames, seed: int = 0, missing: Iterable[int] = ()) -> Frames:
    """``frames`` with generated red and NIR bands (reflectance 0..0.5), NaN NIR on frames ``missing``."""
    rng = np.random.default_rng(seed)
    shape = (len(frames),) + frames.shape
    red = rng.uniform(0.02, 0.2, shape).astype(np.float32)
    nir = rng.uniform(0.1, 0.5, shape).astype(np.float32)
    nir[list(missing)] = np.nan
    return dataclasses.replace(frames, spectral=Spectral({"red": red, "nir": nir}))
