"""What a superpixel looks like: a forest learnt from the prompt, and the bare-ground prior.

The forest (an ilastik-style pixel classifier, here on superpixel features) is
trained on the nodes a prompt labels and predicts every node; nodes it was trained
on are judged by the trees that never saw them (out of bag), so a node the prompt
mislabelled (forest in a box's corner) is judged by its look-alikes, not its label.
The prior encodes what a landslide scar is: ground stripped of vegetation, paler
than the cover around it. It starts a segmentation and keeps pulling it towards
bare ground, while the forest learns what this scene's scar really looks like.
"""

from __future__ import annotations

import numpy as np

from tracking.engines.baseline.superpixels import EXG, FEATURE_NAMES, SuperpixelFrame

# |log-odds| from the forest never exceeds this (a ~98 % sure node).
Z_BOUND = 4.0
TREES = 20
FOLDS = 3
MAX_DEPTH = 5
MIN_LEAF = 10
# Nats per boundary pixel for cutting between two nodes of identical colour.
SMOOTHNESS = 30.0
# Weight of the bare-ground prior against the forest's log-odds.
BARE_WEIGHT = 1.5
BARE_CLIP = 2.0


def forest_log_odds(sp: SuperpixelFrame, fg: np.ndarray, bg: np.ndarray, weight: np.ndarray | None = None,
                    seed: int = 0) -> np.ndarray:
    """(N,) float32 log-odds that each node is object, from random forests on nodes ``fg``
    versus ``bg`` (N,) bool (a node in both counts as background).

    Both classes weigh the same in total; ``weight`` (N,) >= 0 spreads a class's weight
    over its nodes (default: by area). The labelled nodes fall into ``FOLDS`` folds; each
    fold is judged by a forest trained on the others (cross-fitting: a node's own label
    never decides its score), the unlabelled nodes by all forests together.
    """
    fg = fg & ~bg
    idx = np.flatnonzero(fg | bg)
    y = fg[idx].astype(int)
    if len(idx) == 0 or y.min() == y.max():
        return np.where(fg, Z_BOUND, -Z_BOUND).astype(np.float32)
    w = (sp.area if weight is None else weight)[idx].astype(np.float64)
    for c in (0, 1):
        w[y == c] *= 0.5 * len(idx) / max(w[y == c].sum(), 1e-12)
    fold = np.random.default_rng(seed).permutation(len(idx)) % FOLDS
    p = np.zeros(sp.n)
    seen = 0
    for k in range(FOLDS):
        train = fold != k
        if y[train].min() == y[train].max():
            continue
        pk = _forest(sp.features[idx[train]], y[train], w[train], seed + k).predict_proba(sp.features)[:, 1]
        p[idx[fold == k]] = pk[idx[fold == k]]
        p[~(fg | bg)] += pk[~(fg | bg)]
        seen += 1
    if seen == 0:
        return np.where(fg, Z_BOUND, -Z_BOUND).astype(np.float32)
    p[~(fg | bg)] /= seen
    return logit(p)


def _forest(x: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int):
    """A fitted random forest: trees differ by the features each split may look at."""
    from sklearn.ensemble import RandomForestClassifier

    rf = RandomForestClassifier(n_estimators=TREES, max_depth=MAX_DEPTH, min_samples_leaf=MIN_LEAF,
                                max_features="sqrt", bootstrap=False, n_jobs=1, random_state=seed)
    return rf.fit(x, y, sample_weight=w)


def logit(p: np.ndarray) -> np.ndarray:
    """(N,) probabilities -> (N,) float32 log-odds bounded by +-Z_BOUND."""
    p = np.clip(np.asarray(p, np.float64), 1e-3, 1 - 1e-3)
    return np.clip(np.log(p / (1 - p)), -Z_BOUND, Z_BOUND).astype(np.float32)


def pair_weights(sp: SuperpixelFrame, smoothness: float | None = None) -> np.ndarray:
    """(E,) float cost of separating adjacent nodes: boundary length x exp(-d^2 / (2 mean d^2)),
    d the colour difference; a cut prefers strong edges and short outlines. Against unaries
    of log-odds x full-resolution area it weighs as it would on the frame resampled to 512 px
    (boundaries scale with the side, areas with its square), so a scar drawn at any size
    gets the same outline."""
    beta = 1.0 / (2.0 * float(np.mean(sp.edge_diff ** 2)) + 1e-6)
    smoothness = SMOOTHNESS if smoothness is None else smoothness
    return smoothness * sp.scale * sp.edge_len * np.exp(-beta * sp.edge_diff ** 2)


def bareness(sp: SuperpixelFrame, where: np.ndarray) -> np.ndarray:
    """(N,) float how bare each node looks: paler (L*) and less green (excess green) than
    usual over ``where`` (N,) bool, each in units of its spread there."""
    def standard(v: np.ndarray) -> np.ndarray:
        return (v - np.median(v[where])) / (v[where].std() + 1e-6)

    return standard(sp.features[:, FEATURE_NAMES.index("L")]) - standard(sp.features[:, EXG])


def bare_prior(sp: SuperpixelFrame, where: np.ndarray) -> np.ndarray:
    """(N,) float32 prior log-odds of scar: bareness about its Otsu threshold over ``where``
    (which splits bare from covered ground there), clipped and weighted."""
    from skimage.filters import threshold_otsu

    if where.sum() < 2:
        return np.zeros(sp.n, np.float32)
    b = bareness(sp, where)
    if np.ptp(b[where]) == 0:
        return np.zeros(sp.n, np.float32)
    return (BARE_WEIGHT * np.clip(b - threshold_otsu(b[where]), -BARE_CLIP, BARE_CLIP)).astype(np.float32)
