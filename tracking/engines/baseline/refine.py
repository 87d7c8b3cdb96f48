"""Pixel-accurate outlines: a graph cut in a narrow band around a superpixel mask's outline.

Superpixels place an outline to within a few pixels. Here, at the working resolution,
the pixels within ``BAND`` of that outline are decided one by one: a forest learns the
scar and its surroundings from the pixels just inside and just outside the band, and a
graph cut over the band (contrast-sensitive, the band's inner and outer edges held to
their side) draws the outline along the image's own edges.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from tracking.engines.baseline.node_evidence import Z_BOUND, logit
from tracking.engines.baseline.node_graph import node_cut
from tracking.engines.baseline.superpixels import SuperpixelFrame

# Half-width (working pixels) of the band the outline may move in, and of the strips on
# either side of it the forest learns from.
BAND = 3
STRIP = 6
# Nats per unit of boundary between two pixels of the same colour (GrabCut's contrast term).
PIXEL_SMOOTHNESS = 2.0
SAMPLES = 3000
# A click holds the pixels this close to it (working pixels) to its label.
CLICK_RADIUS = 1.5


def refine_outline(sp: SuperpixelFrame, nodes: np.ndarray, seed: int = 0,
                   clicks: np.ndarray | None = None) -> np.ndarray:
    """(H, W) bool: the mask of ``nodes`` (N,) bool with its outline redrawn pixel by pixel.

    clicks: optional (K, 3) x, y, label in full-resolution pixels; the pixels within
    ``CLICK_RADIUS`` of each keep the click's label, also where it lies in the band.
    """
    m = nodes[sp.work_labels]
    if not m.any() or m.all():
        return sp.to_pixels(nodes)
    pos, neg = _click_discs(sp, clicks)
    m = (m | pos) & ~neg
    inner = ndi.binary_erosion(m, iterations=BAND, border_value=1)
    outer = ~ndi.binary_dilation(m, iterations=BAND)
    band = ~inner & ~outer
    fg = inner & ~ndi.binary_erosion(m, iterations=BAND + STRIP, border_value=1)
    bg = outer & ndi.binary_dilation(m, iterations=BAND + STRIP)
    if fg.sum() < 10 or bg.sum() < 10:
        return sp.to_pixels(nodes)
    feats = _pixel_features(sp.work_lab)
    z = _band_log_odds(feats, fg | pos, bg | neg, band, seed)
    z[pos[band]], z[neg[band]] = 1e3, -1e3
    cut = _band_cut(sp.work_lab, z, band, inner)
    out = inner.copy()
    out[band] = cut
    return _upsample((out | pos) & ~neg, sp.factor, sp.labels.shape)


def _click_discs(sp: SuperpixelFrame, clicks: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(h, w) bool discs of ``CLICK_RADIUS`` working pixels around the positive and the
    negative clicks (K, 3) x, y, label given in full-resolution pixels."""
    h, w = sp.work_labels.shape
    out = [np.zeros((h, w), bool), np.zeros((h, w), bool)]
    if clicks is None:
        return out[0], out[1]
    yy, xx = np.ogrid[:h, :w]
    for x, y, label in np.asarray(clicks, float).reshape(-1, 3):
        cx, cy = (x + 0.5) / sp.factor - 0.5, (y + 0.5) / sp.factor - 0.5
        out[0 if label == 1 else 1] |= (yy - cy) ** 2 + (xx - cx) ** 2 <= CLICK_RADIUS ** 2
    return out[0] & ~out[1], out[1]


def _pixel_features(lab: np.ndarray) -> np.ndarray:
    """(h, w, 3) L*a*b* -> (h, w, 6) float32: the colour and its 2 px neighbourhood mean."""
    smooth = np.stack([ndi.gaussian_filter(lab[..., c], 2.0) for c in range(3)], -1)
    return np.concatenate([lab, smooth], -1).astype(np.float32)


def _band_log_odds(feats: np.ndarray, fg: np.ndarray, bg: np.ndarray, band: np.ndarray, seed: int) -> np.ndarray:
    """(B,) float32 log-odds of scar for the band's pixels (row-major order), from a forest
    trained on up to ``SAMPLES`` pixels of each strip, classes weighted equally."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(seed)
    pick = [rng.choice(np.flatnonzero(r), min(SAMPLES, int(r.sum())), replace=False) for r in (bg, fg)]
    x = feats.reshape(-1, feats.shape[-1])
    y = np.concatenate([np.zeros(len(pick[0]), int), np.ones(len(pick[1]), int)])
    w = np.concatenate([np.full(len(p), 0.5 / len(p)) for p in pick]) * len(y)
    rf = RandomForestClassifier(n_estimators=20, max_depth=8, min_samples_leaf=5, n_jobs=1, random_state=seed)
    rf.fit(x[np.concatenate(pick)], y, sample_weight=w)
    return np.clip(logit(rf.predict_proba(x[band.ravel()])[:, 1]), -Z_BOUND, Z_BOUND)


def _band_cut(lab: np.ndarray, z: np.ndarray, band: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """(B,) bool scar pixels of the band: a graph cut of ``z`` with 4-neighbour contrast-
    sensitive links; links to pixels outside the band pull towards that pixel's side."""
    h, w = band.shape
    index = np.full((h, w), -1, np.int64)
    index[band] = np.arange(int(band.sum()))
    pairs, diffs = [], []
    for dy, dx in ((0, 1), (1, 0)):
        a = (slice(0, h - dy), slice(0, w - dx))
        b = (slice(dy, h), slice(dx, w))
        pairs.append((index[a].ravel(), index[b].ravel(), inner[a].ravel(), inner[b].ravel()))
        diffs.append(((lab[a] - lab[b]) ** 2).sum(-1).ravel())
    beta = 1.0 / (2.0 * float(np.mean(np.concatenate(diffs))) + 1e-6)
    unary = z.astype(np.float64).copy()
    edges, weights = [], []
    for (ia, ib, in_a, in_b), d2 in zip(pairs, diffs):
        wt = PIXEL_SMOOTHNESS * np.exp(-beta * d2)
        both = (ia >= 0) & (ib >= 0)
        edges.append(np.stack([ia[both], ib[both]], -1))
        weights.append(wt[both])
        for me, other_in, sel in ((ia, in_b, (ia >= 0) & (ib < 0)), (ib, in_a, (ib >= 0) & (ia < 0))):
            np.add.at(unary, me[sel], np.where(other_in[sel], wt[sel], -wt[sel]))
    return node_cut(unary, np.concatenate(edges).astype(np.int32), np.concatenate(weights))


def _upsample(mask: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """(h, w) bool at the working resolution -> (H, W) bool at full resolution."""
    if factor == 1:
        return mask
    return np.repeat(np.repeat(mask, factor, 0), factor, 1)[:shape[0], :shape[1]]
