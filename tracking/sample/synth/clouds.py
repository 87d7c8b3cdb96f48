"""Clouds and their shadows, cast away from the sun by the cloud's height."""

from __future__ import annotations

import math

import numpy as np

from tracking.sample.synth import spectra
from tracking.sample.synth.layout import PIXEL_M, Layout
from tracking.sample.synth.noise import fractal_noise, smoothstep


def cloud_layer(layout: Layout, rng: np.random.Generator, fraction: float, sun_azimuth: float,
                sun_elevation: float, height_m: float = 1200.0,
                max_period: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(cloud opacity, shadow opacity), both (Hw, Ww) float32 0..1.

    About ``fraction`` of the reference grid is under cloud thicker than one half.
    ``max_period`` (pixels) bounds the cloud size: small for fair-weather cumulus,
    None for a frontal overcast.
    """
    length = height_m / math.tan(math.radians(max(sun_elevation, 10.0))) / PIXEL_M
    az = math.radians(sun_azimuth)
    dx, dy = -math.sin(az) * length, math.cos(az) * length  # away from the sun; rows point south
    m = int(math.ceil(max(abs(dx), abs(dy)))) + 2
    hw = layout.world_size
    shape = (hw + 2 * m, hw + 2 * m)
    field = 0.85 * fractal_noise(shape, rng, beta=3.4, min_period=3, max_period=max_period)
    field += 0.35 * fractal_noise(shape, rng, beta=1.8, min_period=1.5)
    ref = field[m + layout.pad:m + layout.pad + layout.size, m + layout.pad:m + layout.pad + layout.size]
    thr = float(np.quantile(ref, 1.0 - fraction))
    alpha_all = smoothstep(thr - 0.25, thr + 0.25, field)
    alpha = alpha_all[m:m + hw, m:m + hw]
    ox, oy = int(round(dx)), int(round(dy))
    shadow = alpha_all[m - oy:m - oy + hw, m - ox:m - ox + hw]
    return alpha.astype(np.float32), shadow.astype(np.float32)


def apply_clouds(refl: np.ndarray, alpha: np.ndarray, shadow: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Darken the ground under the shadows, then lay the clouds over it; (4, H, W) float32."""
    ground = refl * (1.0 - 0.68 * shadow)[None]
    texture = 1.0 + 0.06 * fractal_noise(alpha.shape, rng, beta=2.2, min_period=2)
    cloud = spectra.CLOUD * ((0.72 + 0.28 * alpha) * texture)[None]
    return spectra.mix(alpha, cloud, ground).astype(np.float32)
