"""Generated scenes for the grid, quality and pipeline tests: a marker at a known world position,
vegetated land with a bright bare scar and a road, soft white clouds, snow.

Everything is written into a test's ``tmp_path``; nothing is committed binary data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.warp import transform

from tests.helpers.scenes import write_geotiff

#: A known world position near Wenchuan (UTM zone 48 N).
LON, LAT = 103.47, 31.06


def world_xy(crs: str, lon: float = LON, lat: float = LAT) -> tuple[float, float]:
    xs, ys = transform("EPSG:4326", crs, [lon], [lat])
    return xs[0], ys[0]


def marker_scene(path: Path, crs: str, pixel: float, size: int = 120, offset: tuple[float, float] = (0, 0),
                 value: int = 5000, nodata: float | None = None) -> Path:
    """A 4-band uint16 scene of ``size`` x ``size`` pixels of ``pixel`` CRS units, dark background,
    with a 1-pixel bright marker at (LON, LAT). ``offset`` shifts the scene (in pixels) so the
    marker is not at its centre."""
    cx, cy = world_xy(crs)
    left = cx - (size // 2 + offset[0] + 0.5) * pixel  # the point is a pixel centre
    top = cy + (size // 2 + offset[1] + 0.5) * pixel
    tr = Affine(pixel, 0.0, left, 0.0, -pixel, top)
    data = np.full((4, size, size), 400, dtype="uint16")
    col, row = ~tr @ (cx, cy)
    data[:, int(row), int(col)] = value
    return write_geotiff(path, data, crs=crs, transform=tr, nodata=nodata)


def smooth_noise(shape: tuple[int, int], scale: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth random field in 0..1 (FFT low-pass of white noise), correlation length ``scale`` px."""
    h, w = shape
    noise = rng.standard_normal((h, w))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    spectrum = np.fft.fft2(noise) * np.exp(-((fx ** 2 + fy ** 2) * (scale ** 2) * 2 * np.pi ** 2))
    field = np.real(np.fft.ifft2(spectrum))
    field -= field.min()
    return field / max(float(field.max()), 1e-12)


def landscape(shape=(160, 160), seed: int = 0, scar: bool = True, road: bool = True) -> np.ndarray:
    """(4, H, W) float reflectance 0..1 in band order R, G, B, NIR: textured vegetation with
    terrain shading, a bright bare scar (sharp edged, brownish) and a bright grey road."""
    rng = np.random.default_rng(seed)
    h, w = shape
    shade = 0.75 + 0.5 * smooth_noise(shape, 12, rng)
    texture = 0.8 + 0.4 * rng.random(shape)
    veg = np.array([0.04, 0.07, 0.03, 0.30])[:, None, None] * shade * texture
    img = veg.copy()
    yy, xx = np.mgrid[0:h, 0:w]
    if scar:
        inside = ((yy - h * 0.45) / (h * 0.18)) ** 2 + ((xx - w * 0.4) / (w * 0.12)) ** 2 < 1
        soil = np.array([0.30, 0.25, 0.18, 0.36])[:, None, None] * (0.85 + 0.3 * rng.random(shape))
        img = np.where(inside, soil, img)
    if road:
        on_road = np.abs(yy - (0.8 * xx + h * 0.1)) < 1.2
        concrete = np.array([0.32, 0.32, 0.31, 0.34])[:, None, None] * np.ones(shape)
        img = np.where(on_road, concrete, img)
    return img


def add_clouds(img: np.ndarray, cover: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Soft white clouds over about ``cover`` of the frame; returns the image and the cloud core mask."""
    rng = np.random.default_rng(seed)
    field = smooth_noise(img.shape[1:], 10, rng)
    level = np.quantile(field, 1 - cover)
    alpha = np.clip((field - level) / 0.12 + 0.5, 0, 1)  # soft edges
    cloud = np.array([0.62, 0.63, 0.66, 0.64])[:, None, None]
    out = img * (1 - alpha) + cloud * alpha * (0.9 + 0.2 * field)
    return out, alpha > 0.5


def add_snow(img: np.ndarray, cover: float, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Snow (bright, bluish white, much lower in NIR than visible) on the highest ``cover`` of terrain."""
    rng = np.random.default_rng(seed)
    terrain = smooth_noise(img.shape[1:], 14, rng)
    mask = terrain > np.quantile(terrain, 1 - cover)
    snow = np.array([0.80, 0.84, 0.88, 0.55])[:, None, None] * (0.95 + 0.1 * rng.random(img.shape[1:]))
    return np.where(mask, snow, img), mask


def to_uint16(img: np.ndarray) -> np.ndarray:
    return np.clip(img * 10000, 0, 65535).astype("uint16")


def to_uint8_rgb(img: np.ndarray) -> np.ndarray:
    """An 8-bit aerial look: R, G, B scaled so the brightest land (not cloud) is near 230."""
    return np.clip(img[:3] * 700, 0, 255).astype("uint8")


def add_rock_scar(img: np.ndarray, seed: int = 3) -> np.ndarray:
    """A fresh, sharp-edged, textured grey-white rock scar (brighter than the soil scar)."""
    rng = np.random.default_rng(seed)
    h, w = img.shape[1:]
    yy, xx = np.mgrid[0:h, 0:w]
    inside = ((yy - h * 0.3) / (h * 0.12)) ** 2 + ((xx - w * 0.72) / (w * 0.14)) ** 2 < 1
    rock = np.array([0.45, 0.45, 0.43, 0.50])[:, None, None] * (0.85 + 0.3 * rng.random((h, w)))
    return np.where(inside, rock, img)


def quality_series(fmt: str, n: int = 6, clouds: dict | None = None, snow: dict | None = None,
                   rock_from: int | None = None) -> tuple[np.ndarray, np.ndarray | None, dict]:
    """(N, 3, H, W) float32 R, G, B and (N, H, W) NIR (None for "uint8") of a generated series
    in ``fmt`` ("uint16", "float" or "uint8"), with clouds ``{frame: cover}``, snow
    ``{frame: cover}`` and a rock scar from frame ``rock_from`` on; plus the true masks."""
    frames, truth = [], {}
    for i in range(n):
        img = landscape(seed=i)
        if rock_from is not None and i >= rock_from:
            img = add_rock_scar(img)
        if clouds and i in clouds:
            img, truth[i] = add_clouds(img, clouds[i], seed=10 + i)
        if snow and i in snow:
            img, truth[i] = add_snow(img, snow[i], seed=20 + i)
        frames.append(img)
    stack = np.stack(frames)
    if fmt == "uint16":
        stack = to_uint16(stack.reshape(-1, *stack.shape[2:])).reshape(stack.shape)
    elif fmt == "uint8":
        return np.stack([to_uint8_rgb(f) for f in frames]).astype(np.float32), None, truth
    stack = stack.astype(np.float32)
    return stack[:, :3], stack[:, 3], truth


def write_series(folder: Path, n: int = 5, clouds: dict | None = None, start_year: int = 2018,
                 transform: Affine | None = None) -> list[Path]:
    """Write a generated uint16 series as 4-band B, G, R, NIR GeoTIFFs named by date
    (``scene_YYYY0715.tif``) in EPSG:32648 at 10 m; ``clouds`` as in quality_series."""
    rgb, nir, _ = quality_series("uint16", n=n, clouds=clouds)
    tr = transform or Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 3400000.0)
    paths = []
    for i in range(n):
        bgrn = np.stack([rgb[i, 2], rgb[i, 1], rgb[i, 0], nir[i]]).astype("uint16")
        paths.append(write_geotiff(folder / f"scene_{start_year + i}0715.tif", bgrn, transform=tr))
    return paths
