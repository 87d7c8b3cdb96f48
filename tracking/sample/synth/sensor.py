"""What the sensor makes of the surface: calibration, haze, noise, jitter, other grids, DNs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.warp import Resampling, reproject
from scipy import ndimage

from tracking.sample.synth.layout import CRS as CRS_NAME
from tracking.sample.synth.layout import ORIGIN, PIXEL_M, Layout

SCALE = 10000.0
#: band-wise calibration of each sensor family relative to Sentinel-2 (B, G, R, NIR)
SENSOR_GAIN = {
    "Sentinel-2": (1.0, 1.0, 1.0, 1.0),
    "Landsat": (1.03, 1.0, 0.96, 1.05),
    "PlanetScope": (0.90, 0.95, 1.07, 1.15),
    "archive": (1.12, 1.06, 0.93, 0.88),
}
SENSOR_NOISE = {"Sentinel-2": 0.0035, "Landsat": 0.0045, "PlanetScope": 0.008, "archive": 0.006}
#: largest co-registration error (pixels) per sensor family: Sentinel-2's multi-temporal
#: registration is a few tenths of a pixel; other sensors are registered less well
SENSOR_JITTER = {"Sentinel-2": 0.4, "Landsat": 0.6, "PlanetScope": 0.8, "archive": 0.8}
OTHER_PIXEL_M = 15.0
OTHER_SHIFT_M = (-37.0, 22.0)  # origin of the other grid relative to the reference grid (x, y)


@dataclass(frozen=True)
class SensorRadiometry:
    """Per-scene calibration: reflectance_out = gain * reflectance + offset + noise."""

    gain: tuple[float, float, float, float]
    offset: tuple[float, float, float, float]
    noise: float
    jitter: tuple[float, float]  # (dx, dy) pixels the image content is displaced

    def to_dict(self) -> dict:
        return {"gain": [round(g, 4) for g in self.gain], "offset": [round(o, 4) for o in self.offset],
                "noise": self.noise, "jitter_px": [round(j, 3) for j in self.jitter]}


def family(sensor: str) -> str:
    """The sensor family of a sensor name (its gain table entry), else "archive"."""
    for name in SENSOR_GAIN:
        if sensor.startswith(name):
            return name
    return "archive"


def draw_radiometry(sensor: str, rng: np.random.Generator, reference: bool) -> SensorRadiometry:
    """A scene's gain, haze offset, noise and co-registration jitter (none on the reference)."""
    base = np.array(SENSOR_GAIN[family(sensor)])
    gain = base * rng.uniform(0.94, 1.06) * rng.uniform(0.97, 1.03, 4)
    haze = rng.uniform(0.0, 0.03)
    offset = haze * np.array([1.0, 0.62, 0.38, 0.15]) + rng.uniform(-0.004, 0.004, 4)
    if reference:
        jitter = (0.0, 0.0)
    else:
        r, a = rng.uniform(0.1, SENSOR_JITTER[family(sensor)]), rng.uniform(0, 2 * math.pi)
        jitter = (r * math.cos(a), r * math.sin(a))
    return SensorRadiometry(tuple(float(g) for g in gain), tuple(float(o) for o in offset),
                      SENSOR_NOISE[family(sensor)], jitter)


def calibrate(refl: np.ndarray, rad: SensorRadiometry) -> np.ndarray:
    """Gain, offset and the sub-pixel jitter applied to (4, Hw, Ww) reflectance (no noise yet)."""
    out = refl * np.array(rad.gain, np.float32)[:, None, None] + np.array(rad.offset, np.float32)[:, None, None]
    if rad.jitter != (0.0, 0.0):
        out = np.stack([ndimage.shift(b, (rad.jitter[1], rad.jitter[0]), order=1, mode="nearest")
                        for b in out])
    return out.astype(np.float32)


def other_grid(layout: Layout) -> tuple[Affine, int, int]:
    """(transform, width, height) of the coarser grid: 15 m pixels, shifted origin, same area."""
    x0, y0 = ORIGIN[0] + OTHER_SHIFT_M[0], ORIGIN[1] + OTHER_SHIFT_M[1]
    extent = layout.size * PIXEL_M
    width = int(math.ceil((extent - OTHER_SHIFT_M[0]) / OTHER_PIXEL_M))
    height = int(math.ceil((extent + OTHER_SHIFT_M[1]) / OTHER_PIXEL_M))
    return Affine(OTHER_PIXEL_M, 0.0, x0, 0.0, -OTHER_PIXEL_M, y0), width, height


def to_other_grid(world: np.ndarray, layout: Layout) -> tuple[np.ndarray, Affine]:
    """Average (4, Hw, Ww) world reflectance onto the 15 m grid: ((4, h, w) float32, transform)."""
    transform, width, height = other_grid(layout)
    out = np.zeros((world.shape[0], height, width), np.float32)
    crs = CRS.from_string(CRS_NAME)
    reproject(world, out, src_transform=layout.world_transform, src_crs=crs,
              dst_transform=transform, dst_crs=crs, resampling=Resampling.average)
    return out, transform


def to_dn(refl: np.ndarray, rad: SensorRadiometry, rng: np.random.Generator) -> np.ndarray:
    """Add sensor noise and quantise to uint16 (scale 10000); 0 stays free for nodata."""
    noisy = refl + rng.normal(0.0, rad.noise, refl.shape).astype(np.float32)
    return np.clip(np.rint(noisy * SCALE), 1, 65535).astype(np.uint16)


def nodata_edge(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """(H, W) bool: the no-data side of a swath edge across the east of the scene (~10 %)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    tilt = rng.uniform(0.15, 0.3)
    score = xx + tilt * yy
    return score > np.quantile(score, 1.0 - rng.uniform(0.08, 0.12))
