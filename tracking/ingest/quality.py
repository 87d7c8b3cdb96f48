"""Frame quality: cloud, snow and nodata fractions, judged against the whole series.

There are no absolute thresholds on pixel values. Brightness is normalised per band
by the series' dark and bright land levels (percentiles of the clearer frames), so the
same rules hold for 8-bit aerials, 16-bit and float reflectance.

1. Candidates are bright (mean normalised R, G, B at least the land's bright level) and
   white (small spread between R, G, B) pixels. Blobs thinner than a few pixels (roads,
   field edges) are removed by a morphological opening. The rest is judged blob by blob.
2. A blob must be brighter than that place should be: much brighter than the same
   pixels in the neighbouring dates (a cloud comes and goes, a scar stays), or clearly
   brighter than the land's bright level anywhere in the series.
3. Snow is such a blob that is clearly darker in near-infrared than in the visible
   (clouds are about flat from blue to NIR); without a NIR band, a sharp-edged bluish one.
4. Cloud is such a blob with soft edges (the brightness fades over several pixels), or a
   new one with a smooth inside (no fine texture) or far brighter than any land.

So a bright bare scar is not cloud: it is not white (soil and debris are redder), or it
stays from date to date, or it has sharp edges and a textured inside; a road is thin.
Limits: a single frame has no neighbours, so only clouds brighter than its own land are
found; a place cloudy in both neighbouring dates is not seen as new.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

from tracking.core.frames import FrameQuality

BRIGHT = 0.95  # candidate: mean normalised R, G, B at least this (1.0 = land's bright level)
WHITE = 0.25  # candidate: (max - min) / mean of R, G, B at most this
NEW = 0.5  # brighter than the neighbouring dates at the same pixels by this much
ABOVE = 1.2  # brighter than the land's bright level by this factor of the land's range
GLARING = 2.5  # a new blob this bright is cloud (or snow) whatever its edges and texture
SNOW_NIR_RATIO = 0.9  # snow: NIR / mean visible below this; clouds are near 1
BLUISH = 0.02  # snow without NIR: (blue - red) / mean above this
SOFT_EDGE_PX = 3  # an edge that fades over this many pixels or more is soft
SMOOTH = 0.02  # median |level - its 3 x 3 mean| / level inside a blob below this: smooth
OPEN_RADIUS = 1  # candidates thinner than 2 * OPEN_RADIUS + 1 pixels are dropped
_STATS_SAMPLE = 4_000_000


@dataclass(frozen=True)
class QualityThresholds:
    """A frame is bad when its cloud or snow fraction (of valid pixels) or its nodata
    fraction (of all pixels) is above these."""

    cloud: float = 0.3
    snow: float = 0.3
    nodata: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "QualityThresholds":
        return cls(**{k: float(d[k]) for k in ("cloud", "snow", "nodata") if k in d})


@dataclass(frozen=True)
class SeriesStats:
    """Robust levels of the land over the whole series.

    dark, bright: (3,) float64 per band of R, G, B: the median over frames of each frame's
        2nd percentile, and the lower quartile over frames of each frame's 98th percentile
        (clouds and snow only raise it, so the clearer frames decide).
    levels: (N, h, w) float32 normalised brightness of every frame sampled every ``step``
        pixels (NaN where invalid), or None.
    shape: (H, W) of the frames.
    baseline: (H, W) float32 brightness the frame being judged would have without cloud
        (its neighbouring dates; see :meth:`for_frame`), or None when unknown.
    """

    dark: np.ndarray
    bright: np.ndarray
    levels: np.ndarray | None = None
    step: int = 1
    shape: tuple[int, int] = (0, 0)
    baseline: np.ndarray | None = None

    def normalised_brightness(self, rgb: np.ndarray) -> np.ndarray:
        """(H, W) float32 mean over R, G, B of (value - dark) / (bright - dark)."""
        span = np.maximum(self.bright - self.dark, 1e-12)
        out = np.zeros(rgb.shape[1:], np.float32)
        for b in range(3):
            out += (rgb[b] - np.float32(self.dark[b])) / np.float32(span[b])
        return out / 3.0

    def for_frame(self, index: int) -> "SeriesStats":
        """These stats with ``baseline`` set for frame ``index``: per pixel, the brighter of
        the previous and next dates (the median of all other dates where both lack data)."""
        if self.levels is None or len(self.levels) < 2:
            return self
        n = len(self.levels)
        neighbours = [self.levels[j] for j in (index - 1, index + 1) if 0 <= j < n]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels stay NaN
            base = np.nanmax(np.stack(neighbours), axis=0)
            missing = ~np.isfinite(base)
            if missing.any():
                others = np.delete(self.levels, index, axis=0)
                base[missing] = np.nanmedian(others[:, missing], axis=0)
        h, w = self.shape
        full = np.repeat(np.repeat(base, self.step, axis=0), self.step, axis=1)[:h, :w]
        return dataclasses.replace(self, baseline=full.astype(np.float32))


def series_stats(rgb: np.ndarray, valid: np.ndarray) -> SeriesStats:
    """Series levels from all frames.

    rgb: (N, 3, H, W) float32 R, G, B in the scenes' own units; valid: (N, H, W) bool.
    """
    n, _, h, w = rgb.shape
    step = max(1, int(np.ceil(np.sqrt(n * h * w / _STATS_SAMPLE))))
    sub, ok = rgb[:, :, ::step, ::step], valid[:, ::step, ::step]
    per_frame = np.full((n, 3, 2), np.nan)
    for i in range(n):
        if ok[i].any():
            for b in range(3):
                per_frame[i, b] = np.percentile(sub[i, b][ok[i]], [2, 98])
    if np.isnan(per_frame).all():
        dark, bright = np.zeros(3), np.ones(3)
    else:
        dark = np.nanmedian(per_frame[..., 0], axis=0)
        bright = np.nanpercentile(per_frame[..., 1], 25, axis=0)
    bright = np.where(bright > dark, bright, dark + 1.0)
    stats = SeriesStats(dark, bright, step=step, shape=(h, w))
    levels = np.stack([np.where(ok[i], stats.normalised_brightness(sub[i]), np.nan) for i in range(n)])
    return dataclasses.replace(stats, levels=levels.astype(np.float32))


def assess_quality(rgb: np.ndarray, valid: np.ndarray, nir: np.ndarray | None, stats: SeriesStats,
                   thresholds: QualityThresholds = QualityThresholds()) -> FrameQuality:
    """Cloud, snow and nodata fractions of one frame and whether it is bad.

    rgb: (3, H, W) float32 R, G, B in the scene's own units; valid: (H, W) bool;
    nir: (H, W) float32 or None; stats: ``series_stats(...).for_frame(i)`` for frame i.
    Cloud and snow are fractions of the valid pixels, nodata of all pixels.
    """
    return assess_quality_masks(rgb, valid, nir, stats, thresholds)[0]


def assess_quality_masks(rgb: np.ndarray, valid: np.ndarray, nir: np.ndarray | None,
                         stats: SeriesStats, thresholds: QualityThresholds = QualityThresholds(),
                         ) -> tuple[FrameQuality, np.ndarray]:
    """As :func:`assess_quality`, plus the (H, W) bool mask of the cloud and snow pixels."""
    nodata = float(1.0 - valid.mean()) if valid.size else 1.0
    cloud_mask, snow_mask = classify(rgb, valid, nir, stats)
    count = int(valid.sum())
    cloud = float(cloud_mask.sum() / count) if count else 0.0
    snow = float(snow_mask.sum() / count) if count else 0.0
    reasons = []
    for name, value, limit in (("cloud", cloud, thresholds.cloud), ("snow", snow, thresholds.snow),
                               ("nodata", nodata, thresholds.nodata)):
        if value > limit:
            reasons.append(f"{name} {value:.0%} > {limit:.0%}")
    quality = FrameQuality(cloud=round(cloud, 4), snow=round(snow, 4), nodata=round(nodata, 4),
                           bad=bool(reasons), reasons=tuple(reasons))
    return quality, cloud_mask | snow_mask


def classify(rgb: np.ndarray, valid: np.ndarray, nir: np.ndarray | None,
             stats: SeriesStats) -> tuple[np.ndarray, np.ndarray]:
    """(cloud, snow) (H, W) bool masks of one frame; see the module notes for the rules."""
    empty = np.zeros(valid.shape, bool)
    if not valid.any():
        return empty, empty.copy()
    level = np.where(valid, stats.normalised_brightness(rgb), 0.0).astype(np.float32)
    pos = np.clip(np.nan_to_num(rgb), 0, None)
    mean = pos.mean(axis=0)
    spread = (pos.max(axis=0) - pos.min(axis=0)) / np.maximum(mean, 1e-12)
    candidate = valid & (level >= BRIGHT) & (spread <= WHITE) & (mean > 0)
    struct = ndimage.generate_binary_structure(2, 1)
    candidate = ndimage.binary_opening(candidate, struct, iterations=OPEN_RADIUS)
    labels, count = ndimage.label(candidate, structure=np.ones((3, 3), bool))
    if count == 0:
        return empty, empty.copy()
    labels, count, new = _keep_brighter_than_usual(labels, count, level, stats.baseline)
    if count == 0:
        return empty, empty.copy()
    blobs = blob_features(labels, count, level, valid)
    ratio = None
    if nir is not None:
        nir_level = np.clip(np.nan_to_num(nir), 0, None) / np.maximum(mean, 1e-12)
        ratio = _per_blob(nir_level, labels, count)
    blue = _per_blob((pos[2] - pos[0]) / np.maximum(mean, 1e-12), labels, count)
    if ratio is not None:
        is_snow = ratio < SNOW_NIR_RATIO
    else:
        is_snow = ~blobs["soft"] & (blue > BLUISH)
    # smooth alone is weak evidence (saturated 8-bit land is smooth too): only for newcomers
    is_cloud = ~is_snow & (blobs["soft"] | (new & (blobs["smooth"] | (blobs["level"] >= GLARING))))
    is_snow[0] = is_cloud[0] = False
    return is_cloud[labels], is_snow[labels]


def _keep_brighter_than_usual(labels: np.ndarray, count: int, level: np.ndarray,
                              baseline: np.ndarray | None) -> tuple[np.ndarray, int, np.ndarray]:
    """Keep (and renumber 1..k) the blobs brighter than this place in the neighbouring dates
    by NEW, or brighter than the land's bright level by ABOVE; drop the others (a scar, a
    rock or a road that is as bright as it usually is). Also returns (k + 1,) bool: new."""
    new = np.zeros(count, bool)
    if baseline is not None:
        excess = np.where(np.isfinite(baseline), level - baseline, 0.0)
        new = _per_blob(excess, labels, count)[1:] >= NEW
    keep = new | (_per_blob(level, labels, count)[1:] >= ABOVE)
    kept = int(keep.sum())
    lut = np.zeros(count + 1, np.int32)
    lut[1:][keep] = np.arange(1, kept + 1)
    return lut[labels], kept, np.concatenate([[False], new[keep]])


def _per_blob(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """(count + 1,) median of ``values`` over each labelled blob (index 0 unused, 0 for an
    empty blob). Only the blobs' pixels are sorted, not the background."""
    out = np.zeros(count + 1)
    inside = labels > 0
    if count and inside.any():
        vals, labs, index = values[inside], labels[inside], np.arange(1, count + 1)
        present = np.bincount(labs, minlength=count + 1)[1:] > 0
        med = np.asarray(ndimage.median(vals, labs, index), float)
        out[1:] = np.where(present, med, 0.0)
    return out


def _edge_width(labels: np.ndarray, count: int, level: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(count + 1,) pixels over which each blob's mean edge profile goes from 85 % to 15 %
    of its contrast (inf for a blob without an edge to judge)."""
    blobs = labels > 0
    d_out, (iy, ix) = ndimage.distance_transform_edt(~blobs, return_indices=True)
    owner = np.where(blobs, labels, labels[iy, ix])
    owner[ndimage.binary_dilation(~valid, iterations=2)] = 0  # nodata edges say nothing
    d_in = ndimage.distance_transform_edt(blobs)
    # rings 0..5: depth 6..1 inside; rings 6..17: 1..12 pixels outside
    ring = np.where(blobs, 6 - np.rint(d_in), 5 + np.rint(d_out))
    use = (owner > 0) & (ring >= 0) & (ring <= 17)
    key = ring[use].astype(np.int64) * (count + 1) + owner[use]
    size = 18 * (count + 1)
    total = np.bincount(key, weights=level[use], minlength=size).reshape(18, count + 1)
    n = np.bincount(key, minlength=size).reshape(18, count + 1)
    profile = np.divide(total, n, out=np.full(total.shape, np.nan), where=n > 0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # blobs without a ring at some depth
        core = np.nanmax(profile[:6], axis=0)
        far = np.nanmean(profile[-5:], axis=0)
        frac = (profile - far) / (core - far)
    width = np.sum((frac > 0.15) & (frac < 0.85), axis=0).astype(float)
    has_edge = np.isfinite(far) & (core - far > 0.1)
    return np.where(has_edge, width, np.inf)


def blob_features(labels: np.ndarray, count: int, level: np.ndarray,
                  valid: np.ndarray) -> dict[str, np.ndarray]:
    """Per blob, arrays of count + 1 (index 0 unused): median ``level``, edge ``width`` in
    pixels, and bools ``soft`` (edge fades over SOFT_EDGE_PX or more, on a blob at least
    5 pixels across) and ``smooth`` (no fine texture inside)."""
    index = np.arange(1, count + 1)
    inside = _per_blob(level, labels, count)
    width = _edge_width(labels, count, level, valid)
    local = ndimage.uniform_filter(level, 3)
    rough = np.abs(level - local) / np.maximum(np.abs(level), 1e-6)
    deep = np.where(ndimage.binary_erosion(labels > 0, iterations=2), labels, 0)
    has_deep = np.zeros(count + 1, bool)
    has_deep[1:] = np.asarray(ndimage.sum(deep > 0, deep, index)) > 0
    texture = np.where(has_deep, _per_blob(rough, deep, count), _per_blob(rough, labels, count))
    # an edge is only judged on a blob with an inside (a thin one's rings are all edge)
    return {"level": inside, "width": width, "soft": has_deep & (width >= SOFT_EDGE_PX),
            "smooth": texture < SMOOTH}
