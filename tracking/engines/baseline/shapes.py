"""Small mask operations shared by the baseline engine: distances, rings, components, discs."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

_EIGHT = np.ones((3, 3), bool)
# The background rings around a scar (the seasonal shift, the background samples) reach at
# most this far (px) out: the ground next to a scar is what it may turn into, and a deeper
# ring around a large scar adds more of the same ground at a cost in time.
RING_DEPTH = 48.0


def signed_distance(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> (H, W) float32 distance to the outline: > 0 outside, <= 0 inside.

    Outside, the distance is exact up to ``reach(mask)`` px from the mask and a lower bound
    (at least that reach) further out: every use here looks at most twice the band and a
    ring out, and a transform over the mask's surroundings instead of the whole frame is
    several times faster on a large frame with a small scar.
    """
    if not mask.any():
        return np.full(mask.shape, np.inf, np.float32)
    if mask.all():
        return np.full(mask.shape, -np.inf, np.float32)
    h, w = mask.shape
    top, bottom, left, right = box_bounds(mask)
    y0, y1, x0, x1 = box_bounds(mask, int(np.ceil(reach(mask))) + 1)
    # Beyond the window, the distance to the mask's bounding box bounds the true one from below.
    dy = np.maximum(np.maximum(top - np.arange(h), np.arange(h) - (bottom - 1)), 0).astype(np.float32)
    dx = np.maximum(np.maximum(left - np.arange(w), np.arange(w) - (right - 1)), 0).astype(np.float32)
    sd = np.hypot(dy[:, None], dx[None, :]) - 0.5
    crop = mask[y0:y1, x0:x1]
    sd[y0:y1, x0:x1] = ndi.distance_transform_edt(~crop) - 0.5
    # Inside, the nearest ground outside lies within a pixel of the bounding box.
    b0, b1, c0, c1 = box_bounds(mask, 1)
    box = mask[b0:b1, c0:c1]
    sd[b0:b1, c0:c1][box] = 0.5 - ndi.distance_transform_edt(box)[box]
    return sd.astype(np.float32)


def reach(mask: np.ndarray) -> float:
    """Distance (px) out to which ``signed_distance`` is exact: twice the band and the
    deepest ring, plus 8 px (the background ring starts at twice the band)."""
    return 2.0 * band_width(mask) + ring_depth(mask) + 8.0


def ring_depth(mask: np.ndarray) -> float:
    """Depth (px) of the background ring around a scar: one equivalent radius, at least 4 px
    and at most ``RING_DEPTH``."""
    return max(4.0, min(RING_DEPTH, equivalent_radius(mask)))


def label_medians(values: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """(len(ids),) float64 median of ``values`` (H, W) over each patch of ``labels`` (H, W) int
    named in ``ids`` (each present); as ``ndimage.median``, but sorting only those patches'
    pixels (several times faster on a large frame with many patches)."""
    ids = np.asarray(ids)
    if len(ids) == 0:
        return np.zeros(0)
    where = np.isin(labels, ids)
    lab, val = labels[where], values[where].astype(np.float64)
    order = np.lexsort((val, lab))
    lab, val = lab[order], val[order]
    start = np.searchsorted(lab, ids)
    n = np.searchsorted(lab, ids, side="right") - start
    return 0.5 * (val[start + (n - 1) // 2] + val[start + n // 2])


def equivalent_radius(mask: np.ndarray) -> float:
    """Radius in pixels of the disc with the mask's area."""
    return float(np.sqrt(mask.sum() / np.pi))


def band_width(mask: np.ndarray) -> float:
    """The scale (px) below which an outline's detail is noise, and within which it may move
    between two dates: a tenth of the mask's equivalent radius, at least 2 px."""
    return max(2.0, 0.1 * equivalent_radius(mask))


def ring(mask: np.ndarray, inner: float, outer: float, sd: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool: pixels outside ``mask`` at a distance in (inner, outer] pixels.

    sd: the mask's signed distance, if known."""
    d = signed_distance(mask) if sd is None else sd
    return (d > inner) & (d <= outer)


def components_touching(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The 8-connected components of ``mask`` that share a pixel with ``seeds``."""
    lab, n = ndi.label(mask, _EIGHT)
    if n == 0:
        return mask.copy()
    hit = np.unique(lab[seeds & mask])
    hit = hit[hit > 0]
    return np.isin(lab, hit)


def largest_components(mask: np.ndarray, fraction: float) -> np.ndarray:
    """Keep the largest component and those at least ``fraction`` of its area."""
    lab, n = ndi.label(mask, _EIGHT)
    if n <= 1:
        return mask.copy()
    sizes = np.bincount(lab.ravel())[1:]
    keep = np.flatnonzero(sizes >= fraction * sizes.max()) + 1
    return np.isin(lab, keep)


def frame_rim(shape: tuple[int, int], width: int) -> np.ndarray:
    """(H, W) bool: the pixels within ``width`` of the frame's edge."""
    rim = np.ones(shape, bool)
    rim[width:-width, width:-width] = False
    return rim


def box_bounds(mask: np.ndarray, margin: float = 0.0) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1): rows y0:y1 and columns x0:x1 of the (H, W) mask's bounding box grown
    by ``margin`` px and clipped to the frame (an infinite margin: the whole frame); None
    when the mask is empty."""
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    if len(rows) == 0:
        return None
    h, w = mask.shape
    m = int(np.ceil(min(margin, h + w)))
    return (max(0, int(rows[0]) - m), min(h, int(rows[-1]) + m + 1),
            max(0, int(cols[0]) - m), min(w, int(cols[-1]) + m + 1))


def grow_box(mask: np.ndarray, margin: float) -> np.ndarray:
    """(H, W) bool: the mask's bounding box grown by ``margin`` px (empty if the mask is)."""
    out = np.zeros(mask.shape, bool)
    bounds = box_bounds(mask, margin)
    if bounds is not None:
        y0, y1, x0, x1 = bounds
        out[y0:y1, x0:x1] = True
    return out


def fill_holes(mask: np.ndarray, radius: float | None = None) -> np.ndarray:
    """Fill the holes of a mask; with ``radius``, only those no wider than a disc of that
    radius (shadows and boulders in a scar), keeping an island a ring-shaped scar encloses."""
    filled = ndi.binary_fill_holes(mask)
    if radius is None:
        return filled
    holes = filled & ~mask
    labels, n = ndi.label(holes)
    if n == 0:
        return filled
    y0, y1, x0, x1 = box_bounds(holes)
    box = (slice(y0, y1), slice(x0, x1))  # holes never touch the frame's edge
    depth = ndi.maximum(ndi.distance_transform_edt(holes[box]), labels[box], np.arange(1, n + 1))
    small = np.concatenate([[False], np.asarray(depth) <= radius])
    return mask | small[labels]


def discs(shape: tuple[int, int], points: np.ndarray, radius: float) -> np.ndarray:
    """(H, W) bool: union of discs of ``radius`` px around points (K, 2) given as (x, y)."""
    out = np.zeros(shape, bool)
    if len(points) == 0:
        return out
    if radius >= np.hypot(*shape):  # e.g. infinite, from the depth of a mask filling the frame
        return ~out
    r = int(np.ceil(radius))
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    stamp = yy ** 2 + xx ** 2 <= radius ** 2
    h, w = shape
    for x, y in np.asarray(points):
        cy, cx = int(np.clip(round(float(y)), 0, h - 1)), int(np.clip(round(float(x)), 0, w - 1))
        y0, y1, x0, x1 = cy - r, cy + r + 1, cx - r, cx + r + 1
        sy0, sx0 = max(0, -y0), max(0, -x0)
        sy1, sx1 = stamp.shape[0] - max(0, y1 - h), stamp.shape[1] - max(0, x1 - w)
        out[max(0, y0):min(h, y1), max(0, x0):min(w, x1)] |= stamp[sy0:sy1, sx0:sx1]
    return out


def box_mask(shape: tuple[int, int], box: tuple[float, float, float, float]) -> np.ndarray:
    """(H, W) bool: pixels (column c, row r) with x0 < c + 1 and c <= x1, likewise for rows."""
    h, w = shape
    x0, y0, x1, y1 = box
    ys, xs = np.arange(h), np.arange(w)
    return ((ys + 1 > y0) & (ys <= y1))[:, None] & ((xs + 1 > x0) & (xs <= x1))[None, :]


def neighbour_inside(h: int, w: int, dy: int, dx: int) -> np.ndarray:
    """(H, W) bool: pixels whose neighbour at offset (dy, dx) lies inside an h x w frame."""
    ys = np.arange(h)[:, None] + dy
    xs = np.arange(w)[None, :] + dx
    return (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks (1.0 when both are empty)."""
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)
