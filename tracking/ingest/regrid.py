"""One grid for the whole series: choose it, and read each scene onto it.

The grid is projected in metres (the reference scene's CRS, or the UTM zone of the area
when the scenes are geographic), north-up, with the finest input pixel size unless told
otherwise. Each scene contributes only the window that covers the grid, read decimated
when the scene is much finer than the grid, then warped with bilinear resampling.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import CRSError, RasterioError
from rasterio.warp import calculate_default_transform, reproject, transform, transform_bounds
from rasterio.windows import Window

from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.core.raster_io import open_raster
from tracking.core.settings import Limits, limits_or_current
from tracking.ingest.georef import Georeference, plain_grid
from tracking.ingest.headers import megapixels
from tracking.ingest.scenes import Scene

#: Source pixels read beyond the grid's footprint so bilinear resampling has neighbours.
_MARGIN = 2
_DENSIFY = 21

try:  # GDAL errors raised through rasterio are not all RasterioError subclasses
    from rasterio._err import CPLE_BaseError
except ImportError:  # pragma: no cover - private module moved
    CPLE_BaseError = RasterioError


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS 84 / UTM zone CRS (EPSG 326xx north, 327xx south) holding ``lon``, ``lat``."""
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90:
        raise InputError(f"The position ({lon}, {lat}) is not a valid longitude/latitude.")
    lon = (lon + 180.0) % 360.0 - 180.0
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def choose_grid(scenes: Sequence[Scene], reference: int = 0, resolution: float | None = None,
                aoi: tuple[float, float, float, float] | None = None,
                aoi_crs: str | None = None, georef: Georeference | None = None) -> Grid:
    """The common analysis grid for ``scenes``.

    aoi: (left, bottom, right, top) in ``aoi_crs``; when ``aoi_crs`` is None the box is read as
        longitude/latitude if it fits their ranges, else in the reference scene's CRS.
    resolution: pixel size in metres; default the finest input pixel size.
    Scenes without georeferencing give a pixel grid the size of the reference image
    (an AOI cannot apply to them; ``resolution`` is ignored), placed on the ground by
    ``georef`` when the analyst gave one (:mod:`tracking.ingest.georef`).
    Raises InputError on an empty list, a bad reference, mixed georeferenced and plain
    images, a bad AOI or resolution, or a grid larger than the server's limit
    (:func:`check_grid`).
    """
    if not scenes:
        raise InputError("There are no scenes to put on a grid.")
    if not 0 <= reference < len(scenes):
        raise InputError(f"The reference scene number {reference + 1} is not in the series "
                         f"of {len(scenes)} scenes.")
    ref = scenes[reference]
    _check_same_kind(scenes, ref)
    if not ref.georeferenced:
        if aoi is not None:
            raise InputError(f"An area of interest needs georeferenced scenes, and {ref.name} "
                             "has no coordinate reference system.")
        check_grid(ref.width, ref.height)  # the server's limit (tracking.core.settings)
        return plain_grid(ref.width, ref.height, georef, ref.world_transform, ref.name)
    if resolution is not None and not (math.isfinite(resolution) and resolution > 0):
        raise InputError(f"The resolution {resolution} is not a positive number of metres.")
    if aoi is not None:
        aoi, aoi_crs = _check_aoi(aoi, aoi_crs, ref)
    crs = _grid_crs(ref, aoi, aoi_crs)
    res = float(resolution) if resolution is not None else finest_pixel_size(scenes, crs)
    if aoi is not None:
        bounds = _to_crs(aoi, aoi_crs, crs, what="The area of interest")
    else:
        bounds = _to_crs(ref.bounds, ref.crs, crs, what=ref.name)
    origin = (ref.transform.c, ref.transform.f) if ref.crs == crs else (0.0, 0.0)
    return _aligned_grid(crs, bounds, res, origin)


def _check_same_kind(scenes: Sequence[Scene], ref: Scene) -> None:
    for scene in scenes:
        if scene.georeferenced != ref.georeferenced:
            plain, geo = (scene, ref) if ref.georeferenced else (ref, scene)
            raise InputError(f"{plain.name} has no coordinate reference system while {geo.name} has "
                             "one; georeferenced and plain images cannot share one grid.")


def _check_aoi(aoi, aoi_crs, ref: Scene) -> tuple[tuple[float, float, float, float], CRS]:
    try:
        left, bottom, right, top = (float(v) for v in aoi)
    except (TypeError, ValueError):
        raise InputError(f"The area of interest {aoi!r} is not four numbers "
                         "(left, bottom, right, top).") from None
    if not all(map(math.isfinite, (left, bottom, right, top))) or left >= right or bottom >= top:
        raise InputError(f"The area of interest ({left}, {bottom}, {right}, {top}) is empty: "
                         "give left < right and bottom < top.")
    if aoi_crs is None:
        lonlat = -180 <= left and right <= 180 and -90 <= bottom and top <= 90
        crs = CRS.from_epsg(4326) if lonlat else ref.crs
    else:
        try:
            crs = CRS.from_user_input(aoi_crs)
        except CRSError:
            raise InputError(f"The area of interest's CRS {aoi_crs!r} is not a known "
                             "coordinate reference system.") from None
    return (left, bottom, right, top), crs


def is_metric(crs: CRS) -> bool:
    """Whether ``crs`` is projected with metres as its linear unit."""
    if not crs.is_projected:
        return False
    try:
        return abs(crs.linear_units_factor[1] - 1.0) < 1e-9
    except CRSError:
        return False


def _grid_crs(ref: Scene, aoi, aoi_crs) -> CRS:
    if is_metric(ref.crs):
        return ref.crs
    if aoi is not None:
        box, src = aoi, aoi_crs
    else:
        box, src = ref.bounds, ref.crs
    lons, lats = transform(src, "EPSG:4326", [(box[0] + box[2]) / 2], [(box[1] + box[3]) / 2])
    return utm_crs_for(lons[0], lats[0])


def finest_pixel_size(scenes: Sequence[Scene], crs: CRS) -> float:
    """The smallest pixel size of ``scenes``, in the units (metres) of ``crs``."""
    sizes = []
    for scene in scenes:
        if is_metric(scene.crs):
            sizes.append(min(abs(scene.transform.a), abs(scene.transform.e)) or scene.pixel_size)
            continue
        try:
            tr, _, _ = calculate_default_transform(scene.crs, crs, scene.width, scene.height,
                                                   *scene.bounds)
        except (RasterioError, CPLE_BaseError, ValueError) as exc:
            raise InputError(f"{scene.name} cannot be projected to {crs.to_string()} ({exc}).") from None
        sizes.append(min(abs(tr.a), abs(tr.e)))
    size = min(s for s in sizes if s > 0)
    return float(f"{size:.6g}")  # drop float noise from the projection maths


def _to_crs(bounds, src: CRS, dst: CRS, what: str) -> tuple[float, float, float, float]:
    if src == dst:
        return tuple(bounds)
    try:
        out = transform_bounds(src, dst, *bounds, densify_pts=_DENSIFY)
    except (RasterioError, CPLE_BaseError, ValueError) as exc:
        raise InputError(f"{what} cannot be projected to {dst.to_string()} ({exc}).") from None
    if not all(map(math.isfinite, out)):
        raise InputError(f"{what} lies outside the area {dst.to_string()} can represent.")
    return out


def _aligned_grid(crs: CRS, bounds, res: float, origin: tuple[float, float]) -> Grid:
    left, bottom, right, top = bounds
    ox, oy = origin
    eps = 1e-6
    x0 = ox + math.floor((left - ox) / res + eps) * res
    x1 = ox + math.ceil((right - ox) / res - eps) * res
    y0 = oy + math.floor((bottom - oy) / res + eps) * res
    y1 = oy + math.ceil((top - oy) / res - eps) * res
    width, height = max(1, round((x1 - x0) / res)), max(1, round((y1 - y0) / res))
    check_grid(width, height)  # the server's limit (tracking.core.settings)
    return Grid(crs, Affine(res, 0.0, x0, 0.0, -res, y1), width, height)


# -- reading -------------------------------------------------------------------------------

def read_onto_grid(scene: Scene, grid: Grid, bands: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Read ``bands`` (1-based) of ``scene`` resampled onto ``grid``.

    Returns values (B, H, W) float32 in the scene's own units (NaN where invalid) and a
    valid mask (H, W) bool, False for nodata, NaN, masked pixels or outside the scene.
    Only the window of the scene that covers the grid is read (decimated when the scene is
    at least twice as fine as the grid). Plain images on a pixel grid are resized to it.
    Raises InputError naming the file when it does not overlap the grid or cannot be read.
    """
    bands = [int(b) for b in bands]
    bad = [b for b in bands if not 1 <= b <= scene.band_count]
    if not bands or bad:
        raise InputError(f"{scene.name} has {scene.band_count} band(s); band(s) "
                         f"{', '.join(map(str, bad or bands))} cannot be read.")
    if scene.georeferenced and grid.crs is None:
        raise InputError(f"{scene.name} has georeferencing but the grid does not; it cannot be placed "
                         "on the grid.")
    try:
        with open_raster(scene.path) as src:
            if not scene.georeferenced:  # a plain image covers the whole grid (placed by the analyst)
                return _read_resized(src, grid, bands)
            return _read_warped(src, scene, grid, bands)
    except InputError:
        raise
    except (RasterioError, CPLE_BaseError, OSError, MemoryError) as exc:
        reason = str(exc).strip().rstrip(".") or type(exc).__name__
        raise InputError(f"{scene.name} could not be read ({reason}).") from None


def _read_resized(src, grid: Grid, bands: list[int]) -> tuple[np.ndarray, np.ndarray]:
    shape = (len(bands), grid.height, grid.width)
    same = (src.height, src.width) == grid.shape
    data = src.read(bands, out_shape=shape, out_dtype="float32",
                    resampling=Resampling.nearest if same else Resampling.bilinear)
    masks = src.read_masks(bands, out_shape=shape, resampling=Resampling.nearest)
    valid = (masks != 0).all(axis=0) & np.isfinite(data).all(axis=0)
    data[:, ~valid] = np.nan
    return data, valid


def source_window(scene: Scene, grid: Grid) -> tuple[Window, int]:
    """The window of ``scene`` (with a resampling margin) covering ``grid``, and the decimation
    factor (>= 1) to read it with. Raises InputError when they do not overlap."""
    left, bottom, right, top = grid.bounds
    t = np.linspace(0.0, 1.0, _DENSIFY)
    xs = np.concatenate([left + (right - left) * t, np.full_like(t, right),
                         right - (right - left) * t, np.full_like(t, left)])
    ys = np.concatenate([np.full_like(t, top), top - (top - bottom) * t,
                         np.full_like(t, bottom), bottom + (top - bottom) * t])
    if scene.crs != grid.crs:
        xs, ys = transform(grid.crs, scene.crs, xs, ys)
    cols, rows = ~scene.transform @ (np.asarray(xs, float), np.asarray(ys, float))
    ok = np.isfinite(cols) & np.isfinite(rows)
    if not ok.any():
        raise InputError(f"{scene.name} does not overlap the grid (area of interest or reference scene).")
    c0, c1, r0, r1 = cols[ok].min(), cols[ok].max(), rows[ok].min(), rows[ok].max()
    if c1 <= 0 or r1 <= 0 or c0 >= scene.width or r0 >= scene.height:
        raise InputError(f"{scene.name} does not overlap the grid (area of interest or reference scene).")
    ratio = min((c1 - c0) / grid.width, (r1 - r0) / grid.height)
    factor = max(1, int(math.floor(ratio + 1e-6)))
    margin = _MARGIN * factor
    col0 = max(0, int(math.floor(c0)) - margin)
    row0 = max(0, int(math.floor(r0)) - margin)
    col1 = min(scene.width, int(math.ceil(c1)) + margin)
    row1 = min(scene.height, int(math.ceil(r1)) + margin)
    return Window(col0, row0, col1 - col0, row1 - row0), factor


def _pixel_offset(scene: Scene, grid: Grid) -> tuple[int, int] | None:
    """(col, row) of the grid's top-left pixel in the scene when the scene lies on the grid's
    own pixel lattice (same CRS and pixel size, whole-pixel offset), else None."""
    s, g = scene.transform, grid.transform
    if scene.crs != grid.crs or s.b or s.d or not np.isclose([s.a, s.e], [g.a, g.e], rtol=1e-9).all():
        return None
    col, row = (g.c - s.c) / s.a, (g.f - s.f) / s.e
    if abs(col - round(col)) > 1e-6 or abs(row - round(row)) > 1e-6:
        return None
    return int(round(col)), int(round(row))


def _read_aligned(src, scene: Scene, grid: Grid, bands: list[int],
                  offset: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Copy the grid's pixels straight out of a scene on the same lattice (no resampling)."""
    col, row = offset
    c0, r0 = max(col, 0), max(row, 0)
    c1, r1 = min(col + grid.width, scene.width), min(row + grid.height, scene.height)
    if c1 <= c0 or r1 <= r0:
        raise InputError(f"{scene.name} does not overlap the grid (area of interest or reference scene).")
    window = Window(c0, r0, c1 - c0, r1 - r0)
    data = src.read(bands, window=window, out_dtype="float32")
    ok = (src.read_masks(bands, window=window) != 0).all(axis=0) & np.isfinite(data).all(axis=0)
    out = np.full((len(bands), grid.height, grid.width), np.nan, dtype=np.float32)
    valid = np.zeros(grid.shape, dtype=bool)
    rows, cols = slice(r0 - row, r1 - row), slice(c0 - col, c1 - col)
    out[:, rows, cols] = np.where(ok, data, np.nan)
    valid[rows, cols] = ok
    return out, valid


def _read_warped(src, scene: Scene, grid: Grid, bands: list[int]) -> tuple[np.ndarray, np.ndarray]:
    offset = _pixel_offset(scene, grid)
    if offset is not None:
        return _read_aligned(src, scene, grid, bands, offset)
    window, factor = source_window(scene, grid)
    out_h = max(1, math.ceil(window.height / factor))
    out_w = max(1, math.ceil(window.width / factor))
    shape = (len(bands), out_h, out_w)
    data = src.read(bands, window=window, out_shape=shape, out_dtype="float32",
                    resampling=Resampling.average if factor > 1 else Resampling.nearest)
    masks = src.read_masks(bands, window=window, out_shape=shape, resampling=Resampling.nearest)
    ok = (masks != 0).all(axis=0) & np.isfinite(data).all(axis=0)
    data[:, ~ok] = np.nan
    del masks, ok
    src_transform = src.window_transform(window) @ Affine.scale(window.width / out_w,
                                                                window.height / out_h)
    out = np.full((len(bands), grid.height, grid.width), np.nan, dtype=np.float32)
    reproject(data, out, src_transform=src_transform, src_crs=scene.crs, src_nodata=np.nan,
              dst_transform=grid.transform, dst_crs=grid.crs, dst_nodata=np.nan,
              resampling=Resampling.bilinear)
    valid = np.isfinite(out).all(axis=0)
    out[:, ~valid] = np.nan
    return out, valid


def check_grid(width: int, height: int, limits: Limits | None = None) -> None:
    """Refuse an analysis grid (one frame) of more than ``max_grid_pixels``."""
    lim = limits_or_current(limits)
    if int(width) * int(height) > lim.max_grid_pixels:
        raise InputError(f"The analysis grid would be {int(width):,} x {int(height):,} pixels, more than the "
                         f"{megapixels(lim.max_grid_pixels)} allowed; choose a smaller area of interest or a "
                         f"coarser resolution.")
