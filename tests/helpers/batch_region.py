"""A batch test bed: the synthetic region, one corrupt scene among its scenes, and an inventory
with one more landslide that lies outside every scene."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from tracking.sample.region import SampleRegion, generate_region

FAR_ID = "LS-FAR"
CORRUPT_NAME = "scene_2023_05_05.tif"


@dataclass
class BatchInputs:
    region: SampleRegion
    scenes: Path  # the region's scenes plus CORRUPT_NAME
    inventory: Path  # the region's landslides plus FAR_ID (a GeoJSON in EPSG:4326)


def make_batch_inputs(root: Path) -> BatchInputs:
    """Region (4 landslides, 6 dates, 300 x 300 px), a truncated scene, an inventory with FAR_ID."""
    region = generate_region(root / "region")
    scenes = root / "scenes"
    shutil.copytree(region.scenes_dir, scenes)
    good = sorted(scenes.iterdir())[0].read_bytes()
    (scenes / CORRUPT_NAME).write_bytes(good[: len(good) // 3])  # a download cut short
    inv = gpd.read_file(region.inventory_path)
    far = gpd.GeoDataFrame({"id": [FAR_ID], "date": [inv["date"].iloc[0]]},
                           geometry=[Point(103.9, 31.5).buffer(0.002)], crs="EPSG:4326")
    inventory = root / "inventory.geojson"
    gpd.GeoDataFrame(pd.concat([inv, far], ignore_index=True), crs=inv.crs).to_file(inventory, driver="GeoJSON")
    return BatchInputs(region, scenes, inventory)


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0
