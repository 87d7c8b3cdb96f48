"""What a box says about the shape of the object drawn around it.

Two rules of a box prompt, applied to the nodes a box segmentation found:

- Tightness (Lempitsky et al., 2009): a box is drawn tight around its object, so the
  object touches each of the box's four sides.
- Through-going strips: a road, a canal or a river crossing the box is a long strip
  narrower than the object's body that runs out of the box through its side; the scar
  the box was drawn around is a compact body. A narrow part of the mask (what an
  opening by a disc of a share of the body's half-width removes) that reaches a box side
  is such a strip, and leaves the mask unless it is the mask's only contact with a side
  it touches (tightness).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline.superpixels import SuperpixelFrame

# A strip is narrower than a disc of this share of the body's largest inscribed radius.
STRIP_SHARE = 0.35
# Strips smaller than this share of the mask are the outline's own wiggles.
MIN_STRIP = 0.01
# A part within this many working pixels of a box side touches it.
SIDE_PX = 2


def through_strips(sp: SuperpixelFrame, nodes: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """(N,) bool: the nodes of ``nodes`` (N,) bool that form narrow strips running out
    of ``box`` (x0, y0, x1, y1 in full-resolution pixels), sides the object touches only
    there excepted."""
    mask = nodes[sp.work_labels]
    if not mask.any():
        return np.zeros(sp.n, bool)
    depth = ndi.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    radius = int(STRIP_SHARE * depth.max())
    if radius < 2:
        return np.zeros(sp.n, bool)
    # opening by a disc through distance transforms: erode to depth > radius, grow back
    body = ndi.distance_transform_edt(depth <= radius) <= radius
    parts, k = ndi.label(mask & ~body)
    sides = _side_bands(mask.shape, box, sp.factor)
    touched = [mask & s for s in sides]
    out = np.zeros(mask.shape, bool)
    for j in range(1, k + 1):
        part = parts == j
        if part.sum() < MIN_STRIP * mask.sum():
            continue
        hits = [bool((part & s).any()) for s in touched]
        if not any(hits):
            continue
        # tightness: keep a strip that is the object's only contact with a side it reaches
        if any(h and not (t & ~part).any() for h, t in zip(hits, touched)):
            continue
        out |= part
    share = np.bincount(sp.work_labels.ravel(), out.ravel(), sp.n) / np.maximum(
        np.bincount(sp.work_labels.ravel(), minlength=sp.n), 1)
    return nodes & (share > 0.5)


def _side_bands(shape: tuple[int, int], box: tuple[float, float, float, float], factor: int) -> list[np.ndarray]:
    """Four (h, w) bool bands, the working pixels within ``SIDE_PX`` of each box side
    (left, top, right, bottom), inside the box."""
    h, w = shape
    x0, y0, x1, y1 = (v / factor for v in box)
    ys, xs = np.arange(h)[:, None], np.arange(w)[None, :]
    inx, iny = (xs >= x0 - SIDE_PX) & (xs <= x1 + SIDE_PX), (ys >= y0 - SIDE_PX) & (ys <= y1 + SIDE_PX)
    return [iny & (np.abs(xs - x0) <= SIDE_PX), inx & (np.abs(ys - y0) <= SIDE_PX),
            iny & (np.abs(xs - x1) <= SIDE_PX), inx & (np.abs(ys - y1) <= SIDE_PX)]
