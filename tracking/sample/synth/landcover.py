"""Land cover of the valley and how it looks in each season.

Static layers (drawn once per world): mixed forest and meadow patches from
multi-scale noise steered by aspect and elevation, bare rock outcrops (one
placed beside the landslide on purpose), terraced fields and a village on the
east-bank terrace, the roads, and the noise that shapes the river and its gravel
bars. :func:`surface` turns them into reflectance for one date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from tracking.sample.synth import spectra
from tracking.sample.synth.layout import Layout
from tracking.sample.synth.noise import fractal_noise, sigmoid, smoothstep, uniform01
from tracking.sample.synth.roads import road_cover
from tracking.sample.synth.terrain import slope_aspect


@dataclass
class LandCover:
    """Static layers, each (Hw, Ww) float32 (weights 0..1) unless stated."""

    forest: np.ndarray
    deciduous: np.ndarray
    texture_vis: np.ndarray  # unit-std texture of the visible bands
    texture_nir: np.ndarray
    outcrop: np.ndarray
    outcrop_tone: np.ndarray
    field: np.ndarray  # weight of farmland (lower on field margins)
    field_kind: np.ndarray  # int8: -1 none, 0 summer crop, 1 winter crop, 2 fallow, 3 plastic tunnels
    field_tone: np.ndarray
    village: np.ndarray
    roof_concrete: np.ndarray
    road: np.ndarray
    river_noise: np.ndarray
    gravel_noise: np.ndarray
    snow_noise: np.ndarray
    northness: np.ndarray
    p: np.ndarray  # valley coordinate across the river (pixels, west positive)


def make_landcover(layout: Layout, rng: np.random.Generator, dem: np.ndarray,
                   final_mask: np.ndarray) -> LandCover:
    """Draw the static land cover; ``final_mask`` (Hw, Ww) bool is the scar's last extent."""
    shape = layout.world_shape
    slope, ge, gn = slope_aspect(dem)
    northness = (-gn / np.maximum(np.hypot(ge, gn), 1e-3)).astype(np.float32)
    elev = (dem - dem.min()) / max(float(np.ptp(dem)), 1.0)
    p, q = layout.coords
    floor = smoothstep(layout.s(0.03), layout.s(0.08), np.abs(p))
    logit = (1.4 * fractal_noise(shape, rng, beta=2.6, min_period=3) + 0.9 * northness + 0.6
             - 2.5 * smoothstep(0.78, 1.0, elev) - 1.2 * smoothstep(38.0, 48.0, slope) - 1.5 * (1 - floor))
    forest = sigmoid(2.2 * logit)
    deciduous = uniform01(fractal_noise(shape, rng, beta=3.0, min_period=4))
    tone = fractal_noise(shape, rng, beta=2.0, min_period=2)
    crowns = fractal_noise(shape, rng, beta=0.6, min_period=1.2)
    texture_vis = 0.6 * tone + 0.8 * crowns * (0.4 + 0.6 * forest)
    texture_nir = 0.6 * tone + 0.5 * fractal_noise(shape, rng, beta=1.2, min_period=1.5)
    keep_out = ndimage.binary_dilation(final_mask, iterations=3)
    outcrop, outcrop_tone = _outcrops(layout, rng, elev, slope, final_mask)
    outcrop[keep_out] = 0.0
    field, kind, field_tone = _fields(layout, rng, slope)
    village, concrete = _village(layout, rng)
    return LandCover(
        forest=forest, deciduous=deciduous, texture_vis=texture_vis.astype(np.float32),
        texture_nir=texture_nir.astype(np.float32), outcrop=outcrop, outcrop_tone=outcrop_tone,
        field=field, field_kind=kind, field_tone=field_tone, village=village, roof_concrete=concrete,
        road=road_cover(layout, final_mask),
        river_noise=fractal_noise(shape, rng, beta=3.0, min_period=6),
        gravel_noise=fractal_noise(shape, rng, beta=2.5, min_period=2),
        snow_noise=fractal_noise(shape, rng, beta=2.8, min_period=2),
        northness=northness, p=p,
    )


def _outcrops(layout: Layout, rng: np.random.Generator, elev: np.ndarray, slope: np.ndarray,
              final_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bare rock on steep high ground (about 3 % of the area) plus one beside the scar."""
    shape = layout.world_shape
    rough = fractal_noise(shape, rng, beta=2.4, min_period=1.5)
    score = fractal_noise(shape, rng, beta=3.2, min_period=3) + 0.35 * rough + 1.5 * elev + 0.04 * (slope - 35.0)
    thr = float(np.quantile(score, 0.97))
    outcrop = smoothstep(thr, thr + 0.25, score)
    p, q = layout.coords
    v = q - layout.scar_q
    upper = final_mask & (p > layout.s(0.2))
    upstream = float(-v[upper].min()) if upper.any() else layout.s(0.1)
    du = (p - layout.s(0.33)) / layout.s(0.045)  # a rock band along the slope, beside the scar
    dv = (v + upstream + layout.s(0.05)) / layout.s(0.022)
    blob = np.sqrt(du ** 2 + dv ** 2) + 0.55 * rough
    outcrop = np.maximum(outcrop, smoothstep(1.0, 0.75, blob))
    outcrop *= 0.55 + 0.45 * uniform01(fractal_noise(shape, rng, beta=1.8, min_period=1.5))  # ledges, scrub
    tone = 1.0 + 0.12 * fractal_noise(shape, rng, beta=2.0, min_period=2)
    return outcrop.astype(np.float32), tone.astype(np.float32)


def _fields(layout: Layout, rng: np.random.Generator, slope: np.ndarray):
    """Small terraced parcels on the east-bank terrace: (weight, kind int8, tone)."""
    shape = layout.world_shape
    p, _ = layout.coords
    band = (p < -layout.s(0.014) - 3) & (p > -layout.s(0.085)) & (slope < 22.0)
    weight = np.zeros(shape, np.float32)
    kind = np.full(shape, -1, np.int8)
    tone = np.ones(shape, np.float32)
    if not band.any():
        return weight, kind, tone
    n_seeds = max(8, int(band.sum() / 30))
    rows, cols = np.nonzero(band)
    pick = rng.choice(rows.size, size=min(n_seeds, rows.size), replace=False)
    tree = cKDTree(np.column_stack([rows[pick], cols[pick]]).astype(float))
    dist, idx = tree.query(np.column_stack([rows, cols]).astype(float), k=2)
    parcel_kind = rng.choice([0, 1, 2, 3], size=pick.size, p=[0.45, 0.3, 0.2, 0.05]).astype(np.int8)
    parcel_tone = rng.uniform(0.85, 1.15, size=pick.size).astype(np.float32)
    margin = np.clip((dist[:, 1] - dist[:, 0]) / 0.9, 0.0, 1.0)
    weight[rows, cols] = 0.6 + 0.4 * margin
    kind[rows, cols] = parcel_kind[idx[:, 0]]
    tone[rows, cols] = parcel_tone[idx[:, 0]]
    edge = ndimage.gaussian_filter(band.astype(np.float32), 1.0)
    return (weight * edge).astype(np.float32), kind, tone


def _village(layout: Layout, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Scattered houses on the terrace downstream of the landslide: (roof weight, concrete 0..1)."""
    shape = layout.world_shape
    p, q = layout.coords
    dist = np.hypot((p + layout.s(0.05)) / layout.s(0.03), (q - layout.scar_q - layout.s(0.3)) / layout.s(0.06))
    houses = smoothstep(0.9, 1.6, fractal_noise(shape, rng, beta=0.4, min_period=1.5))
    weight = houses * smoothstep(1.0, 0.6, dist)
    concrete = (uniform01(fractal_noise(shape, rng, beta=1.0, min_period=2)) > 0.55).astype(np.float32)
    return weight.astype(np.float32), concrete


def _vegetation(lc: LandCover, green: float) -> np.ndarray:
    forest_winter = spectra.FOREST_WINTER + 0.5 * lc.deciduous[None] * (spectra.MEADOW_WINTER - spectra.FOREST_WINTER)
    summer = spectra.mix(lc.forest, spectra.FOREST_SUMMER, spectra.MEADOW_SUMMER)
    winter = spectra.mix(lc.forest, forest_winter, spectra.MEADOW_WINTER)
    veg = spectra.season_mix(green, summer, winter)
    veg[:3] *= 1.0 + 0.10 * lc.texture_vis
    veg[3] *= 1.0 + 0.07 * lc.texture_nir
    return veg


def _crops(lc: LandCover, green: float) -> np.ndarray:
    kinds = [
        spectra.season_mix(green, spectra.CROP_GREEN, spectra.CROP_BARE),  # maize, rice
        spectra.season_mix(green, spectra.CROP_STUBBLE, spectra.CROP_GREEN),  # wheat, rape
        spectra.season_mix(green, spectra.MEADOW_SUMMER, spectra.MEADOW_WINTER),
        spectra.PLASTIC,
    ]
    out = np.zeros((4,) + lc.field_kind.shape, np.float32)
    for k, spec in enumerate(kinds):
        sel = lc.field_kind == k
        out[:, sel] = spec.reshape(4, 1)
    return out * lc.field_tone[None]


def surface(lc: LandCover, green: float, river_shift: np.ndarray) -> np.ndarray:
    """Surface reflectance without the scar, (4, Hw, Ww) float32.

    ``green`` 0..1 is the season (0 dry winter, 1 summer); the river runs higher and
    muddier in summer and is pushed ``river_shift`` pixels east where a fan blocks it.
    """
    refl = _vegetation(lc, green)
    refl = spectra.mix(lc.field, _crops(lc, green), refl)
    refl = spectra.mix(lc.outcrop, spectra.OUTCROP * lc.outcrop_tone[None], refl)
    roofs = spectra.mix(lc.roof_concrete, spectra.ROOF_CONCRETE, spectra.ROOF_TILE)
    refl = spectra.mix(lc.village, roofs, refl)
    refl = spectra.mix(lc.road, spectra.ROAD, refl)
    across = np.abs(lc.p + river_shift)
    half = 2.0 + 1.2 * green + 0.6 * lc.river_noise
    gravel = smoothstep(half + 3.0, half + 1.2, across) * smoothstep(0.5, 1.0, lc.gravel_noise) * (1.2 - green)
    refl = spectra.mix(gravel, spectra.GRAVEL * (1.0 + 0.08 * lc.texture_vis[None]), refl)
    water = smoothstep(half + 0.7, half - 0.7, across)
    refl = spectra.mix(water, spectra.season_mix(green, spectra.WATER_TURBID, spectra.WATER_CLEAR), refl)
    return refl.astype(np.float32)


def snow_cover(lc: LandCover, dem: np.ndarray, snowline_m: float) -> np.ndarray:
    """Patchy snow above ``snowline_m`` (lower on north-facing slopes), (Hw, Ww) float32 0..1."""
    line = snowline_m - 60.0 * lc.northness + 40.0 * lc.snow_noise
    return (smoothstep(line - 30.0, line + 50.0, dem) * (0.75 + 0.25 * uniform01(lc.snow_noise))).astype(np.float32)
