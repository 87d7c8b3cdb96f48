"""Harmonisation: one stretch shared by every frame, optional histogram matching.

A per-frame min/max stretch would make a hazy, darker or brighter date look like every
other one and hide real change; a single stretch keeps the frames comparable.
"""

from __future__ import annotations

import numpy as np

from .errors import InputError

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
    if stack.ndim != 4 or stack.shape[1] != 3 or valid.shape != (stack.shape[0],) + stack.shape[2:]:
        raise ValueError("stack must be (N, 3, H, W) and valid (N, H, W)")
    chosen = valid if sample is None else valid & sample
    limits = shared_percentiles(stack, chosen if chosen.any() else valid, low, high)
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
