"""Tiny generated scenes for the tests: GeoTIFFs written with rasterio, PNG/JPEG, bad files.

Nothing here is committed binary data; every helper writes into a test's ``tmp_path``.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import rasterio
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning

#: A UTM 48N origin near the Wenchuan area, 10 m pixels, north up.
DEFAULT_TRANSFORM = Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 3400000.0)


def write_geotiff(
    path: str | Path,
    data: np.ndarray,
    crs: str | None = "EPSG:32648",
    transform: Affine | None = DEFAULT_TRANSFORM,
    nodata: float | None = None,
    tags: Mapping[str, str] | None = None,
    band_names: Sequence[str] | None = None,
    tiled: bool = False,
) -> Path:
    """Write ``data`` (B, H, W) — or (H, W) for one band — as a GeoTIFF and return its path.

    ``crs`` None writes a plain TIFF without georeferencing (``transform`` is then ignored
    unless given explicitly). ``tags`` go in the default metadata domain, ``band_names``
    become band descriptions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.asarray(data)
    if arr.ndim == 2:
        arr = arr[np.newaxis]
    count, height, width = arr.shape
    profile = dict(
        driver="GTiff", width=width, height=height, count=count, dtype=arr.dtype.name,
    )
    if crs is not None:
        profile["crs"] = crs
        profile["transform"] = transform if transform is not None else DEFAULT_TRANSFORM
    elif transform is not None and transform != DEFAULT_TRANSFORM:
        profile["transform"] = transform
    if nodata is not None:
        profile["nodata"] = nodata
    if tiled:
        profile.update(tiled=True, blockxsize=16, blockysize=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        _write(path, profile, arr, tags, band_names)
    return path


def _write(path, profile, arr, tags, band_names) -> None:
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr)
        if tags:
            dst.update_tags(**dict(tags))
        for i, name in enumerate(band_names or (), start=1):
            dst.set_band_description(i, name)


def ramp(bands: int = 3, height: int = 16, width: int = 20, dtype: str = "uint16") -> np.ndarray:
    """A deterministic (B, H, W) test pattern of ``dtype``, different per band."""
    yy, xx = np.mgrid[0:height, 0:width]
    layers = [(xx * (b + 1) + yy * 3 + b * 7) % 200 + 10 for b in range(bands)]
    return np.stack(layers).astype(dtype)


def write_png(path: str | Path, rgb: np.ndarray | None = None, fmt: str = "PNG") -> Path:
    """Write an (H, W, 3) uint8 image as PNG or JPEG (``fmt``) with rasterio, no georeferencing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if rgb is None:
        rgb = np.moveaxis(ramp(3, 16, 20, "uint8"), 0, -1)
    chw = np.moveaxis(np.asarray(rgb, dtype="uint8"), -1, 0)
    profile = dict(driver=fmt, width=chw.shape[2], height=chw.shape[1], count=chw.shape[0], dtype="uint8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(chw)
    for aux in path.parent.glob(path.name + ".aux.xml"):
        aux.unlink()
    return path


def write_truncated_geotiff(path: str | Path, keep_fraction: float = 0.5) -> Path:
    """A GeoTIFF whose header is intact but whose pixel data is cut off."""
    path = Path(path)
    data = (np.random.default_rng(0).random((3, 64, 64)) * 60000).astype("uint16")
    write_geotiff(path, data)
    raw = path.read_bytes()
    path.write_bytes(raw[: max(512, int(len(raw) * keep_fraction))])
    return path


def write_zip(path: str | Path, members: Mapping[str, bytes | Path]) -> Path:
    """Write a zip whose entries are given as ``{arcname: bytes or file path}`` (deflated)."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, content in members.items():
            if isinstance(content, Path):
                content = content.read_bytes()
            zf.writestr(zipfile.ZipInfo(arcname), content, compress_type=zipfile.ZIP_DEFLATED)
    return path
