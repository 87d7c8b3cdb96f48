"""Write the sample's rasters and vectors, every file atomically."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from tracking.core.atomic import atomic_path, write_bytes
from tracking.sample.synth.layout import CRS

BAND_NAMES = ("blue", "green", "red", "nir")
EPSG_URN = "urn:ogc:def:crs:EPSG::32648"


def write_scene(path: Path, dn: np.ndarray, transform: Affine, when: dt.datetime, sensor: str) -> None:
    """A 4-band uint16 GeoTIFF (B, G, R, NIR; reflectance x 10000; nodata 0) with its date tag."""
    count, height, width = dn.shape
    profile = dict(driver="GTiff", width=width, height=height, count=count, dtype="uint16", crs=CRS,
                   transform=transform, nodata=0, compress="deflate", predictor=2)
    with atomic_path(path, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(dn)
            dst.descriptions = BAND_NAMES
            dst.update_tags(TIFFTAG_DATETIME=when.strftime("%Y:%m:%d %H:%M:%S"), SENSOR=sensor,
                            REFLECTANCE_SCALE="10000", BAND_ORDER="blue,green,red,nir")


def write_truth(path: Path, mask: np.ndarray, transform: Affine) -> None:
    """A uint8 GeoTIFF, 1 inside the scar and 0 outside."""
    height, width = mask.shape
    profile = dict(driver="GTiff", width=width, height=height, count=1, dtype="uint8", crs=CRS,
                   transform=transform, compress="deflate")
    with atomic_path(path, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(mask.astype(np.uint8), 1)
            dst.update_tags(MEANING="1 = landslide scar (source, track and deposit), 0 = outside")


def feature_collection(features: list[dict]) -> dict:
    """A GeoJSON FeatureCollection in EPSG:32648, with the (pre-RFC 7946) "crs" member."""
    return {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": EPSG_URN}},
            "features": features}


def feature(geometry: dict, **properties) -> dict:
    """A GeoJSON Feature of ``geometry`` with ``properties``."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_geojson(path: Path, features: list[dict]) -> None:
    """Write ``features`` as a GeoJSON FeatureCollection atomically."""
    write_bytes(path, json.dumps(feature_collection(features), indent=1).encode())
