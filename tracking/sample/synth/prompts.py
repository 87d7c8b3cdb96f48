"""The analyst's first-date prompts, derived from the first true mask.

The outline polygon (the mask's pixel outline, collinear vertices dropped), three clicks
well inside the scar and two just outside it, and the scar's bounding box.
"""

from __future__ import annotations

import numpy as np
from affine import Affine
from rasterio.features import shapes
from scipy import ndimage
from shapely.geometry import Polygon, mapping, shape


def outline(mask: np.ndarray, transform: Affine) -> Polygon:
    """The largest polygon of ``mask`` (H, W) bool in the transform's CRS, lightly simplified."""
    polys = [shape(geom) for geom, value in shapes(mask.astype(np.uint8), mask=mask, transform=transform)
             if value == 1]
    if not polys:
        raise ValueError("the first true mask is empty")
    poly = max(polys, key=lambda g: g.area)
    return poly.simplify(0.5 * abs(transform.a), preserve_topology=True)


def _spread(candidates: np.ndarray, first: np.ndarray, count: int) -> list[np.ndarray]:
    """Farthest-point sampling: ``count`` rows of (N, 2) ``candidates``, starting after ``first``."""
    chosen = [first]
    dist = np.hypot(*(candidates - first).T)
    for _ in range(count):
        i = int(np.argmax(dist))
        chosen.append(candidates[i])
        dist = np.minimum(dist, np.hypot(*(candidates - candidates[i]).T))
    return chosen


def click_pixels(mask: np.ndarray) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(3 positive, 2 negative) clicks as (row, col).

    Positives: the pixel deepest inside the scar, then two more at least half as deep,
    spread apart. Negatives: two pixels 3 to 7 pixels outside the scar, on opposite
    sides of it, away from the image border.
    """
    inside = ndimage.distance_transform_edt(mask)
    deep = np.argwhere(inside >= 0.5 * inside.max())
    first = np.array(np.unravel_index(int(np.argmax(inside)), mask.shape))
    positives = _spread(deep, first, 2)
    outside = ndimage.distance_transform_edt(~mask)
    ring = (outside >= 3) & (outside <= 7)
    border = 5
    ring[:border] = ring[-border:] = False
    ring[:, :border] = ring[:, -border:] = False
    cand = np.argwhere(ring)
    centre = np.argwhere(mask).mean(axis=0)
    far = cand[int(np.argmax(np.hypot(*(cand - centre).T)))]
    negatives = _spread(cand, far, 1)
    return ([tuple(int(v) for v in p) for p in positives], [tuple(int(v) for v in p) for p in negatives])


def pixel_to_point(row: int, col: int, transform: Affine) -> dict:
    """A GeoJSON Point at the centre of pixel (row, col)."""
    x, y = transform @ (col + 0.5, row + 0.5)
    return {"type": "Point", "coordinates": [round(x, 2), round(y, 2)]}


def bbox_polygon(mask: np.ndarray, transform: Affine) -> dict:
    """A GeoJSON Polygon of ``mask``'s bounding box (pixel edges), counter-clockwise."""
    rows, cols = np.nonzero(mask)
    x0, y0 = transform @ (int(cols.min()), int(rows.min()))
    x1, y1 = transform @ (int(cols.max()) + 1, int(rows.max()) + 1)
    ring = [[x0, y1], [x1, y1], [x1, y0], [x0, y0], [x0, y1]]  # counter-clockwise
    return {"type": "Polygon", "coordinates": [ring]}


def polygon_geometry(poly: Polygon) -> dict:
    """A GeoJSON geometry of ``poly`` with coordinates rounded to the centimetre."""
    geom = mapping(poly)
    return {"type": geom["type"], "coordinates": [[[round(x, 2), round(y, 2)] for x, y in ring]
                                                  for ring in geom["coordinates"]]}
