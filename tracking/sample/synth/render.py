"""Build one synthetic world and render each acquisition of it as surface reflectance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracking.sample.synth import spectra
from tracking.sample.synth.clouds import apply_clouds, cloud_layer
from tracking.sample.synth.landcover import LandCover, make_landcover, snow_cover, surface
from tracking.sample.synth.layout import LONLAT, Layout, make_layout
from tracking.sample.synth.scar import ScarModel, ScarState
from tracking.sample.synth.schedule import Acquisition, greenness
from tracking.sample.synth.terrain import illumination, make_dem, sun_position


@dataclass
class World:
    """Everything that does not change between acquisitions, plus the scar's history."""

    layout: Layout
    dem: np.ndarray  # (Hw, Ww) float32 metres
    scar: ScarModel
    states: list[ScarState]  # one per acquisition, in date order
    landcover: LandCover
    snowline_m: float


def build_world(size: int, rngs: list[np.random.Generator], years: list[float],
                failure_t: float) -> World:
    """The valley, the landslide's states at ``years`` (since the first date) and the land cover."""
    layout, scar, states = build_scar(size, rngs, years, failure_t)
    dem = make_dem(layout, rngs[1])
    final = states[-1].mask
    landcover = make_landcover(layout, rngs[3], dem, final)
    crown = float(dem[final].max()) if final.any() else float(dem.mean())
    snowline = max(float(np.quantile(layout.crop(dem), 0.80)), crown + 80.0)
    return World(layout, dem, scar, states, landcover, snowline)


def build_scar(size: int, rngs: list[np.random.Generator], years: list[float],
               failure_t: float) -> tuple[Layout, ScarModel, list[ScarState]]:
    """The layout and the landslide's states alone (no terrain, land cover or scene), from the
    same generators as :func:`build_world` (``rngs[0]`` the layout, ``rngs[2]`` the scar), so
    the states are the ones :func:`build_world` makes."""
    layout = make_layout(size, rngs[0])
    scar = ScarModel(layout, rngs[2], failure_t)
    return layout, scar, scar.evolve(years)


def render(world: World, acq: Acquisition, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Reflectance on the world grid seen from above the atmosphere's haze, (4, Hw, Ww) float32.

    Returns the image and a few facts for the sample's manifest (sun, season, cover fractions
    on the reference grid).
    """
    state = world.states[acq.index]
    green = greenness(acq.date)
    azimuth, elevation = sun_position(acq.when, *LONLAT)
    dem = world.dem + state.dz
    refl = surface(world.landcover, green, state.river_shift)
    scar_refl, cover = world.scar.reflectance(state, green)
    refl = spectra.mix(cover, scar_refl, refl)
    snow_fraction = 0.0
    if acq.snow:
        snow = snow_cover(world.landcover, dem, world.snowline_m)
        refl = spectra.mix(snow, spectra.SNOW, refl)
        snow_fraction = float((world.layout.crop(snow) > 0.5).mean())
    refl = refl * illumination(dem, azimuth, elevation)[None]
    cloud_fraction = 0.0
    if acq.clouds != "none":
        max_period = None if acq.clouds == "overcast" else 30.0
        height = 1500.0 if acq.clouds == "overcast" else 1000.0
        alpha, shadow = cloud_layer(world.layout, rng, acq.cloud_fraction, azimuth, elevation,
                                    height_m=height, max_period=max_period)
        refl = apply_clouds(refl, alpha, shadow, rng)
        cloud_fraction = float((world.layout.crop(alpha) > 0.5).mean())
    facts = {"sun_azimuth": round(azimuth, 1), "sun_elevation": round(elevation, 1),
             "greenness": round(green, 2), "cloud_fraction": round(cloud_fraction, 3),
             "snow_fraction": round(snow_fraction, 3)}
    return refl.astype(np.float32), facts
