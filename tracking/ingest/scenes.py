"""One input scene: what is known about a file before any pixel is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rasterio.windows import Window

from tracking.core.errors import InputError
from tracking.core.raster_io import open_raster
from tracking.ingest.dates import date_from_name, date_from_tags, lookup_date, sensor_from_name
from tracking.ingest.headers import check_scene_header, scene_driver


@dataclass(frozen=True)
class Scene:
    """One input image file of the landslide.

    ``crs`` is None for images without georeferencing (PNG/JPEG, plain TIFF);
    their ``transform`` is the identity, so x = column and y = row.
    ``band_names`` holds the band descriptions when the file has them, else "".
    """

    path: Path
    date: dt.date | None
    date_source: str  # "manifest", "filename", "tiff-tag" or "" when unknown
    sensor: str  # "Sentinel-2", "Landsat", "PlanetScope", "aerial", ... or ""
    band_count: int
    dtype: str  # numpy dtype name of the stored bands, e.g. "uint16"
    crs: CRS | None
    transform: Affine
    width: int
    height: int
    nodata: float | None
    band_names: tuple[str, ...] = field(default_factory=tuple)
    world_transform: Affine | None = None  # a plain image's world file (.pgw/.jgw/.wld/.tfw), if any

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def georeferenced(self) -> bool:
        return self.crs is not None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the scene's own CRS (pixels when not georeferenced)."""
        t = self.transform
        xs = [t.c, t.c + t.a * self.width + t.b * self.height]
        ys = [t.f, t.f + t.d * self.width + t.e * self.height]
        return (min(xs), min(ys), max(xs), max(ys))

    @property
    def pixel_size(self) -> float:
        """Mean absolute pixel size in CRS units (1.0 for pixel grids)."""
        return (abs(self.transform.a) + abs(self.transform.e)) / 2.0


# --- Opening a scene file -------------------------------------------------------------

_TAIL_BYTES = 64 * 1024


def open_scene(path: Path, manifest: Mapping[str, dt.date] | None = None) -> Scene:
    """Read a scene's metadata (and validate it) without reading its pixels.

    GeoTIFF (any band count; uint8, uint16, int16, float32, float64, ...), PNG and JPEG.
    Images without georeferencing get ``crs`` None and the identity transform.
    The date comes from ``manifest`` (file name -> date), else the file name, else
    the metadata tags; ``date_source`` says which. Raises InputError with one sentence
    naming the file when it is empty, not an image, or truncated.
    """
    path = Path(path)
    driver = _sniff_driver(path)
    check_scene_header(path)  # a header declaring a huge image is refused before GDAL reads it
    try:
        with open_raster(path, driver=driver) as src:
            scene = _scene_from_dataset(path, src, manifest)
            _check_complete(path, src, driver)
    except (RasterioError, OSError) as exc:
        raise InputError(f"{path.name} could not be read as a {_FORMAT_NAMES[driver]} "
                         f"({_short(exc)}).") from None
    return scene


_FORMAT_NAMES = {"GTiff": "GeoTIFF", "PNG": "PNG image", "JPEG": "JPEG image"}


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.rstrip(".")


def _sniff_driver(path: Path) -> str:
    """The GDAL driver for the file's leading bytes; InputError for anything else."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"{path.name} could not be opened ({exc.strerror or exc}).") from None
    if size == 0:
        raise InputError(f"{path.name} is empty (0 bytes).")
    driver = scene_driver(head)
    if driver is None:
        raise InputError(f"{path.name} is not a GeoTIFF, PNG or JPEG image.")
    return driver


def _scene_from_dataset(path: Path, src, manifest: Mapping[str, dt.date] | None) -> Scene:
    if src.count < 1 or src.width < 1 or src.height < 1:
        raise InputError(f"{path.name} holds no image bands.")
    dtype = src.dtypes[0]
    if np.dtype(dtype).kind not in "uif":
        raise InputError(f"{path.name} has {dtype} pixels; only integer and float bands are supported.")
    georef = src.crs is not None and not src.transform.is_identity
    date, source = _scene_date(path, src, manifest)
    named = date_from_name(path.name)
    sensor = named[1] if named else sensor_from_name(path.name)
    return Scene(
        path=path, date=date, date_source=source, sensor=sensor,
        band_count=src.count, dtype=dtype,
        crs=src.crs if georef else None,
        transform=src.transform if georef else Affine.identity(),
        width=src.width, height=src.height,
        nodata=float(src.nodata) if src.nodata is not None else None,
        band_names=tuple((d or "").strip() for d in src.descriptions),
        world_transform=src.transform if src.crs is None and not src.transform.is_identity else None,
    )


def _scene_date(path: Path, src, manifest: Mapping[str, dt.date] | None) -> tuple[dt.date | None, str]:
    date = lookup_date(manifest, path)
    if date is not None:
        return date, "manifest"
    named = date_from_name(path.name)
    if named is not None:
        return named[0], "filename"
    tags: dict[str, str] = {}
    for namespace in (None, "IMAGERY"):
        try:
            found = src.tags(ns=namespace) if namespace else src.tags()
        except RasterioError:
            continue
        tags.update({f"{namespace}:{k}" if namespace else k: v for k, v in found.items()})
    date = date_from_tags(tags)
    return (date, "tiff-tag") if date is not None else (None, "")


def _check_complete(path: Path, src, driver: str) -> None:
    """Raise InputError when the pixel data stops before the end of the image.

    GeoTIFF: read the bottom-right pixel of every band (one block each). PNG/JPEG hold
    no blocks, so a full decode is only done when the file does not end with its
    end marker (IEND chunk / EOI marker).
    """
    if driver in ("PNG", "JPEG") and _has_end_marker(path, driver):
        return
    window = Window(src.width - 1, src.height - 1, 1, 1)
    try:
        src.read(window=window)
    except RasterioError:
        raise InputError(f"{path.name} is truncated or damaged: its pixel data cannot be read "
                         f"to the end.") from None


def _has_end_marker(path: Path, driver: str) -> bool:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - _TAIL_BYTES))
        tail = fh.read().rstrip(b"\x00\r\n ")
    if driver == "PNG":
        return tail.endswith(b"IEND\xaeB`\x82")
    return tail.endswith(b"\xff\xd9")
