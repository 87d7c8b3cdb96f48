"""Binary segmentation by a minimum graph cut (scipy's maximum flow).

The energy is the GrabCut one: per-pixel log-odds plus a contrast-sensitive
Potts term on the 8-neighbourhood, so the boundary prefers image edges and
short outlines. Only the bounding box of the region that may hold the object
enters the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

# Rother et al. (2004, GrabCut) use 50 for unaries in nats on 8-neighbourhoods;
# with calibrated (flatter) log-odds a smaller smoothness weight keeps the same balance.
SMOOTHNESS = 2.0
_CAP_SCALE = 64.0  # maximum_flow needs integer capacities: 1/64 nat resolution
_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))
# Band (px) around the changes of sign of the log-odds that enters a narrow-band cut: the
# smoothness here moves an outline by a pixel or two (three gave the exact cut on 1024 px
# frames, two did not).
NARROW_BAND = 4


# Beyond this many pixels, a frame's mean contrast is measured on a regular subset of its
# rows (it settles to a fraction of a percent long before).
_CONTRAST_PIXELS = 1 << 16


@dataclass
class EdgeWeights:
    """Contrast-sensitive weights exp(-beta |f_p - f_q|^2) / distance for 4 offsets.

    colour: (H, W, C) float (e.g. L*a*b*) the contrast is measured on; beta: 1 / (2 x the
    frame's mean squared contrast). The weights themselves are computed for the window a
    cut asks for (``crop``, then ``weights``): a frame's cut covers a small part of it.
    """

    colour: np.ndarray
    beta: float

    @classmethod
    def from_features(cls, colour: np.ndarray) -> "EdgeWeights":
        """colour: (H, W, C) float; beta adapts to the frame's mean contrast."""
        h, w, _ = colour.shape
        pad = np.pad(colour, ((1, 1), (1, 1), (0, 0)), mode="edge")
        rows = np.arange(0, h, max(1, -(-h * w // _CONTRAST_PIXELS)))
        means = [float(((colour[rows] - pad[1 + dy + rows, 1 + dx:1 + dx + w]) ** 2).sum(-1).mean())
                 for dy, dx in _OFFSETS]
        return cls(colour, 1.0 / (2.0 * float(np.mean(means)) + 1e-6))

    @property
    def nbytes(self) -> int:
        """Memory of its own (the colour is a view of the frame's features)."""
        return 0

    def crop(self, y0: int, y1: int, x0: int, x1: int) -> "EdgeWeights":
        """The weights of a window; links that leave it are cut."""
        return EdgeWeights(self.colour[y0:y1, x0:x1], self.beta)

    def links(self, dy: int, dx: int, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """(N,) float32 weights between pixels (ys, xs) and their neighbours at (dy, dx), one
        of _OFFSETS (each neighbour inside the colour's window)."""
        d2 = ((self.colour[ys, xs] - self.colour[ys + dy, xs + dx]) ** 2).sum(-1)
        return (np.exp(-self.beta * d2) / np.hypot(dy, dx)).astype(np.float32)


def graph_cut(log_odds: np.ndarray, edges: EdgeWeights, smoothness: float = SMOOTHNESS,
              hard_fg: np.ndarray | None = None, hard_bg: np.ndarray | None = None,
              region: np.ndarray | None = None, band: int | None = None) -> np.ndarray:
    """Minimise sum of unaries + smoothness * sum of edge weights over label changes.

    log_odds: (H, W) float, > 0 favours the object. hard_fg / hard_bg: (H, W) bool seeds.
    region: (H, W) bool, where the object may be; only its bounding box (plus a 2 px
    margin) enters the graph and everything outside that box is background.
    band: None for the exact minimum; else only pixels within ``band`` px of a change of
    sign of the log-odds enter the graph (``NARROW_BAND`` gives the same cut, several
    times faster on a large region). Returns (H, W) bool.
    """
    z = log_odds.astype(np.float32).copy()
    if hard_fg is not None:
        z[hard_fg] = 1e4
    if hard_bg is not None:
        z[hard_bg] = -1e4
    out = np.zeros(z.shape, bool)
    cand = z > 0 if region is None else region
    if not cand.any():
        return out
    ys, xs = np.nonzero(cand)
    pad = 2
    y0, y1 = max(0, ys.min() - pad), min(z.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(z.shape[1], xs.max() + pad + 1)
    out[y0:y1, x0:x1] = _cut(z[y0:y1, x0:x1], edges.crop(y0, y1, x0, x1), smoothness, band)
    return out


def _cut(z: np.ndarray, edges: EdgeWeights, smoothness: float, band: int | None = None) -> np.ndarray:
    """The minimum cut of a (h, w) window, ``edges`` over the same window.

    band: pixels farther than this (px) from a change of sign of ``z`` keep their sign and
    only the rest enter the graph (a narrow-band cut, Lombaert et al. 2005): the pairwise
    terms move an outline by a few pixels, not the middle of a region its evidence agrees on.
    """
    h, w = z.shape
    sign = z > 0
    free = np.ones((h, w), bool)
    if band is not None:
        changes = ndi.maximum_filter(sign, size=3) != ndi.minimum_filter(sign, size=3)
        free = ndi.maximum_filter(changes, size=2 * band + 1)
    n = int(free.sum())
    if n == 0:
        return sign
    idx = np.full(h * w, -1, np.int64)
    idx[free.ravel()] = np.arange(n)
    # Net capacity from the source (> 0) or to the sink (< 0) of each free pixel: its
    # log-odds, plus each link to a pixel fixed as object, minus each to one fixed as background.
    net = np.rint(np.clip(z[free], -1e4, 1e4) * _CAP_SCALE).astype(np.int64)
    rows, cols, caps = [], [], []
    for dy, dx in _OFFSETS:
        # Links with a free end: pixels p whose neighbour q = p + (dy, dx) lies in the window.
        touch = np.zeros((h, w), bool)
        ys0, ys1, xs0, xs1 = 0, h - dy, max(0, -dx), w - max(0, dx)
        touch[ys0:ys1, xs0:xs1] = free[ys0:ys1, xs0:xs1] | free[ys0 + dy:ys1 + dy, xs0 + dx:xs1 + dx]
        ys, xs = np.nonzero(touch)
        c = np.rint(edges.links(dy, dx, ys, xs) * smoothness * _CAP_SCALE).astype(np.int64)
        ys, xs, cc = ys[c > 0], xs[c > 0], c[c > 0]
        p, q = ys * w + xs, (ys + dy) * w + xs + dx
        fp, fq = free.ravel()[p], free.ravel()[q]
        both = fp & fq
        rows += [idx[p[both]], idx[q[both]]]
        cols += [idx[q[both]], idx[p[both]]]
        caps += [cc[both], cc[both]]
        for a, b, keep in ((p, q, fp & ~fq), (q, p, fq & ~fp)):
            pull = np.where(sign.ravel()[b[keep]], cc[keep], -cc[keep])
            net += np.bincount(idx[a[keep]], weights=pull, minlength=n).astype(np.int64)
    src, snk = n, n + 1
    pos, neg = np.flatnonzero(net > 0), np.flatnonzero(net < 0)
    rows += [np.full(len(pos), src), neg]
    cols += [pos, np.full(len(neg), snk)]
    caps += [net[pos], -net[neg]]
    r, c, cap = np.concatenate(rows), np.concatenate(cols), np.concatenate(caps)
    graph = csr_matrix((np.minimum(cap, np.iinfo(np.int32).max).astype(np.int32), (r, c)), shape=(n + 2, n + 2))
    flow = maximum_flow(graph, src, snk, method="dinic").flow
    residual = (graph - flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    label = np.zeros(n + 2, bool)
    label[reach] = True
    out = sign.copy()
    out[free] = label[:n]
    return out
