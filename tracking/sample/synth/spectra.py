"""Surface reflectance of each material, bands (blue, green, red, nir), 0..1.

Values are typical of Sentinel-2 L2A over the Sichuan mountains: vegetation
dark in the visible and bright in the NIR, bare soil and rock bright in the
visible with a low NIR/red ratio, water dark in the NIR.
"""

from __future__ import annotations

import numpy as np


def _s(*values: float) -> np.ndarray:
    return np.array(values, np.float32)[:, None, None]


FOREST_SUMMER = _s(0.022, 0.045, 0.026, 0.30)
FOREST_WINTER = _s(0.027, 0.043, 0.038, 0.20)
MEADOW_SUMMER = _s(0.033, 0.068, 0.042, 0.35)
MEADOW_WINTER = _s(0.058, 0.082, 0.108, 0.20)
CROP_GREEN = _s(0.030, 0.072, 0.040, 0.40)
CROP_BARE = _s(0.082, 0.108, 0.138, 0.195)
CROP_STUBBLE = _s(0.078, 0.100, 0.120, 0.215)
PLASTIC = _s(0.190, 0.205, 0.215, 0.235)

SCAR_SOIL = _s(0.120, 0.150, 0.188, 0.245)  # fresh weathered granite / soil
SCAR_ROCK = _s(0.135, 0.152, 0.168, 0.205)  # grey blocks, bedrock in the scarp
SCAR_WET = _s(0.075, 0.092, 0.108, 0.150)  # moist fine debris
OUTCROP = _s(0.118, 0.138, 0.158, 0.198)  # weathered bedrock: close to the scar on purpose
ROAD = _s(0.150, 0.168, 0.186, 0.215)  # concrete
ROOF_TILE = _s(0.095, 0.105, 0.115, 0.135)
ROOF_CONCRETE = _s(0.190, 0.205, 0.215, 0.235)
WATER_CLEAR = _s(0.045, 0.062, 0.042, 0.020)
WATER_TURBID = _s(0.058, 0.074, 0.078, 0.048)  # silt-laden monsoon flow
GRAVEL = _s(0.112, 0.130, 0.150, 0.180)
SNOW = _s(0.860, 0.845, 0.820, 0.680)
CLOUD = _s(0.640, 0.625, 0.615, 0.600)


def mix(weight: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` where weight is 1, ``b`` where it is 0; weight (H, W), a/b (4, H, W) or (4, 1, 1)."""
    return b + weight[None] * (a - b)


def season_mix(green: float, summer: np.ndarray, winter: np.ndarray) -> np.ndarray:
    """Spectrum between the winter (green=0) and summer (green=1) state."""
    return winter + green * (summer - winter)
