"""Tiny synthetic series for the baseline engine's tests, generated on the fly.

A bare-soil scar (a textured, irregular blob) grows over a textured vegetated
slope whose colour shifts with the seasons; a look-alike bare patch sits away
from the scar, and terrain shading darkens one side of the frame.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

# RGB of the seasons' vegetation (spring, summer, autumn, winter) and of bare soil.
SEASONS = np.array([[95, 130, 70], [60, 105, 50], [125, 115, 60], [105, 100, 80]], np.float32)
SOIL = np.array([178, 160, 135], np.float32)


def _texture(shape: tuple[int, int], rng: np.random.Generator, sigmas=(1.0, 3.0, 8.0)) -> np.ndarray:
    """(H, W) float32 multi-scale noise with unit standard deviation."""
    t = sum(ndi.gaussian_filter(rng.normal(size=shape), s) * s for s in sigmas)
    return ((t - t.mean()) / t.std()).astype(np.float32)


def blob(shape: tuple[int, int], centre: tuple[float, float], radius: float, rng_seed: int,
         roughness: float = 0.18) -> np.ndarray:
    """(H, W) bool irregular star-shaped blob; the same ``rng_seed`` gives the same outline shape."""
    rng = np.random.default_rng(rng_seed)
    amps = roughness * rng.uniform(0.3, 1.0, 5) / np.arange(1, 6)
    phases = rng.uniform(0, 2 * np.pi, 5)
    yy, xx = np.mgrid[:shape[0], :shape[1]].astype(np.float32)
    dy, dx = yy - centre[0], xx - centre[1]
    theta = np.arctan2(dy, dx)
    r = radius * (1 + sum(a * np.cos((k + 2) * theta + p) for k, (a, p) in enumerate(zip(amps, phases))))
    return np.hypot(dy, dx) <= r


def synthetic_series(n_frames: int = 8, size: int = 96, seed: int = 0, growth: float = 0.6,
                     failure_at: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A growing scar: returns images (N, size, size, 3) uint8 and truth (N, size, size) bool.

    The scar radius grows from 12% of the frame by ``growth`` (relative) over the series;
    ``failure_at`` adds a lobe attached downslope from that frame on. A look-alike bare
    patch sits in a corner, never touching the scar.
    """
    rng = np.random.default_rng(seed)
    shape = (size, size)
    veg_tex, soil_tex = _texture(shape, rng), _texture(shape, rng, (0.7, 2.0))
    shade = 1.0 + 0.15 * np.linspace(-1, 1, size, dtype=np.float32)[None, :] * np.ones(shape, np.float32)
    centre = (0.45 * size, 0.42 * size)
    r0 = 0.12 * size
    decoy = blob(shape, (0.82 * size, 0.82 * size), 0.08 * size, seed + 99)
    images, truth = [], []
    for t in range(n_frames):
        season = SEASONS[t % 4] + rng.normal(0, 4, 3)
        scar = blob(shape, centre, r0 * (1 + growth * t / max(1, n_frames - 1)), seed + 1)
        if failure_at is not None and t >= failure_at:
            scar |= blob(shape, (centre[0] + 1.3 * r0, centre[1] + 0.3 * r0), 0.7 * r0, seed + 2)
        img = season[None, None, :] * (1 + 0.12 * veg_tex[..., None])
        soil = SOIL * (1 + 0.03 * (t % 4 - 1.5) / 1.5) * (1 + 0.1 * soil_tex[..., None])
        img = np.where((scar | decoy)[..., None], soil, img)
        img = img * shade[..., None] + rng.normal(0, 4, img.shape)
        images.append(np.clip(img, 0, 255).astype(np.uint8))
        truth.append(scar)
    return np.stack(images), np.stack(truth)


def jump_series(size: int = 192, seed: int = 0, radii: tuple[float, float] = (8.0, 40.0),
                centre: tuple[float, float] = (0.5, 0.5), n_frames: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A scar of radius ``radii[0]`` px on the first date that jumps to ``radii[1]`` px on the
    next ones (a sudden large failure), centred at ``centre`` (fractions of the frame) on a
    textured vegetated slope through the seasons: images (N, size, size, 3) uint8, truth
    (N, size, size) bool."""
    rng = np.random.default_rng(seed)
    shape = (size, size)
    tex = ndi.gaussian_filter(rng.normal(size=shape), 2.0)
    tex = (tex / tex.std()).astype(np.float32)
    c = (centre[0] * size, centre[1] * size)
    images, truth = [], []
    for t in range(n_frames):
        scar = blob(shape, c, radii[0] if t == 0 else radii[1], seed + 1)
        img = SEASONS[t % 4][None, None, :] * (1 + 0.12 * tex[..., None])
        img = np.where(scar[..., None], SOIL * (1 + 0.08 * tex[..., None]), img) + rng.normal(0, 4, shape + (3,))
        images.append(np.clip(img, 0, 255).astype(np.uint8))
        truth.append(scar)
    return np.stack(images), np.stack(truth)
