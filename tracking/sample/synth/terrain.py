"""The synthetic DEM of an incised valley, the sun's position, and terrain shading."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from tracking.sample.synth.layout import PIXEL_M, Layout
from tracking.sample.synth.noise import fractal_noise, smoothstep

RIVER_ELEVATION_M = 1450.0


def _softplus(x: np.ndarray, scale: float) -> np.ndarray:
    return scale * np.logaddexp(0.0, x / scale)


def make_dem(layout: Layout, rng: np.random.Generator) -> np.ndarray:
    """Elevation in metres, (Hw, Ww) float32.

    A flat-floored V valley: the west bank rises at about 35 degrees and flattens
    upwards; the east bank has a gentle river terrace (fields, a village) below a
    steep slope. Ridges and gullies run downslope (the landslide sits in a hollow),
    and fractal noise roughens everything off the valley floor.
    """
    p, q = layout.coords
    pm, qm = p * PIXEL_M, q * PIXEL_M
    floor = 30.0
    xw = _softplus(pm - floor, 20.0)
    xe = _softplus(-pm - floor, 20.0)
    big = 1.6 * layout.size * PIXEL_M
    west = 0.72 * big * (1.0 - np.exp(-xw / big))
    bench = 0.09 * layout.size * PIXEL_M
    east = 0.12 * xe + 0.75 * _softplus(xe - bench, 40.0)
    z = RIVER_ELEVATION_M - 0.015 * qm + np.where(pm > 0, west, east)

    off_floor = smoothstep(0.0, 150.0, np.maximum(xw, xe))
    shape = layout.world_shape
    warp = 0.9 * fractal_noise(shape, rng, beta=3.5, min_period=8)
    wavelength = 45.0  # pixels: first-order gullies about 450 m apart
    # the warp leaves the landslide's own hollow straight and bends the others
    bend = warp * smoothstep(0.15 * wavelength, 0.5 * wavelength, np.abs(q - layout.scar_q))
    phase = np.cos(2 * np.pi * (q - layout.scar_q) / wavelength + bend)
    gully = 1.0 - 2.0 * ((1.0 - phase) / 2.0) ** 0.6  # rounded spurs, sharp gully floors
    fine = np.cos(2 * np.pi * q / 17.0 + 2.0 * warp + 1.3 * fractal_noise(shape, rng, beta=3.0, min_period=6))
    slope_zone = off_floor * smoothstep(0.0, 25.0, np.abs(p))
    z -= (45.0 * gully + 8.0 * fine) * slope_zone * (0.6 + 0.4 * smoothstep(0.0, 80.0, np.abs(p)))
    z += 35.0 * fractal_noise(shape, rng, beta=3.0, min_period=4) * off_floor
    z += 1.5 * fractal_noise(shape, rng, beta=2.0)
    return z.astype(np.float32)


def slope_aspect(dem: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(slope_deg, d_east, d_north): slope in degrees and the elevation gradient (m/m)."""
    dy, dx = np.gradient(dem, PIXEL_M)
    d_east, d_north = dx, -dy  # image rows point south
    slope = np.degrees(np.arctan(np.hypot(d_east, d_north)))
    return slope.astype(np.float32), d_east.astype(np.float32), d_north.astype(np.float32)


def illumination(dem: np.ndarray, azimuth_deg: float, elevation_deg: float,
                 diffuse: float = 0.3) -> np.ndarray:
    """Topographic illumination factor (1 on flat ground), (H, W) float32.

    Lambertian: ``diffuse + (1 - diffuse) * cos(incidence) / sin(sun elevation)``;
    slopes facing away from the sun keep only the diffuse (sky) light.
    """
    _, gx, gy = slope_aspect(dem)
    norm = np.sqrt(gx * gx + gy * gy + 1.0)
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    sun = (math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el))
    cos_i = (-gx * sun[0] - gy * sun[1] + sun[2]) / norm
    direct = np.clip(cos_i, 0.0, None) / max(math.sin(el), 0.05)
    return np.clip(diffuse + (1.0 - diffuse) * direct, 0.0, 2.2).astype(np.float32)


def sun_position(when: dt.datetime, lon: float, lat: float) -> tuple[float, float]:
    """(azimuth, elevation) of the sun in degrees for a UTC time (azimuth from north, clockwise)."""
    doy = when.timetuple().tm_yday
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365.0)
    solar_hours = when.hour + when.minute / 60.0 + lon / 15.0
    h = math.radians(15.0 * (solar_hours - 12.0))
    phi = math.radians(lat)
    sin_el = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(h)
    el = math.degrees(math.asin(sin_el))
    az = math.degrees(math.atan2(math.sin(h), math.cos(h) * math.sin(phi) - math.tan(decl) * math.cos(phi)))
    return (az + 180.0) % 360.0, el
