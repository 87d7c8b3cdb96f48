"""Random fields: fractal (power-law) noise and smooth steps."""

from __future__ import annotations

import numpy as np


def fractal_noise(shape: tuple[int, int], rng: np.random.Generator, beta: float = 3.0,
                  min_period: float = 2.0, max_period: float | None = None) -> np.ndarray:
    """Isotropic noise with power spectrum ~ 1 / f**beta, scaled to zero mean and unit std.

    beta 2..4 gives smooth terrain-like fields, 1..2 rough texture.
    ``min_period`` / ``max_period`` (pixels) cut the spectrum below / above those
    wavelengths. Returns (H, W) float32.
    """
    h, w = shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f = np.sqrt(fx * fx + fy * fy)
    f[0, 0] = 1.0
    amp = f ** (-beta / 2.0)
    amp[f > 1.0 / min_period] = 0.0
    if max_period is not None:
        amp[f < 1.0 / max_period] = 0.0
    amp[0, 0] = 0.0
    spec = rng.standard_normal(amp.shape) + 1j * rng.standard_normal(amp.shape)
    field = np.fft.irfft2(spec * amp, s=shape)
    std = field.std()
    if std > 0:
        field = (field - field.mean()) / std
    return field.astype(np.float32)


def smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    """0 below ``edge0``, 1 above ``edge1``, a smooth cubic ramp between (float32)."""
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function of ``x``, as float32."""
    return (1.0 / (1.0 + np.exp(-x))).astype(np.float32)


def uniform01(field: np.ndarray) -> np.ndarray:
    """Map a unit-std field to 0..1 by its rank-free Gaussian CDF approximation."""
    return sigmoid(1.7 * field)
