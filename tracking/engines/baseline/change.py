"""How the ground changed between two dates: seasonal shifts, and change that means new scar.

Seasons and sensors move the colour of each kind of ground in its own way
(meadows brown in a dry winter while forest stays dark; a scar bleaches). Each
component of an appearance mixture stands for one kind of ground, so its shift
between two dates is measured robustly (the median change of the pixels it
explains) and the model is moved by it. A pixel whose change departs far from
its own kind's shift (a slope that failed, a fan of fresh debris) is evidence
of new scar.
"""

from __future__ import annotations

import numpy as np

from tracking.engines.baseline.appearance import LOGIT_BOUND, GaussianMixture

# Change evidence uses the finest L*a*b* (smoothed over about a pixel): coarser
# features would spread a change over their whole window, past the scar's edge.
_CHANNELS = slice(0, 3)
# 99.9% quantile of the chi-square distribution with 3 degrees of freedom: changes
# beyond it are rarer than one pixel in a thousand among the background's own.
_CHI2_999 = 16.27
# A change-class spread ten times the background's gives log-likelihood ratio
# 0.5 * (1 - 1/100) * d2 - 3 * ln(10), which crosses zero near the same quantile.
_SLOPE = 0.5 * (1 - 1 / 100)
_SCALE_FLOOR = 1.0  # CIELAB units: below one unit a difference is not perceptible
_MIN_PIXELS = 30  # fewer pixels than this give no trustworthy median


def seasonal_shift(labels: np.ndarray, before: np.ndarray, now: np.ndarray, k: int) -> np.ndarray:
    """(K, D) median change of the samples of each component; the overall median for a
    component with too few samples (zeros when there are none at all).

    labels: (N,) component of each sample; before, now: (N, D) features on the two dates.
    """
    delta = now - before
    overall = np.median(delta, axis=0) if len(delta) else np.zeros(before.shape[1])
    out = np.tile(overall, (k, 1))
    for j in range(k):
        sel = labels == j
        if sel.sum() >= _MIN_PIXELS:
            out[j] = np.median(delta[sel], axis=0)
    return out


def class_shift(gm: GaussianMixture, before: np.ndarray, now: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(K, D) shift of each component of ``gm`` between two frames' features (H, W, D),
    measured over ``region`` (H, W) bool (pixels whose class did not change)."""
    b, n = before[region].astype(np.float64), now[region].astype(np.float64)
    return seasonal_shift(gm.assign(b), b, n, len(gm.weights))


def change_evidence(now: np.ndarray, before: np.ndarray, gm: GaussianMixture, shift: np.ndarray,
                    reference: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float32 log-odds >= 0 that a background pixel turned into something else.

    now, before: (H, W, D) features of this date and of the date before (in the direction
    of travel); gm: the background mixture on the date before, shift (K, D) its seasonal
    shift; reference: (H, W) bool background pixels that set each component's usual spread.
    where: (H, W) bool pixels judged (default all; the others get 0), holding ``reference``.
    """
    where = np.ones(now.shape[:2], bool) if where is None else where
    b = before[where]
    labels = gm.assign(b)
    resid = now[..., _CHANNELS][where] - b[:, _CHANNELS] - shift[:, _CHANNELS].astype(np.float32)[labels]
    scale = np.empty((len(gm.weights), resid.shape[-1]), np.float32)
    ref = reference[where]
    ref_res, ref_lab = resid[ref], labels[ref]
    overall = _mad(ref_res) if len(ref_res) >= _MIN_PIXELS else np.full(resid.shape[-1], np.inf)
    for j in range(len(scale)):
        sel = ref_lab == j
        scale[j] = _mad(ref_res[sel]) if sel.sum() >= _MIN_PIXELS else overall
    d2 = ((resid / scale[labels]) ** 2).sum(-1)
    out = np.zeros(now.shape[:2], np.float32)
    out[where] = np.clip(_SLOPE * (d2 - _CHI2_999), 0.0, LOGIT_BOUND)
    return out


def _mad(x: np.ndarray) -> np.ndarray:
    """Robust spread per column: 1.4826 * median absolute deviation, floored."""
    med = np.median(x, axis=0)
    return 1.4826 * np.median(np.abs(x - med), axis=0) + _SCALE_FLOOR
