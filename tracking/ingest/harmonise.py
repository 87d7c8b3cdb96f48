"""Harmonisation: a common radiometric scale, one stretch shared by every frame, optional
histogram matching.

A per-frame min/max stretch would make a hazy, darker or brighter date look like every
other one and hide real change; a single stretch keeps the frames comparable. Scenes
stored on different scales (16-bit reflectance x 10000, 8-bit, float 0..1) are first
brought onto one scale by what their data is (declared scale and offset, data type,
known full scales), never by their own histogram, so a darker date stays darker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from rasterio.errors import RasterioError

from tracking.core.errors import InputError
from tracking.core.raster_io import open_raster

#: Most pixel values (per band) used to estimate the shared percentiles.
_SAMPLE = 2_000_000


def _sample_step(n: int, h: int, w: int) -> int:
    """Spatial stride so that about ``_SAMPLE`` pixels of the stack are looked at."""
    return max(1, int(np.ceil(np.sqrt(n * h * w / _SAMPLE))))


def shared_percentiles(stack: np.ndarray, valid: np.ndarray, low: float = 2.0,
                       high: float = 98.0) -> np.ndarray:
    """Per band (low, high) percentiles over the valid pixels of all frames.

    stack: (N, B, H, W) float32; valid: (N, H, W) bool. Returns (B, 2) float64; a band
    without valid pixels gets (0, 1). Large stacks are sampled on a regular spatial stride.
    """
    if not 0.0 <= low < high <= 100.0:
        raise InputError(f"The stretch percentiles {low} and {high} must satisfy 0 <= low < high <= 100.")
    n, bands, h, w = stack.shape
    step = _sample_step(n, h, w)
    sub = stack[:, :, ::step, ::step]
    ok = valid[:, ::step, ::step]
    out = np.zeros((bands, 2))
    for b in range(bands):
        values = sub[:, b][ok]
        values = values[np.isfinite(values)]
        if values.size == 0:
            out[b] = (0.0, 1.0)
            continue
        lo, hi = np.percentile(values, [low, high])
        out[b] = (lo, hi if hi > lo else lo + 1.0)
    return out


def shared_stretch(stack: np.ndarray, valid: np.ndarray, low: float = 2.0,
                   high: float = 98.0, sample: np.ndarray | None = None) -> np.ndarray:
    """Stretch all frames with one linear stretch per band.

    stack: (N, 3, H, W) float32 in the scenes' units; valid: (N, H, W) bool.
    The ``low`` and ``high`` percentiles of each band over all valid pixels of all frames
    map to 0 and 255 (``sample``, (N, H, W) bool, narrows the pixels they are taken from,
    e.g. to leave clouds out). Returns (N, H, W, 3) uint8 with nodata set to 0.
    """
    return apply_stretch(stack, valid, stretch_limits(stack, valid, low, high, sample))


def stretch_limits(stack: np.ndarray, valid: np.ndarray, low: float = 2.0, high: float = 98.0,
                   sample: np.ndarray | None = None) -> np.ndarray:
    """(3, 2) the ``low`` and ``high`` percentiles of each band of ``shared_stretch``."""
    if stack.ndim != 4 or stack.shape[1] != 3 or valid.shape != (stack.shape[0],) + stack.shape[2:]:
        raise ValueError("stack must be (N, 3, H, W) and valid (N, H, W)")
    chosen = valid if sample is None else valid & sample
    return shared_percentiles(stack, chosen if chosen.any() else valid, low, high)


def apply_stretch(stack: np.ndarray, valid: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8: each band of (N, 3, H, W) ``stack`` mapped linearly from its
    ``limits`` (3, 2) to 0..255; nodata (``valid`` False) is 0."""
    n, _, h, w = stack.shape
    out = np.zeros((n, h, w, 3), dtype=np.uint8)
    scale = (255.0 / (limits[:, 1] - limits[:, 0])).astype(np.float32)
    offset = limits[:, 0].astype(np.float32)
    for i in range(n):  # one frame at a time keeps the float temporaries small
        for b in range(3):
            band = (stack[i, b] - offset[b]) * scale[b]
            np.nan_to_num(band, copy=False, nan=0.0)
            np.clip(band, 0.0, 255.0, out=band)
            out[i, :, :, b] = np.rint(band)
        out[i][~valid[i]] = 0
    return out


def _counts(values: np.ndarray) -> np.ndarray:
    """(256,) float64 histogram of uint8 ``values``."""
    return np.bincount(values, minlength=256).astype(np.float64)


def match_histograms(frames: np.ndarray, valid: np.ndarray, reference: int) -> np.ndarray:
    """Match each frame's per-band histogram to the reference frame's, over valid pixels.

    frames: (N, H, W, 3) uint8; valid: (N, H, W) bool. Each band gets the monotone lookup
    table that maps its cumulative histogram onto the reference's. The reference frame,
    frames without valid pixels and nodata (kept 0) are unchanged. Returns a new
    (N, H, W, 3) uint8 array.
    """
    n = frames.shape[0]
    if not 0 <= reference < n:
        raise InputError(f"The histogram reference frame {reference + 1} is not in the series of {n} frames.")
    ref_ok = valid[reference]
    if not ref_ok.any():
        raise InputError(f"The histogram reference frame {reference + 1} has no valid pixels.")
    out = frames.copy()
    levels = np.arange(256, dtype=np.float64)
    ref_quantiles = []
    for b in range(3):
        counts = _counts(frames[reference, :, :, b][ref_ok])
        present = counts > 0
        ref_quantiles.append((np.cumsum(counts[present]) / counts.sum(), levels[present]))
    for i in range(n):
        ok = valid[i]
        if i == reference or not ok.any():
            continue
        for b in range(3):
            band = frames[i, :, :, b]
            counts = _counts(band[ok])
            src_q = np.cumsum(counts) / counts.sum()
            ref_q, ref_levels = ref_quantiles[b]
            lut = np.rint(np.interp(src_q, ref_q, ref_levels)).astype(np.uint8)
            out[i, :, :, b] = lut[band]
        out[i][~ok] = 0
    return out


# --- A common radiometric scale -------------------------------------------------------

#: Known full scales of stored values: 8, 10 and 12 bits, reflectance x 10000, 16 bits.
FULL_SCALES = (255.0, 1023.0, 4095.0, 10000.0, 65535.0)
#: Integer reflectance is conventionally stored x 10000; clouds reach about 1.5.
REFLECTANCE_SCALE = 10000.0
#: Values in 0..this (after any declared scale and offset) are float reflectance.
FLOAT_REFLECTANCE_MAX = 2.0
#: The percentile of valid values taken as a scene's robust maximum.
ROBUST_PERCENTILE = 99.5
_RANGE_SAMPLE = 250_000


@dataclass(frozen=True)
class Radiometry:
    """What one scene's stored values are.

    dtype: numpy name of the stored bands; scales, offsets: per file band, as declared by
    the file (physical = stored * scale + offset; 1 and 0 when not declared); nbits: the
    declared bit depth (TIFF NBITS) or None; robust_max, maximum: the 99.5th percentile and
    the maximum of the valid values read (after scale and offset), NaN without valid data.
    """

    dtype: str
    scales: tuple[float, ...]
    offsets: tuple[float, ...]
    nbits: int | None = None
    robust_max: float = math.nan
    maximum: float = math.nan

    @property
    def declared(self) -> bool:
        """True when the file declares a scale or offset other than 1 and 0."""
        return any(s != 1.0 for s in self.scales) or any(o != 0.0 for o in self.offsets)

    @property
    def family(self) -> tuple:
        """Scenes of one family are stored the same way and get the same full scale."""
        return (self.dtype, self.scales, self.offsets, self.nbits)


def declared_radiometry(path: Path, dtype: str) -> Radiometry:
    """The scale, offset and bit depth a raster file declares (rasterio's ``scales``,
    ``offsets`` and the NBITS image-structure tag); unreadable metadata counts as none."""
    try:
        with open_raster(path) as src:
            scales = tuple(float(v) if v is not None and math.isfinite(v) and v != 0 else 1.0
                           for v in src.scales)
            offsets = tuple(float(v) if v is not None and math.isfinite(v) else 0.0
                            for v in src.offsets)
            nbits = src.tags(1, ns="IMAGE_STRUCTURE").get("NBITS")
    except (RasterioError, OSError):
        return Radiometry(dtype=dtype, scales=(), offsets=())
    try:
        bits = int(nbits) if nbits is not None else None
    except ValueError:
        bits = None
    return Radiometry(dtype=dtype, scales=scales, offsets=offsets, nbits=bits)


def band_map(radiometry: Radiometry, band: int, full_scale: float = 1.0) -> tuple[float, float]:
    """(gain, bias) taking stored values of 1-based ``band`` to ``physical / full_scale``."""
    i = band - 1
    scale = radiometry.scales[i] if i < len(radiometry.scales) else 1.0
    offset = radiometry.offsets[i] if i < len(radiometry.offsets) else 0.0
    return scale / full_scale, offset / full_scale


def with_value_range(radiometry: Radiometry, values: np.ndarray, valid: np.ndarray,
                     bands: Sequence[int]) -> Radiometry:
    """``radiometry`` with the robust maximum and maximum of the valid ``values``.

    values: (B, H, W) float32 stored values of the 1-based ``bands``; valid: (H, W) bool.
    Large scenes are sampled on a regular spatial stride.
    """
    h, w = valid.shape
    step = max(1, int(np.ceil(np.sqrt(h * w / _RANGE_SAMPLE))))
    ok = valid[::step, ::step]
    parts = []
    for k, band in enumerate(bands):
        gain, bias = band_map(radiometry, band)
        parts.append(values[k, ::step, ::step][ok].astype(np.float64) * gain + bias)
    sample = np.concatenate(parts) if parts else np.zeros(0)
    sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return radiometry
    robust = float(np.percentile(sample, ROBUST_PERCENTILE))
    return Radiometry(radiometry.dtype, radiometry.scales, radiometry.offsets, radiometry.nbits,
                      robust_max=robust, maximum=float(sample.max()))


def full_scale(dtype: str, robust_max: float, maximum: float, nbits: int | None = None,
               declared: bool = False) -> float:
    """The value that stands for full reflectance (1.0) in data of this kind.

    uint8: 255. A declared bit depth below 14: 2**nbits - 1. Float data, or data with a
    declared scale or offset (already physical): 1.0 when the robust maximum is at most
    FLOAT_REFLECTANCE_MAX (reflectance 0..1.x). Otherwise integers are reflectance x 10000,
    unless the values clearly use another known full scale: a smaller one (255, 1023,
    4095) when no value exceeds it and the robust maximum reaches at least half of it, or
    a larger one (65535, or the data type's maximum) when the robust maximum is above 1.5
    x 10000.
    """
    kind = np.dtype(dtype).kind
    if not declared and kind in "ui":
        if np.dtype(dtype).itemsize == 1:
            return float(np.iinfo(dtype).max)
        if nbits is not None and 1 <= nbits < 14:
            return float(2 ** nbits - 1)
    if not math.isfinite(robust_max):
        return 1.0 if declared or kind == "f" else REFLECTANCE_SCALE
    if (declared or kind == "f") and robust_max <= FLOAT_REFLECTANCE_MAX:
        return 1.0
    top = float(np.iinfo(dtype).max) if kind in "ui" and not declared else math.inf
    if robust_max > 1.5 * REFLECTANCE_SCALE:
        for scale in (min(65535.0, top), top):  # int16 tops out at 32767
            if maximum <= scale:
                return scale
        return float(maximum)
    for scale in FULL_SCALES[:3]:
        if maximum <= scale and robust_max >= scale / 2:
            return scale
    return REFLECTANCE_SCALE


def family_full_scales(radiometries: Sequence[Radiometry]) -> list[float]:
    """One full scale per scene, the same for every scene of one family: decided on the
    family's brightest robust maximum and its maximum, so a dark date never changes it."""
    pooled: dict[tuple, tuple[float, float]] = {}
    for r in radiometries:
        robust, top = pooled.get(r.family, (math.nan, math.nan))
        if math.isfinite(r.robust_max):
            robust = r.robust_max if not math.isfinite(robust) else max(robust, r.robust_max)
            top = r.maximum if not math.isfinite(top) else max(top, r.maximum)
        pooled[r.family] = (robust, top)
    return [full_scale(r.dtype, *pooled[r.family], nbits=r.nbits, declared=r.declared)
            for r in radiometries]


def common_scale_maps(radiometries: Sequence[Radiometry],
                      bands: Sequence[Sequence[int]]) -> list[dict[int, tuple[float, float]]]:
    """Per scene, 1-based band -> (gain, bias) taking its stored values of the bands read
    (``bands``, one sequence per scene) onto the common scale (reflectance 0..1.x)."""
    scales = family_full_scales(radiometries)
    return [{b: band_map(r, b, f) for b in bs} for r, f, bs in zip(radiometries, scales, bands)]
