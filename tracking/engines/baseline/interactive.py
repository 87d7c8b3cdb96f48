"""Single-frame segmentation on superpixels: from a box, from a first click, and click edits.

All three work on the nodes of a ``SuperpixelFrame`` and return (N,) bool node sets.

- A box: GrabCut (Rother et al., 2004) on superpixels, with a random forest for the
  appearance and the bare-ground prior for the first guess: the ring around the box is
  surely background, the bare ground at the box's centre the first guess of the scar (a
  box drawn loosely still has its object at its centre, while its margins may hold any
  other bare ground: a road, a river bar, a village); each round re-learns both from the
  last cut, so the rest of the box joins where it looks like the centre. Narrow strips of
  the result that run out of the box (a road crossing it) then leave it, unless the object
  touches a box side only there.
- A first click: the same iteration started from the click's bare surroundings (or its
  nearest look-alikes), with the geodesically far half of the frame as background. The
  result stays connected to the click and can never be the whole frame.
- Later clicks are local edits: a positive click adds the connected region around it, a
  negative one removes the connected leak around it; nothing else changes.
"""

from __future__ import annotations

import numpy as np

from tracking.engines.baseline.box_shape import through_strips
from tracking.engines.baseline.node_evidence import bare_prior, forest_log_odds, pair_weights
from tracking.engines.baseline.node_graph import geodesic, largest, node_cut, touching
from tracking.engines.baseline.superpixels import SuperpixelFrame

ROUNDS = 5
# The bare-ground prior weighs less each round, as the forest learns the scene's own scar.
PRIOR_DECAY = 0.5
# The ring of sure background around a box, as a share of the box's longer side.
RING_SHARE = 0.3
# A box nearly filling the frame leaves no ring: its own rim (this share of it) stands in.
RIM_SHARE = 0.06
# The first guess of a box's scar: bare ground within this share of the box's half-sides of
# its centre (an ellipse), unless fewer than CENTRE_NODES nodes of it lie there.
CENTRE_SHARE = 0.5
CENTRE_NODES = 5
# Parts of a box result smaller than this share of the largest part are dropped.
PIECE_SHARE = 0.2
# Narrow strips of a box result that run out of the box leave it (``box_shape``).
THROUGH_STRIPS = True
# A first click starts from this share of the frame nearest to it (geodesically) ...
NEAR_SHARE = 0.02
# ... and the far share of the frame starts as background.
FAR_SHARE = 0.5
# Most of the frame one click may claim.
CLICK_MAX_SHARE = 0.7
# The nodes next to a click weigh this share of its class when the forest re-learns.
CLICK_WEIGHT = 0.5
# Nodes within this many typical edge colour differences of a click share its label.
CLICK_REACH = 2.0


def segment_box(sp: SuperpixelFrame, box: tuple[float, float, float, float], seed: int = 0) -> np.ndarray:
    """(N,) bool scar nodes from a box (x0, y0, x1, y1), all of them mostly inside it."""
    share = sp.box_share(box)
    inside = share > 0.5
    if not inside.any():
        inside = share > 0
    x0, y0, x1, y1 = box
    size = max(x1 - x0, y1 - y0, 1.0)
    ring = _ring(sp, box, max(8.0, RING_SHARE * size)) & (share < 0.05)
    guess = inside
    if sp.area[ring].sum() < 0.1 * sp.area[inside].sum():
        m = RIM_SHARE * size
        guess = inside & (sp.box_share((x0 + m, y0 + m, x1 - m, y1 - m)) > 0.5)
        ring = inside & ~guess
    prior = bare_prior(sp, inside)
    fg = guess & (prior > 0) if (guess & (prior > 0)).any() else guess
    central = fg & _central(sp, box, CENTRE_SHARE)
    if central.sum() >= CENTRE_NODES:
        fg = central
    cut = _grabcut(sp, fg, ring, inside, prior, hard_fg=None, seed=seed,
                   keep=lambda cut: largest(cut, sp.edges, sp.area, PIECE_SHARE))
    if THROUGH_STRIPS:  # a road crossing the box is not what the box was drawn around
        cut = largest(cut & ~through_strips(sp, cut, box), sp.edges, sp.area, PIECE_SHARE)
    return cut


def segment_click(sp: SuperpixelFrame, node: int, allowed: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """(N,) bool scar nodes from one positive click on ``node`` and no other prompt.

    allowed: (N,) bool nodes the scar may take (default all).
    """
    n = sp.n
    allowed = np.ones(n, bool) if allowed is None else allowed
    src = np.zeros(n, bool)
    src[node] = True
    d = geodesic(sp.edges, geo_cost(sp), n, src)
    d = np.where(np.isfinite(d), d, np.max(d[np.isfinite(d)]))
    order = np.argsort(d, kind="stable")
    cum = np.cumsum(sp.area[order]) / sp.area.sum()
    near, far = np.zeros(n, bool), np.zeros(n, bool)
    near[order[cum <= NEAR_SHARE]] = True
    far[order[cum >= 1.0 - FAR_SHARE]] = True
    prior = bare_prior(sp, allowed)
    if prior[node] > 0:  # the click is on bare ground: start from the bare ground around it
        near |= touching(prior > 0, src, sp.edges)
    fg = (near & allowed & ~far) | src
    total = sp.area.sum()
    return _grabcut(sp, fg, far & ~fg, allowed, prior, hard_fg=src, seed=seed,
                    keep=lambda cut: touching(cut, src, sp.edges),
                    stop=lambda cut: sp.area[cut].sum() > CLICK_MAX_SHARE * total)


def _grabcut(sp: SuperpixelFrame, fg: np.ndarray, sure_bg: np.ndarray, allowed: np.ndarray,
             prior: np.ndarray, hard_fg: np.ndarray | None, seed: int, keep, stop=None) -> np.ndarray:
    """Iterate learn -> cut from ``fg`` (N,) bool: the forest learns ``fg`` against
    ``sure_bg`` plus the allowed nodes outside ``fg``; the cut of forest + ``prior`` log-odds
    (nothing outside ``allowed``) is passed through ``keep``. A cut that ``stop`` rejects, or
    an empty one, ends the iteration with the previous result. Returns (N,) bool."""
    weights = pair_weights(sp)
    area = sp.area
    for k in range(ROUNDS):
        bg = sure_bg | (allowed & ~fg)
        z = forest_log_odds(sp, fg, bg, seed=seed + k) + prior * PRIOR_DECAY ** k
        cut = keep(node_cut(z * area, sp.edges, weights, hard_fg=hard_fg, hard_bg=~allowed))
        if not cut.any() or (stop is not None and stop(cut)):
            break
        changed = area[cut ^ fg].sum()
        fg = cut
        if changed < 0.002 * area[fg].sum():
            break
    return fg


def _central(sp: SuperpixelFrame, box: tuple[float, float, float, float], share: float) -> np.ndarray:
    """(N,) bool: nodes whose centroid lies in the ellipse centred on ``box`` with half-axes
    ``share`` of the box's half-sides."""
    x0, y0, x1, y1 = box
    half_w, half_h = max((x1 - x0) / 2, 1.0), max((y1 - y0) / 2, 1.0)
    r, c = sp.centroid[:, 0], sp.centroid[:, 1]
    return np.hypot((c - (x0 + x1) / 2) / half_w, (r - (y0 + y1) / 2) / half_h) <= share


def _ring(sp: SuperpixelFrame, box: tuple[float, float, float, float], width: float) -> np.ndarray:
    """(N,) bool: nodes whose centroid lies outside ``box`` but within ``width`` px of it."""
    x0, y0, x1, y1 = box
    r, c = sp.centroid[:, 0], sp.centroid[:, 1]
    d = np.hypot(np.maximum(np.maximum(x0 - c, c - x1), 0), np.maximum(np.maximum(y0 - r, r - y1), 0))
    return (d > 0) & (d <= width)


def geo_cost(sp: SuperpixelFrame) -> np.ndarray:
    """(E,) cost of a geodesic step between adjacent nodes: their colour difference plus a
    little of their distance (so that paths through uniform ground still prefer short)."""
    step = np.hypot(*(sp.centroid[sp.edges[:, 0]] - sp.centroid[sp.edges[:, 1]]).T)
    return sp.edge_diff + 0.05 * step
