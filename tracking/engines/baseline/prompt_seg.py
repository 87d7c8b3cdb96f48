"""From a prompt (box, points, mask) to a first mask on the prompted frame.

A box runs GrabCut (Rother et al., 2004): colour-texture mixtures for the scar
(inside the box) and its surroundings (a ring around the box), a graph cut,
and a few rounds of re-learning from the cut. Clicks seed the same iteration:
the region grown from the positive clicks (seeded region growing) is the first
guess, positive clicks are surely scar and negative ones surely not, and pixels
geodesically closer to a negative click than to the scar's anchors are left
out. A mask comes back unchanged. Clicks on a frame that already has a mask (a
box, a mask prompt, or a tracked mask) refine that mask instead of starting
afresh.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from tracking.engines.baseline import shapes
from tracking.engines.baseline.appearance import COVARIANCE_FLOOR, LOGIT_BOUND, AppearanceModel
from tracking.engines.baseline.graphcut import EdgeWeights, graph_cut

GRABCUT_ROUNDS = 6
_CHI2_99_3D = 11.34  # 99% quantile of the chi-square distribution with 3 degrees of freedom
# Fraction of the largest piece a second piece of a box result must reach to be kept.
PIECE_FRACTION = 0.25


def seed_radius(shape: tuple[int, int]) -> float:
    """Radius in pixels of the disc a click stands for: 1% of the frame, at least 2 px."""
    return max(2.0, 0.01 * min(shape))


def distance_prior(sd: np.ndarray, width: float, far: float = -LOGIT_BOUND / 2,
                   inside: float = LOGIT_BOUND / 2) -> np.ndarray:
    """(H, W) float32 log-odds prior from a reference mask's signed distance ``sd`` (> 0 outside).

    0 on its outline, reaching ``inside`` ``width`` px inside and ``far`` ``width`` px
    outside: the outline may move within the band; beyond it the evidence must beat ``far``.
    """
    t = np.clip(sd / max(width, 1.0), -1.0, 1.0)
    return np.where(t > 0, far * t, -inside * t).astype(np.float32)


def grabcut(features: np.ndarray, edges: EdgeWeights, init: np.ndarray, allowed: np.ndarray,
            context: np.ndarray, keep, prior: np.ndarray | None = None,
            hard_fg: np.ndarray | None = None, hard_bg: np.ndarray | None = None,
            rounds: int = GRABCUT_ROUNDS, seed: int = 0) -> np.ndarray:
    """Iterate learn -> cut from an initial mask.

    features: (H, W, D); init, allowed, context: (H, W) bool. Background samples come
    from ``context`` and the allowed pixels outside the current mask; nothing outside
    ``allowed`` can be scar. ``keep`` maps a cut (H, W) bool to the parts to keep.
    Returns (H, W) bool.
    """
    fg = init & allowed
    bg_hard = ~allowed if hard_bg is None else (~allowed | hard_bg)
    for _ in range(rounds):
        bg = (context | (allowed & ~fg)) & ~(hard_fg if hard_fg is not None else False)
        if not fg.any() or not bg.any():
            return fg
        model = AppearanceModel.learn(features, fg, bg, seed=seed)
        z = model.log_odds(features)
        if prior is not None:
            z = z + prior
        cut = keep(graph_cut(z, edges, hard_fg=hard_fg, hard_bg=bg_hard))
        cut = shapes.fill_holes(cut, shapes.band_width(cut)) & allowed
        if hard_fg is not None:
            cut |= hard_fg
        changed = np.logical_xor(cut, fg).sum()
        fg = cut
        if changed <= 0.001 * max(fg.sum(), 1):
            break
    return fg


def segment_box(features: np.ndarray, edges: EdgeWeights, box: tuple[float, float, float, float]) -> np.ndarray:
    """GrabCut inside ``box`` (x0, y0, x1, y1); returns (H, W) bool, all of it inside the box."""
    shape = features.shape[:2]
    inside = shapes.box_mask(shape, box)
    if not inside.any():
        return inside
    ys, xs = np.nonzero(inside)
    size = max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
    context, init = shapes.ring(inside, 0, max(3.0, 0.25 * size)), inside
    if context.sum() < 0.05 * inside.sum():
        # The box fills the frame: take its own rim as the first guess of the surroundings.
        m = max(2.0, 0.05 * size)
        x0, y0, x1, y1 = box
        init = shapes.box_mask(shape, (x0 + m, y0 + m, x1 - m, y1 - m))
        context = inside & ~init
    return grabcut(features, edges, init, inside, context,
                   keep=lambda m: shapes.largest_components(m, PIECE_FRACTION))


def grow_region(features: np.ndarray, seeds: np.ndarray, allowed: np.ndarray, rounds: int = 12) -> np.ndarray:
    """Seeded region growing (Adams and Bischof, 1994) on the neighbourhood colour.

    Starting from ``seeds`` (H, W) bool, repeatedly take the pixels connected to the seeds
    whose colour lies within the 99% ellipsoid of the region's own colour distribution.
    Returns (H, W) bool, a first guess of the object under a click.
    """
    colour = features[..., 3:6]
    region = seeds & allowed
    limit = _CHI2_99_3D
    floor = COVARIANCE_FLOOR * np.eye(3)
    for _ in range(rounds):
        x = colour[region].astype(np.float64)
        if len(x) < 2:
            return region
        mu = x.mean(0)
        cov = np.cov(x.T) + floor
        diff = colour - mu.astype(np.float32)
        d2 = np.einsum("hwi,ij,hwj->hw", diff, np.linalg.inv(cov).astype(np.float32), diff)
        grown = shapes.components_touching((d2 <= limit) & allowed, seeds) | (seeds & allowed)
        if (grown == region).all():
            break
        region = grown
    return region


def click_hull(shape: tuple[int, int], points: np.ndarray, radius: float) -> np.ndarray:
    """(H, W) bool: the clicks' convex hull, thickened by ``radius``, part of the first guess
    of the scar (clicks are put inside it); a single click gives a disc of twice the radius."""
    if len(points) == 1:
        return shapes.discs(shape, points, 2 * radius)
    out = shapes.discs(shape, points, radius)
    corners = hull_vertices(points)
    # The hull's edges enclose every segment between two clicks, so thickening only the
    # edges and filling gives the same mask in O(n log n) instead of O(n^2) segments.
    for a, b in zip(corners, np.roll(corners, -1, axis=0)):
        n = int(np.ceil(np.hypot(*(b - a)))) + 1
        out |= shapes.discs(shape, a[None, :] + np.linspace(0, 1, n)[:, None] * (b - a)[None, :], radius)
    return ndi.binary_fill_holes(out)


def hull_vertices(points: np.ndarray) -> np.ndarray:
    """(M, 2) float64 corners of the convex hull of points (K, 2), counter-clockwise
    (Andrew's monotone chain, O(K log K)); collinear or repeated points give the two ends."""
    pts = np.unique(np.asarray(points, np.float64).reshape(-1, 2), axis=0)  # sorted by x, then y
    if len(pts) <= 2:
        return pts

    def chain(seq: list) -> list:
        out: list = []
        for x, y in seq:  # plain floats: a numpy call per point would cost more than the sort
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (y - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (x - out[-2][0])) <= 0:
                out.pop()
            out.append((x, y))
        return out

    seq = pts.tolist()
    lower, upper = chain(seq), chain(seq[::-1])
    return np.array(lower[:-1] + upper[:-1], np.float64)


def geodesic_distance(colour: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """(H, W) float geodesic distance from ``sources`` (H, W) bool over the image.

    A step costs its length times (1 + colour difference / mean colour difference), so
    paths run cheaply through uniform regions and dearly across edges.
    """
    h, w, _ = colour.shape
    idx = np.arange(h * w).reshape(h, w)
    pairs = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ys, xs = np.nonzero(shapes.neighbour_inside(h, w, dy, dx))
        diff = np.sqrt(((colour[ys, xs] - colour[ys + dy, xs + dx]) ** 2).sum(-1))
        pairs.append((idx[ys, xs], idx[ys + dy, xs + dx], np.hypot(dy, dx), diff))
    mean = np.mean([p[3].mean() for p in pairs]) + 1e-6
    rows = np.concatenate([p[0] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs])
    costs = np.concatenate([p[2] * (1.0 + p[3] / mean) for p in pairs])
    g = coo_matrix((costs, (rows, cols)), shape=(h * w, h * w)).tocsr()
    src = np.flatnonzero(sources)
    if len(src) == 0:
        return np.full((h, w), np.inf)
    return dijkstra(g, directed=False, indices=src, min_only=True).reshape(h, w)


def negative_territory(colour: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """(H, W) bool: pixels geodesically closer to a negative seed than to every positive seed."""
    if not negatives.any():
        return np.zeros(negatives.shape, bool)
    d_neg = geodesic_distance(colour, negatives)
    if not positives.any():
        return np.isfinite(d_neg)
    return d_neg < geodesic_distance(colour, positives)


def _anchors(shape: tuple[int, int], pos_points: np.ndarray, neg_points: np.ndarray,
             base: np.ndarray | None, radius: float) -> np.ndarray:
    """Where the scar surely is: positive clicks, and the deepest pixel of the base mask
    once the neighbourhood of each negative click is set aside."""
    anchors = shapes.discs(shape, pos_points, radius)
    if base is not None and base.any():
        depth = -shapes.signed_distance(base)
        rest = base.copy()
        for x, y in neg_points:
            yi = int(np.clip(round(float(y)), 0, shape[0] - 1))
            xi = int(np.clip(round(float(x)), 0, shape[1] - 1))
            rest &= ~shapes.discs(shape, np.array([[x, y]]), max(radius, 2.0 * max(depth[yi, xi], 0.0)))
        if rest.any():
            d = np.where(rest, depth, -np.inf)
            anchors.flat[int(np.argmax(d))] = True
    return anchors


def segment_points(features: np.ndarray, edges: EdgeWeights, points: np.ndarray, labels: np.ndarray,
                   base: np.ndarray | None = None, allowed: np.ndarray | None = None) -> np.ndarray:
    """Scar mask from clicks: points (K, 2) as (x, y), labels (K,) 1 = scar, 0 = not scar.

    With ``base`` (H, W) bool (the frame's current mask) the clicks refine it: positives
    add the region under them, negatives take away the part they sit on. Returns (H, W) bool.
    """
    shape = features.shape[:2]
    r = seed_radius(shape)
    labels = np.asarray(labels)
    pos_pts, neg_pts = points[labels == 1], points[labels == 0]
    pos = shapes.discs(shape, pos_pts, r)
    neg = shapes.discs(shape, neg_pts, r) & ~pos
    has_base = base is not None and base.any()
    anchors = _anchors(shape, pos_pts, neg_pts, base, r)
    if not anchors.any():
        return np.zeros(shape, bool)
    territory = negative_territory(features[..., :3], anchors, neg) & ~anchors
    allowed = (np.ones(shape, bool) if allowed is None else allowed) & ~territory
    if has_base:
        # a click outside the mask adds the region that grows from it
        outside_clicks = pos & ~shapes.components_touching(pos, base)
        added = grow_region(features, outside_clicks, allowed) if outside_clicks.any() else pos
        reference = (base | pos | added) & allowed
        prior = distance_prior(shapes.signed_distance(reference), shapes.band_width(reference))
        context = shapes.ring(reference, 0, max(3.0, shapes.equivalent_radius(reference)))
        seeds = anchors | reference
        init = reference
    else:
        prior = None
        init = click_hull(shape, pos_pts, r) & allowed
        if len(pos_pts) == 1:  # one click tells no size: grow a region from it
            init |= grow_region(features, pos, allowed)
        context = ~ndi.binary_dilation(init, iterations=int(np.ceil(r)))
        seeds = anchors
    return grabcut(features, edges, init, allowed, context | territory,
                   keep=lambda m: shapes.components_touching(m, seeds), prior=prior,
                   hard_fg=pos & allowed, hard_bg=neg)


def segment_prompt(features: np.ndarray, edges: EdgeWeights, mask: np.ndarray | None,
                   box: tuple[float, float, float, float] | None, points: np.ndarray, labels: np.ndarray,
                   base: np.ndarray | None = None) -> np.ndarray:
    """The mask for one object's accumulated prompt on one frame.

    A mask alone comes back unchanged; a box runs GrabCut inside it; points refine the
    mask or box result, or ``base`` (the frame's tracked mask) when there is neither.
    """
    allowed = None
    if mask is not None:
        base = mask
    elif box is not None:
        allowed = shapes.box_mask(features.shape[:2], box)
        base = segment_box(features, edges, box)
    if len(points) == 0:
        return np.zeros(features.shape[:2], bool) if base is None else base.copy()
    return segment_points(features, edges, np.asarray(points, np.float32), labels, base, allowed)
