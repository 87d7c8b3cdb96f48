"""A click on a frame that already has a mask: a local edit of that mask.

A positive click adds the connected region around it that looks like scar; a
negative click removes the connected leak around it. The rest of the mask does not
change, so a click never undoes the analyst's earlier work far away.

The click's territory is the part of the frame geodesically (in colour) closer to it
than to the evidence of the other label: the mask, for a positive click; the positive
clicks (or the mask's deepest node), for a negative one. A forest re-learnt from the
mask and every click so far, with the territory left unlabelled and the click's own
look-alike neighbours weighing half their class, judges the nodes; a graph cut with all
clicks as hard constraints decides, and only the component at the click changes.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline.interactive import CLICK_REACH, CLICK_WEIGHT, geo_cost
from tracking.engines.baseline.node_evidence import forest_log_odds, pair_weights
from tracking.engines.baseline.node_graph import geodesic, node_cut, touching
from tracking.engines.baseline.superpixels import SuperpixelFrame

# An addition larger than the mask (and 5 % of the frame), or a removal of more than 80 %
# of the mask, is cut back to the click's territory.
MAX_ADD_SHARE = 0.05
MAX_REMOVE = 0.8
# Share of the deepest depth that makes a node part of a mask's core.
CORE_DEPTH = 0.5
CORE_PX = 8
# Edits cut with two thirds of a box's smoothing: a rougher cut stops at the clicked node's
# own edges, so a long error along the outline takes a click per superpixel; a cut as smooth
# as a box's rounds off the small corrections a click makes.
EDIT_SMOOTHNESS = 20.0
# A click changes nothing farther than this many times its distance to the other side of the
# outline (nor less than this share of the frame's side).
REACH = 4.0
MIN_REACH = 0.05
# Weight (nats) and scale (typical edge colour differences) of the geodesic competition.
GEO_WEIGHT = 4.0
GEO_SCALE = 5.0


def edit_click(sp: SuperpixelFrame, mask: np.ndarray, points: list[tuple[int, int]],
               allowed: np.ndarray | None = None, seed: int = 0, protect_core: bool = False) -> np.ndarray:
    """(N,) bool: ``mask`` (N,) bool after the last click of ``points`` [(node, label)],
    label 1 = scar, 0 = not scar; earlier clicks stay hard constraints.

    allowed: (N,) bool nodes the scar may take (default all). protect_core: the mask came
    from the analyst (box, outline or tracked mask), so its core is scar for sure and
    anchors a negative click's territory beside the positive clicks.
    """
    n = sp.n
    allowed = np.ones(n, bool) if allowed is None else allowed
    node, label = points[-1]
    pos, neg = np.zeros(n, bool), np.zeros(n, bool)
    for nd, lb in points:
        (pos if lb == 1 else neg)[nd] = True
    src = np.zeros(n, bool)
    src[node] = True
    cost = geo_cost(sp)
    d = geodesic(sp.edges, cost, n, src)
    near = d <= CLICK_REACH * np.median(sp.edge_diff)
    ball = reach(sp, node, ~mask if label == 0 else mask)
    if label == 1:
        anchors = pos & ~src
    elif protect_core or not pos.any():
        anchors = pos | core(sp, mask, mask & ~near & ~ball)
    else:
        anchors = pos.copy()
    d_other = geodesic(sp.edges, cost, n, mask | anchors if label == 1 else anchors)
    zone = (~mask if label == 1 else mask) & (d < d_other)
    weight = sp.area.astype(np.float64).copy()
    if label == 1:
        fg, bg = mask | pos | near, ~mask & ~zone & ~near
    else:
        fg, bg = mask & ~zone & ~near, ~mask | near
        # the object is what lies near its anchors: far parts of the mask may be the leak
        tau = max(float(np.median(d_other[fg])), 1e-6) if fg.any() else 1.0
        weight[fg] *= np.exp(-d_other[fg] / tau) + 0.05
    fg, bg = fg & ~neg, (bg | neg) & ~pos
    own = fg if label == 1 else bg
    weight[near] *= CLICK_WEIGHT * weight[own & ~near].sum() / max(weight[near].sum(), 1e-9)
    z = forest_log_odds(sp, fg, bg, weight=weight, seed=seed)
    if label == 0:
        # geodesic competition: mask nodes much nearer the click than the anchors go with it
        scale = GEO_SCALE * float(np.median(sp.edge_diff))
        z = z - GEO_WEIGHT * np.clip((d_other - d) / scale, -1.0, 1.0) * mask
    keep = (pos | anchors) & allowed & ~neg & ~src
    cut = node_cut(z * sp.area, sp.edges, pair_weights(sp, EDIT_SMOOTHNESS), hard_fg=keep, hard_bg=neg | ~allowed)
    area = sp.area
    if label == 1 and neg.any():  # ground nearer an earlier negative click stays out
        ball &= d <= geodesic(sp.edges, cost, n, neg)
    if label == 1:
        add = touching(((cut & ~mask) | src) & ball, src, sp.edges)
        if area[add].sum() > max(area[mask].sum(), MAX_ADD_SHARE * area.sum()):
            add = touching(((cut & zone) | src) & ball, src, sp.edges)
        return (mask | add | (near & zone)) & allowed
    rem = touching(((mask & ~cut) | src) & ball, src, sp.edges)
    if area[rem].sum() > MAX_REMOVE * area[mask].sum():
        rem = touching(((zone & ~cut) | src) & ball, src, sp.edges)
    return mask & ~rem & ~neg & ~(near & zone)


def reach(sp: SuperpixelFrame, node: int, other: np.ndarray) -> np.ndarray:
    """(N,) bool: the nodes a click on ``node`` may change, those within ``REACH`` times its
    distance to the nearest node of ``other`` (N,) bool (the error region's half-width, as
    the analyst clicks inside it), and at least ``MIN_REACH`` of the frame's side."""
    d = np.hypot(*(sp.centroid - sp.centroid[node]).T)
    gap = float(d[other].min()) if other.any() else np.inf
    radius = max(REACH * gap, MIN_REACH * max(sp.labels.shape))
    return d <= radius


def core(sp: SuperpixelFrame, mask: np.ndarray, among: np.ndarray) -> np.ndarray:
    """(N,) bool: the nodes of ``among`` deep inside ``mask`` (both (N,) bool): at least
    ``CORE_DEPTH`` of the deepest depth, or ``CORE_PX`` working pixels (a node's depth: its
    deepest pixel's distance to the mask's outline). Empty ``among`` falls back to ``mask``."""
    among = among if among.any() else mask
    if not among.any():
        return np.zeros(sp.n, bool)
    depth = ndi.distance_transform_edt(np.pad(sp.to_pixels(mask), 1))[1:-1, 1:-1]
    node_depth = np.asarray(ndi.maximum(depth, sp.labels, np.arange(sp.n)))
    deep = min(CORE_DEPTH * node_depth[among].max(), CORE_PX * sp.factor)
    return among & (node_depth >= deep)
