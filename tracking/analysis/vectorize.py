"""Masks to outlines: shapely (Multi)Polygons in the grid's CRS.

The raw outline follows pixel edges exactly (``rasterio.features.shapes``), so
its area equals the pixel count times the pixel area but its length is a
staircase, about 4/pi too long on a diagonal or curved edge. ``smooth`` cuts
every corner half a pixel back along its two edges (the marching-squares
outline of a binary mask), which gives a true-to-life perimeter; ``tolerance_px``
then drops vertices with Douglas-Peucker. Neither step moves the outline more
than half a pixel away from the pixel edges.
"""

from __future__ import annotations

import numpy as np
import shapely
from rasterio.features import shapes
from shapely.geometry import MultiPolygon, Polygon

from tracking.core.grid import Grid

#: Largest simplification tolerance, in pixels: beyond it vertices would move more than half a pixel.
MAX_TOLERANCE_PX = 0.5


def mask_to_shape(mask: np.ndarray, grid: Grid, smooth: bool = False,
                  tolerance_px: float = 0.0) -> MultiPolygon:
    """Outline of a mask as a MultiPolygon in grid coordinates (empty when the mask is).

    Parameters
    ----------
    mask : (H, W) bool
        The scar, on ``grid``.
    grid : Grid
        Gives the transform; coordinates are in the grid CRS (pixels for a pixel grid).
    smooth : bool
        Cut pixel corners half a pixel back (see the module notes).
    tolerance_px : float
        Douglas-Peucker tolerance in pixels, 0 to keep every vertex, at most 0.5.
    """
    mask = np.asarray(mask, bool)
    if mask.shape != grid.shape:
        raise ValueError(f"mask is {mask.shape}, grid is {grid.shape}")
    if not 0.0 <= tolerance_px <= MAX_TOLERANCE_PX:
        raise ValueError(f"tolerance_px must lie in 0..{MAX_TOLERANCE_PX}")
    if not mask.any():
        return MultiPolygon()
    coords, lengths, polygon_index = _pixel_rings(mask, grid)
    px = min(grid.pixel_size)
    if smooth:
        coords, lengths = _chamfer_rings(coords, lengths, 0.5 * px)
    polygons = _polygons(coords, lengths, polygon_index)
    # Polygons from ``shapes`` with one value never overlap, so they form a MultiPolygon as they are.
    geom = MultiPolygon(list(polygons))
    if tolerance_px > 0:
        simplified = _polygons(*_simplify_rings(coords, lengths, tolerance_px * px), polygon_index)
        # A part whose simplified rings cross keeps its full outline; so does the whole when parts overlap.
        candidate = MultiPolygon(list(np.where(shapely.is_valid(simplified), simplified, polygons)))
        if candidate.is_valid:
            geom = candidate
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _as_multipolygon(geom)


def _pixel_rings(mask: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixel-edge rings of the mask: (K, 2) open ring coordinates concatenated, ring sizes,
    and for each ring the index of its polygon (shell first, then holes)."""
    rings = [(np.asarray(ring, float)[:-1], k)
             for k, (geom, value) in enumerate(shapes(mask.astype(np.uint8), mask=mask, connectivity=4,
                                                      transform=grid.transform))
             if value == 1 for ring in geom["coordinates"]]
    coords = np.concatenate([r for r, _ in rings])
    lengths = np.array([len(r) for r, _ in rings])
    _, polygon_index = np.unique(np.array([k for _, k in rings]), return_inverse=True)
    return coords, lengths, polygon_index


def _polygons(coords: np.ndarray, lengths: np.ndarray, polygon_index: np.ndarray) -> np.ndarray:
    """Array of shapely Polygons from open rings (see ``_pixel_rings``)."""
    linear = shapely.linearrings(coords, indices=np.repeat(np.arange(len(lengths)), lengths))
    return shapely.polygons(linear, indices=polygon_index)


def _simplify_rings(coords: np.ndarray, lengths: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Douglas-Peucker on each open ring; no dropped vertex lies farther than ``tolerance``
    from the simplified ring (GEOS's own ring simplifiers may also drop the ring's start
    point, which breaks that bound). A ring that would fall below three points is kept whole."""
    out, sizes = [], []
    for start, n in zip(np.cumsum(lengths) - lengths, lengths):
        ring = coords[start:start + n]
        far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
        closed = np.vstack([ring, ring[:1]])
        keep = np.zeros(n + 1, bool)
        keep[: far + 1] |= _douglas_peucker(closed[: far + 1], tolerance)
        keep[far:] |= _douglas_peucker(closed[far:], tolerance)
        kept = closed[:-1][keep[:-1]]
        if len(kept) < 3:
            kept = ring
        out.append(kept)
        sizes.append(len(kept))
    return np.concatenate(out), np.array(sizes)


def _douglas_peucker(chain: np.ndarray, tolerance: float) -> np.ndarray:
    """(M,) bool: the vertices of an open chain (M, 2) that Douglas-Peucker keeps (both ends always)."""
    keep = np.zeros(len(chain), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(chain) - 1)]
    while stack:
        i, j = stack.pop()
        if j - i < 2:
            continue
        d = _segment_distance(chain[i + 1:j], chain[i], chain[j])
        k = int(np.argmax(d))
        if d[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return keep


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of each of ``points`` (K, 2) to the segment a-b."""
    ab = b - a
    denom = float(ab @ ab)
    t = np.clip(((points - a) @ ab) / denom, 0.0, 1.0) if denom > 0 else np.zeros(len(points))
    return np.hypot(*(points - (a + t[:, None] * ab)).T)


def _chamfer_rings(coords: np.ndarray, lengths: np.ndarray, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Replace each vertex of open rings (concatenated (K, 2) ``coords``, ring sizes ``lengths``)
    by two points ``cut`` back along its two edges; return the new coords and ring sizes.

    Edges of a pixel outline are at least one pixel long, so two cuts of half a
    pixel never cross; on a one-pixel staircase they meet at the edge midpoints,
    and the duplicate point is dropped.
    """
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    sizes = np.repeat(lengths, lengths)
    local = np.arange(len(coords)) - starts
    prev_pts = coords[starts + (local - 1) % sizes]
    next_pts = coords[starts + (local + 1) % sizes]
    to_prev, to_next = prev_pts - coords, next_pts - coords
    len_prev = np.hypot(*to_prev.T)[:, None]
    len_next = np.hypot(*to_next.T)[:, None]
    out = np.empty((2 * len(coords), 2))
    out[0::2] = coords + to_prev * np.minimum(cut, len_prev / 2) / np.maximum(len_prev, 1e-12)
    out[1::2] = coords + to_next * np.minimum(cut, len_next / 2) / np.maximum(len_next, 1e-12)
    ring = np.repeat(np.arange(len(lengths)), 2 * lengths)
    keep = np.ones(len(out), bool)
    same = np.all(np.abs(np.diff(out, axis=0)) <= 1e-9 * max(cut, 1.0), axis=1)
    keep[1:] = ~(same & (ring[1:] == ring[:-1]))
    return out[keep], np.bincount(ring[keep], minlength=len(lengths))


def _as_multipolygon(geom) -> MultiPolygon:
    """Keep only the polygonal parts of ``geom`` as one MultiPolygon."""
    parts = []
    for g in getattr(geom, "geoms", [geom]):
        if isinstance(g, Polygon) and not g.is_empty:
            parts.append(g)
        elif isinstance(g, MultiPolygon):
            parts.extend(p for p in g.geoms if not p.is_empty)
        elif hasattr(g, "geoms"):
            parts.extend(_as_multipolygon(g).geoms)
    return MultiPolygon(parts)


def scar_outline(mask: np.ndarray, grid: Grid) -> MultiPolygon:
    """The outline the measures and exports use: smoothed, simplified at half a pixel.

    Its length is ``perimeter_m``; on a digitised disc it is within a few per cent
    of the true circumference, where the raw pixel staircase is 27 % too long.
    """
    return mask_to_shape(mask, grid, smooth=True, tolerance_px=MAX_TOLERANCE_PX)
