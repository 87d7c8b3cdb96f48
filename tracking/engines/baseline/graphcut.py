"""Binary segmentation by a minimum graph cut (scipy's maximum flow).

The energy is the GrabCut one: per-pixel log-odds plus a contrast-sensitive
Potts term on the 8-neighbourhood, so the boundary prefers image edges and
short outlines. Only the bounding box of the region that may hold the object
enters the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order, maximum_flow

from tracking.engines.baseline.shapes import neighbour_inside

# Rother et al. (2004, GrabCut) use 50 for unaries in nats on 8-neighbourhoods;
# with calibrated (flatter) log-odds a smaller smoothness weight keeps the same balance.
SMOOTHNESS = 2.0
_CAP_SCALE = 64.0  # maximum_flow needs integer capacities: 1/64 nat resolution
_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))


@dataclass
class EdgeWeights:
    """Contrast-sensitive weights exp(-beta |f_p - f_q|^2) / distance for 4 offsets.

    w[k]: (H, W) float32, weight between pixel (i, j) and (i + dy, j + dx) of _OFFSETS[k]
    (zero where the neighbour falls outside the frame).
    """

    w: list[np.ndarray]

    @classmethod
    def from_features(cls, colour: np.ndarray) -> "EdgeWeights":
        """colour: (H, W, C) float (e.g. L*a*b*); beta adapts to the frame's mean contrast."""
        h, w, _ = colour.shape
        pad = np.pad(colour, ((1, 1), (1, 1), (0, 0)), mode="edge")
        diffs = [((colour - pad[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]) ** 2).sum(-1) for dy, dx in _OFFSETS]
        beta = 1.0 / (2.0 * float(np.mean([d.mean() for d in diffs])) + 1e-6)
        out = [np.where(neighbour_inside(h, w, dy, dx), np.exp(-beta * d2) / np.hypot(dy, dx), 0).astype(np.float32)
               for (dy, dx), d2 in zip(_OFFSETS, diffs)]
        return cls(out)

    def crop(self, y0: int, y1: int, x0: int, x1: int) -> "EdgeWeights":
        """The weights of a window; links that leave it are cut."""
        return EdgeWeights([np.where(neighbour_inside(y1 - y0, x1 - x0, dy, dx), wk[y0:y1, x0:x1], 0)
                            for (dy, dx), wk in zip(_OFFSETS, self.w)])


def graph_cut(log_odds: np.ndarray, edges: EdgeWeights, smoothness: float = SMOOTHNESS,
              hard_fg: np.ndarray | None = None, hard_bg: np.ndarray | None = None,
              region: np.ndarray | None = None) -> np.ndarray:
    """Minimise sum of unaries + smoothness * sum of edge weights over label changes.

    log_odds: (H, W) float, > 0 favours the object. hard_fg / hard_bg: (H, W) bool seeds.
    region: (H, W) bool, where the object may be; only its bounding box (plus a 2 px
    margin) enters the graph and everything outside that box is background.
    Returns (H, W) bool.
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
    out[y0:y1, x0:x1] = _cut(z[y0:y1, x0:x1], edges.crop(y0, y1, x0, x1), smoothness)
    return out


def _cut(z: np.ndarray, edges: EdgeWeights, smoothness: float) -> np.ndarray:
    h, w = z.shape
    n = h * w
    src, snk = n, n + 1
    idx = np.arange(n).reshape(h, w)
    rows, cols, caps = [], [], []
    for (dy, dx), wk in zip(_OFFSETS, edges.w):
        c = np.rint(wk * smoothness * _CAP_SCALE).astype(np.int64)
        ys, xs = np.nonzero(c > 0)
        a, b = idx[ys, xs], idx[ys + dy, xs + dx]
        cc = c[ys, xs]
        rows += [a, b]
        cols += [b, a]
        caps += [cc, cc]
    zc = np.rint(np.clip(z, -1e4, 1e4) * _CAP_SCALE).astype(np.int64).ravel()
    pos, neg = np.flatnonzero(zc > 0), np.flatnonzero(zc < 0)
    rows += [np.full(len(pos), src), neg]
    cols += [pos, np.full(len(neg), snk)]
    caps += [zc[pos], -zc[neg]]
    r, c, cap = np.concatenate(rows), np.concatenate(cols), np.concatenate(caps)
    graph = csr_matrix((cap.astype(np.int32), (r, c)), shape=(n + 2, n + 2))
    flow = maximum_flow(graph, src, snk, method="dinic").flow
    residual = (graph - flow).tocsr()
    residual.data = (residual.data > 0).astype(np.int8)
    residual.eliminate_zeros()
    reach = breadth_first_order(residual, src, directed=True, return_predecessors=False)
    label = np.zeros(n + 2, bool)
    label[reach] = True
    return label[:n].reshape(h, w)
