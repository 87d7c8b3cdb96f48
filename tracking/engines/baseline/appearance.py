"""Per-pixel appearance: features of a frame and a scar-versus-background model.

The features are perceptual colour (CIE L*a*b*) at two scales plus local
texture (the spread of lightness). The model is a pair of Gaussian mixtures
(scar, background) fitted by weighted EM to labelled samples, with the log
likelihood ratio calibrated to log-odds by logistic (Platt) scaling on those
samples. Samples live in pools whose weights decay as frames go by, so the
model follows seasons while the analyst's prompt keeps a floor of influence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

# Colour differences below about one CIELAB unit are imperceptible: the
# covariance floor keeps a mixture component from collapsing below that.
COVARIANCE_FLOOR = 1.0
N_FEATURES = 7
# A prompt or a confident mask is taken to mislabel about 1% of its pixels, which
# bounds how sure the appearance alone can be.
LABEL_NOISE = 0.01
LOGIT_BOUND = float(np.log((1 - LABEL_NOISE) / LABEL_NOISE))
# Samples a class keeps besides the prompt's: a few dates' worth (each date adds up to 1000).
POOL_SIZE = 3000
# The analyst's own samples keep at least this share of a class's weight, however many
# dates have passed since: the prompt anchors the model against drift.
ANCHOR_FLOOR = 0.2


def rgb_to_lab(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 sRGB -> (H, W, 3) float32 CIE L*a*b* (D65)."""
    lut = np.arange(256, dtype=np.float32) / 255.0
    lut = np.where(lut <= 0.04045, lut / 12.92, ((lut + 0.055) / 1.055) ** 2.4).astype(np.float32)
    rgb = lut[image]
    m = np.array([[0.4124, 0.3576, 0.1805],
                  [0.2126, 0.7152, 0.0722],
                  [0.0193, 0.1192, 0.9505]], np.float32)
    xyz = rgb @ m.T
    xyz /= np.array([0.95047, 1.0, 1.08883], np.float32)
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    lab = np.empty_like(xyz)
    lab[..., 0] = 116 * f[..., 1] - 16
    lab[..., 1] = 500 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200 * (f[..., 1] - f[..., 2])
    return lab


def frame_features(image: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W, 7 + B) float32 features.

    Channels: L*a*b* lightly smoothed (sigma 0.7 px), L*a*b* of the neighbourhood
    (sigma 2 px), and the local standard deviation of lightness (sigma 1.5 px, texture).
    Wider windows would blur thin tongues of debris into their surroundings.
    extra: optional (H, W, B) float bands without NaN in feature units (e.g. NDVI scaled
    by ``guidance.FEATURE_SCALE``), lightly smoothed like L*a*b* and appended.
    """
    lab = rgb_to_lab(image)
    n_extra = 0 if extra is None else extra.shape[-1]
    out = np.empty(lab.shape[:2] + (N_FEATURES + n_extra,), np.float32)
    for c in range(3):
        out[..., c] = ndi.gaussian_filter(lab[..., c], 0.7)
        out[..., 3 + c] = ndi.gaussian_filter(lab[..., c], 2.0)
    mean = ndi.gaussian_filter(lab[..., 0], 1.5)
    sq = ndi.gaussian_filter(lab[..., 0] ** 2, 1.5)
    out[..., 6] = np.sqrt(np.maximum(sq - mean ** 2, 0.0))
    for b in range(n_extra):
        out[..., N_FEATURES + b] = ndi.gaussian_filter(np.asarray(extra[..., b], np.float32), 0.7)
    return out


@dataclass
class GaussianMixture:
    """A Gaussian mixture: weights (K,), means (K, D), covs (K, D, D), all float64."""

    weights: np.ndarray
    means: np.ndarray
    covs: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, w: np.ndarray, k: int = 5, iters: int = 8,
            init: "GaussianMixture | None" = None, seed: int = 0) -> "GaussianMixture":
        """Weighted EM on samples x (N, D) with weights w (N,) >= 0."""
        x = np.asarray(x, np.float64)
        w = np.asarray(w, np.float64) / max(float(np.sum(w)), 1e-12)
        k = max(1, min(k, len(x) // 10 or 1))
        gm = init if init is not None and len(init.weights) == k else cls._init(x, w, k, seed)
        for _ in range(iters):
            resp = gm._responsibilities(x)
            gm = cls._m_step(x, w, resp)
        return gm

    @classmethod
    def _init(cls, x: np.ndarray, w: np.ndarray, k: int, seed: int) -> "GaussianMixture":
        """k-means++ seeding and a few weighted Lloyd steps, then one M step."""
        rng = np.random.default_rng(seed)
        centres = [x[rng.choice(len(x), p=w)]]
        for _ in range(1, k):
            d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
            p = w * d2
            if p.sum() <= 0:
                break
            centres.append(x[rng.choice(len(x), p=p / p.sum())])
        c = np.array(centres)
        for _ in range(4):
            lab = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
            for j in range(len(c)):
                sel = lab == j
                if w[sel].sum() > 0:
                    c[j] = np.average(x[sel], axis=0, weights=w[sel])
        lab = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        resp = np.zeros((len(x), len(c)))
        resp[np.arange(len(x)), lab] = 1.0
        return cls._m_step(x, w, resp)

    @classmethod
    def _m_step(cls, x: np.ndarray, w: np.ndarray, resp: np.ndarray) -> "GaussianMixture":
        r = resp * w[:, None]
        nk = r.sum(0)
        keep = nk > 1e-6
        r, nk = r[:, keep], nk[keep]
        means = (r.T @ x) / nk[:, None]
        d = x.shape[1]
        covs = np.empty((len(nk), d, d))
        for j in range(len(nk)):
            diff = x - means[j]
            covs[j] = (r[:, j, None] * diff).T @ diff / nk[j] + COVARIANCE_FLOOR * np.eye(d)
        return cls(nk / nk.sum(), means, covs)

    def coefficients(self, origin: np.ndarray) -> np.ndarray:
        """(T, K) coefficients such that expand(x, origin) @ C = log(weight_k N(x | mean_k, cov_k))."""
        d = self.means.shape[1]
        iu = np.triu_indices(d)
        cols = []
        for wt, mu, cov in zip(self.weights, self.means, self.covs):
            prec = np.linalg.inv(cov)
            m = mu - origin
            quad = np.where(iu[0] == iu[1], -0.5, -1.0) * prec[iu]
            const = (np.log(wt) - 0.5 * m @ prec @ m - 0.5 * np.linalg.slogdet(cov)[1]
                     - 0.5 * d * np.log(2 * np.pi))
            cols.append(np.concatenate([[const], prec @ m, quad]))
        return np.array(cols).T

    def assign(self, x: np.ndarray) -> np.ndarray:
        """(N, D) -> (N,) int, the most likely component of each sample."""
        origin = self.means.mean(0)
        return np.argmax(log_terms(x, origin, self.coefficients(origin).astype(x.dtype)), axis=1)

    def shifted(self, shift: np.ndarray) -> "GaussianMixture":
        """The mixture with component k moved by shift[k] (K, D)."""
        return GaussianMixture(self.weights, self.means + shift, self.covs)

    def _responsibilities(self, x: np.ndarray) -> np.ndarray:
        origin = x.mean(0)
        lp = log_terms(x, origin, self.coefficients(origin))
        lp -= lp.max(1, keepdims=True)
        r = np.exp(lp)
        return r / r.sum(1, keepdims=True)


def expand(x: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """(N, D) -> (N, 1 + D + D(D+1)/2) terms [1, x, x_i x_j (i <= j)] of x - origin, in x's dtype.

    With these, the log density of every mixture component is one matrix product.
    """
    n, d = x.shape
    c = x - origin.astype(x.dtype)
    out = np.empty((n, 1 + d + d * (d + 1) // 2), x.dtype)
    out[:, 0] = 1
    out[:, 1:1 + d] = c
    k = 1 + d
    for i in range(d):  # x_i x_j for j >= i, row by row of the upper triangle (no index copies)
        np.multiply(c[:, i:i + 1], c[:, i:], out=out[:, k:k + d - i])
        k += d - i
    return out


#: Rows expanded at a time: the expanded terms of a 2048 px frame are ~260 MB at once, and
#: building and multiplying them in cache-sized blocks is ~3x faster, with the same numbers.
_BLOCK_ROWS = 1 << 15


def log_terms(x: np.ndarray, origin: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """``expand(x, origin) @ coef``, (N, D) x (T, K) -> (N, K), computed block by block of rows."""
    out = np.empty((len(x), coef.shape[1]), np.result_type(x.dtype, coef.dtype))
    for start in range(0, len(x), _BLOCK_ROWS):
        out[start:start + _BLOCK_ROWS] = expand(x[start:start + _BLOCK_ROWS], origin) @ coef
    return out


def _logsumexp(lp: np.ndarray) -> np.ndarray:
    """(N, K) -> (N,) log of the sum of exp over each row; column by column, as K is small
    (the same numbers as a reduction along rows, several times faster)."""
    m = lp[:, 0].copy()
    for j in range(1, lp.shape[1]):
        np.maximum(m, lp[:, j], out=m)
    s = np.exp(lp[:, 0] - m)
    for j in range(1, lp.shape[1]):
        s += np.exp(lp[:, j] - m)
    return m + np.log(s)


@dataclass
class SamplePool:
    """Labelled feature samples with weights; ``anchor`` marks samples from prompts.

    x: (N, D) float32, w: (N,) float64, anchor: (N,) bool.
    """

    x: np.ndarray
    w: np.ndarray
    anchor: np.ndarray

    @classmethod
    def empty(cls, d: int = N_FEATURES) -> "SamplePool":
        """A pool of no samples of ``d`` features."""
        return cls(np.zeros((0, d), np.float32), np.zeros(0), np.zeros(0, bool))

    def merged(self, x_new: np.ndarray, rate: float, anchor: bool) -> "SamplePool":
        """Old weights scaled by (1 - rate), new samples share ``rate``; prompt samples keep a floor."""
        if len(x_new) == 0:
            return self
        w_old = self.w * (1.0 - rate) if len(self.w) else self.w
        w_new = np.full(len(x_new), rate / len(x_new) if len(self.w) else 1.0 / len(x_new))
        x = np.concatenate([self.x, x_new.astype(np.float32)])
        w = np.concatenate([w_old, w_new])
        a = np.concatenate([self.anchor, np.full(len(x_new), anchor)])
        w /= w.sum()
        mass = w[a].sum()
        if a.any() and mass < ANCHOR_FLOOR:
            w[a] *= ANCHOR_FLOOR / mass
            w[~a] *= (1 - ANCHOR_FLOOR) / max(w[~a].sum(), 1e-12)
        # Forget the faintest (oldest) samples beyond the pool size; prompt samples stay.
        order = np.argsort(-np.where(a, np.inf, w), kind="stable")
        keep = order[:POOL_SIZE + int(a.sum())]
        return SamplePool(x[keep], w[keep] / w[keep].sum(), a[keep])


def _sample(features: np.ndarray, mask: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Up to n feature vectors (n, D) drawn at random from the pixels of ``mask``."""
    idx = np.flatnonzero(mask)
    if len(idx) > n:
        idx = rng.choice(idx, n, replace=False)
    return features.reshape(-1, features.shape[-1])[idx]


@dataclass
class AppearanceModel:
    """Scar and background mixtures plus a logistic calibration (``scale``) of their log ratio."""

    fg: GaussianMixture
    bg: GaussianMixture
    fg_pool: SamplePool
    bg_pool: SamplePool
    scale: float = 1.0

    SAMPLES_PER_FRAME = 1000
    COMPONENTS = 5

    @classmethod
    def learn(cls, features: np.ndarray, fg: np.ndarray, bg: np.ndarray, seed: int = 0) -> "AppearanceModel":
        """A fresh model from one frame: features (H, W, D), fg and bg (H, W) bool (prompt samples)."""
        empty = SamplePool.empty(features.shape[-1])
        return cls._refit(features, fg, bg, empty, empty, None, rate=1.0, anchor=True, seed=seed)

    def updated(self, features: np.ndarray, fg: np.ndarray, bg: np.ndarray, rate: float,
                anchor: bool = False, seed: int = 0) -> "AppearanceModel":
        """A new model with this frame's samples mixed in at ``rate`` (the old one is kept as is).

        anchor: the samples come from the analyst (a prompt or a correction).
        """
        return self._refit(features, fg, bg, self.fg_pool, self.bg_pool, self, rate, anchor, seed)

    @classmethod
    def _refit(cls, features: np.ndarray, fg: np.ndarray, bg: np.ndarray, fg_pool: SamplePool,
               bg_pool: SamplePool, prev: "AppearanceModel | None", rate: float, anchor: bool,
               seed: int) -> "AppearanceModel":
        """Merge samples of ``fg`` and ``bg`` into the pools, then refit both mixtures (a few EM
        steps from the previous ones while tracking; afresh after a prompt) and recalibrate."""
        rng = np.random.default_rng(seed)
        n = cls.SAMPLES_PER_FRAME
        fgp = fg_pool.merged(_sample(features, fg, n, rng), rate, anchor)
        bgp = bg_pool.merged(_sample(features, bg, n, rng), rate, anchor)
        if len(fgp.x) < 2 or len(bgp.x) < 2:
            if prev is None:
                raise ValueError("a model needs scar and background samples")
            return prev
        k = cls.COMPONENTS
        warm = prev is not None and not anchor
        gfg = GaussianMixture.fit(fgp.x, fgp.w, k, iters=2 if warm else 10,
                                  init=prev.fg if warm else None, seed=seed)
        gbg = GaussianMixture.fit(bgp.x, bgp.w, k, iters=2 if warm else 10,
                                  init=prev.bg if warm else None, seed=seed + 1)
        model = cls(gfg, gbg, fgp, bgp)
        model.scale = model._calibrate()
        return model

    def shifted(self, fg_shift: np.ndarray, bg_shift: np.ndarray) -> "AppearanceModel":
        """The model moved to another date: each component k of the scar (background)
        mixture and its pool samples shifted by fg_shift[k] (bg_shift[k]), (K, D)."""
        def move(gm: GaussianMixture, pool: SamplePool, shift: np.ndarray) -> SamplePool:
            if len(pool.x) == 0:
                return pool
            k = gm.assign(pool.x.astype(np.float64))
            return SamplePool((pool.x + shift[k]).astype(np.float32), pool.w, pool.anchor)
        return AppearanceModel(self.fg.shifted(fg_shift), self.bg.shifted(bg_shift),
                               move(self.fg, self.fg_pool, fg_shift), move(self.bg, self.bg_pool, bg_shift),
                               self.scale)

    def raw_ratio(self, x: np.ndarray) -> np.ndarray:
        """(N, D) -> (N,) log p(x | scar) - log p(x | background), in x's float type."""
        origin = 0.5 * (self.fg.means.mean(0) + self.bg.means.mean(0))
        k = len(self.fg.weights)
        coef = np.concatenate([self.fg.coefficients(origin), self.bg.coefficients(origin)], axis=1)
        lp = log_terms(x, origin, coef.astype(x.dtype))
        return _logsumexp(lp[:, :k]) - _logsumexp(lp[:, k:])

    def _calibrate(self) -> float:
        """Platt scaling, classes weighted equally, targets softened by the label noise.

        Returns the scale. With soft targets it stays finite even when the samples
        separate perfectly.
        """
        r = np.concatenate([self.raw_ratio(self.fg_pool.x), self.raw_ratio(self.bg_pool.x)]).astype(np.float64)
        y = np.concatenate([np.full(len(self.fg_pool.x), 1 - LABEL_NOISE),
                            np.full(len(self.bg_pool.x), LABEL_NOISE)])
        w = np.concatenate([self.fg_pool.w, self.bg_pool.w]) * 0.5
        a, b = 1.0 / (np.sqrt(np.average(r * r, weights=w)) + 1e-9), 0.0
        for _ in range(30):  # Newton steps on the weighted logistic loss
            p = 1 / (1 + np.exp(-np.clip(a * r + b, -30, 30)))
            g = np.array([np.sum(w * (p - y) * r), np.sum(w * (p - y))])
            s = w * p * (1 - p) + 1e-12
            hess = np.array([[np.sum(s * r * r), np.sum(s * r)], [np.sum(s * r), np.sum(s)]]) + 1e-9 * np.eye(2)
            step = np.linalg.solve(hess, g)
            a, b = a - step[0], b - step[1]
            if np.abs(step).max() < 1e-7:
                break
        # The bias is dropped: where a pixel lies, not how many samples each class had, sets the prior.
        return float(max(a, 1e-3))

    def log_odds_at(self, features: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(M,) float32 calibrated log-odds at the M pixels of ``mask`` (H, W) bool."""
        return self._calibrated(features[mask])

    def log_odds(self, features: np.ndarray) -> np.ndarray:
        """(H, W, D) features -> (H, W) float32 calibrated log-odds that a pixel is scar."""
        h, w, d = features.shape
        return self._calibrated(features.reshape(-1, d)).reshape(h, w)

    def _calibrated(self, x: np.ndarray) -> np.ndarray:
        """(N, D) -> (N,) float32 log-odds, bounded by the label noise: |z| <= log((1 - noise) / noise)."""
        return np.clip(self.scale * self.raw_ratio(x), -LOGIT_BOUND, LOGIT_BOUND).astype(np.float32)
