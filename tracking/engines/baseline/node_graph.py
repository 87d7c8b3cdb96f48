"""Graph operations on superpixel nodes: minimum cut, components, geodesic distance.

Every function takes the adjacency of a ``SuperpixelFrame``: edges (E, 2) int pairs
of node indices; node sets are (N,) bool arrays.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, dijkstra, maximum_flow

# maximum_flow takes integer capacities: 1/256 nat resolution (less on huge graphs).
_CAP_SCALE = 256.0
_CAP_MAX = 2**31 - 1


def node_cut(unary: np.ndarray, edges: np.ndarray, weight: np.ndarray,
             hard_fg: np.ndarray | None = None, hard_bg: np.ndarray | None = None) -> np.ndarray:
    """Minimum cut: the node set S minimising sum(unary[~S]) over unary > 0, plus sum(-unary[S])
    over unary < 0, plus the weights of edges between S and the rest.

    unary: (N,) float, > 0 favours the object (already scaled by each node's size).
    weight: (E,) float >= 0, the cost of separating each edge's two nodes.
    hard_fg / hard_bg: (N,) bool nodes forced in / out. Returns (N,) bool.
    """
    n = len(unary)
    u = np.asarray(unary, np.float64).copy()
    big = float(np.abs(u).sum() + np.sum(weight) + 1.0)
    if hard_fg is not None:
        u[hard_fg] = big
    if hard_bg is not None:
        u[hard_bg] = -big
    scale = min(_CAP_SCALE, 0.5 * _CAP_MAX / (2 * big))
    src, snk = np.flatnonzero(u > 0), np.flatnonzero(u < 0)
    rows = np.concatenate([edges[:, 0], edges[:, 1], np.full(len(src), n), snk])
    cols = np.concatenate([edges[:, 1], edges[:, 0], src, np.full(len(snk), n + 1)])
    caps = np.concatenate([weight, weight, u[src], -u[snk]]) * scale
    g = csr_matrix((np.round(caps).astype(np.int32), (rows, cols)), shape=(n + 2, n + 2))
    g.sum_duplicates()
    flow = maximum_flow(g, n, n + 1).flow
    resid = (g - flow).tocsr()
    resid.data = np.maximum(resid.data, 0)
    resid.eliminate_zeros()
    out = np.zeros(n + 2, bool)
    out[breadth_first_order(resid, n, directed=True, return_predecessors=False)] = True
    return out[:n]


def components(nodes: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(N,) int: the connected component of each node of ``nodes`` within it, -1 elsewhere."""
    n = len(nodes)
    e = edges[nodes[edges[:, 0]] & nodes[edges[:, 1]]]
    g = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    return np.where(nodes, lab, -1)


def touching(nodes: np.ndarray, seeds: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """(N,) bool: the connected components of ``nodes`` that hold a node of ``seeds``."""
    lab = components(nodes, edges)
    hit = np.unique(lab[seeds & nodes])
    return np.isin(lab, hit[hit >= 0]) & nodes


def largest(nodes: np.ndarray, edges: np.ndarray, area: np.ndarray, fraction: float) -> np.ndarray:
    """(N,) bool: the largest component of ``nodes`` by ``area`` (N,), and any other of at
    least ``fraction`` of its area."""
    if not nodes.any():
        return nodes.copy()
    lab = components(nodes, edges)
    sizes = np.bincount(lab[nodes], area[nodes])
    return np.isin(lab, np.flatnonzero(sizes >= fraction * sizes.max())) & nodes


def geodesic(edges: np.ndarray, cost: np.ndarray, n: int, sources: np.ndarray) -> np.ndarray:
    """(N,) float shortest-path length from the nearest node of ``sources`` (N,) bool, each
    edge costing ``cost`` (E,) >= 0; inf where unreachable or when there is no source."""
    src = np.flatnonzero(sources)
    if len(src) == 0:
        return np.full(n, np.inf)
    # dijkstra drops explicit zeros: a tiny floor keeps zero-cost edges
    g = coo_matrix((np.maximum(cost, 1e-6), (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    return dijkstra(g, directed=False, indices=src, min_only=True)
