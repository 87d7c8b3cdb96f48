"""Roads: a valley road along the west bank and a switchback branch beside the landslide."""

from __future__ import annotations

import numpy as np

from tracking.sample.synth.layout import Layout


def segment_distance(shape: tuple[int, int], xs: np.ndarray, ys: np.ndarray,
                     reach: float = 3.0) -> np.ndarray:
    """Distance (pixels) from pixel centres to a polyline (xs, ys); inf beyond ``reach``.

    Only a box around each segment is evaluated, so long roads stay cheap.
    Returns (H, W) float32.
    """
    h, w = shape
    best = np.full(shape, np.inf, np.float32)
    for x0, y0, x1, y1 in zip(xs[:-1], ys[:-1], xs[1:], ys[1:]):
        c0 = max(int(np.floor(min(x0, x1) - reach)), 0)
        c1 = min(int(np.ceil(max(x0, x1) + reach)) + 1, w)
        r0 = max(int(np.floor(min(y0, y1) - reach)), 0)
        r1 = min(int(np.ceil(max(y0, y1) + reach)) + 1, h)
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        if c0 >= c1 or r0 >= r1 or length2 == 0:
            continue
        yy, xx = np.mgrid[r0:r1, c0:c1].astype(np.float32)
        t = np.clip(((xx - x0) * dx + (yy - y0) * dy) / length2, 0.0, 1.0)
        d = np.hypot(xx - (x0 + t * dx), yy - (y0 + t * dy))
        np.minimum(best[r0:r1, c0:c1], d, out=best[r0:r1, c0:c1])
    return best


def _coverage(dist: np.ndarray, width_px: float) -> np.ndarray:
    """Fraction of a pixel covered by a line ``width_px`` wide at distance ``dist``."""
    return np.clip(width_px / 2.0 + 0.5 - dist, 0.0, 1.0) * min(1.0, width_px)


def road_polylines(layout: Layout, final_mask: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """[(xs, ys, width_px)]: the roads in world pixels.

    The valley road follows the west bank (the failure buries it); the branch climbs
    the slope in switchbacks that pass a few tens of metres from the scar's final
    downstream flank, so a tracker that leaks along bright lines will notice.
    """
    s = layout.s
    p, q = layout.coords
    upper = final_mask & (p > s(0.2))  # the source area, not the fan on the valley floor
    vq = q[upper] - layout.scar_q
    flank = float(vq.max()) if vq.size else s(0.1)
    qq = np.arange(-0.9 * layout.world_size, 0.9 * layout.world_size, 4.0)
    main = layout.to_xy(np.full_like(qq, s(0.055)), qq)
    q0 = layout.scar_q + flank + s(0.035)
    legs_p = np.array([0.055, 0.15, 0.24, 0.35, 0.45, 0.58, 0.75]) * layout.size
    legs_q = q0 + np.array([0.11, 0.07, 0.13, 0.0, 0.11, 0.01, 0.10]) * layout.size
    dense_p = np.concatenate([np.linspace(a, b, 12) for a, b in zip(legs_p[:-1], legs_p[1:])])
    dense_q = np.concatenate([np.linspace(a, b, 12) for a, b in zip(legs_q[:-1], legs_q[1:])])
    branch = layout.to_xy(dense_p, dense_q)
    return [(main[0], main[1], 1.0), (branch[0], branch[1], 0.7)]


def road_cover(layout: Layout, final_mask: np.ndarray) -> np.ndarray:
    """Road coverage 0..1 per world pixel, (Hw, Ww) float32."""
    cover = np.zeros(layout.world_shape, np.float32)
    for xs, ys, width in road_polylines(layout, final_mask):
        cover = np.maximum(cover, _coverage(segment_distance(layout.world_shape, xs, ys), width))
    return cover
