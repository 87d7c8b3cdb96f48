"""A small generated, tracked project for the Review, Analysis and Export page tests and others.

The series is made here (a bright scar growing on textured vegetation, on a 10 m UTM grid),
then prompted and tracked through ``tracking.project.workflow`` with the baseline engine,
exactly as the dashboard does it. The fixtures built on it are in tests/pages/conftest.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import rasterio

from tests.helpers.frames import make_frames, utm_grid
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.project import frames_store, runs, workflow
from tracking.project.folder import Project

SIZE = 48
DATES = [dt.date(2018, 5, 1), dt.date(2018, 11, 3), dt.date(2019, 6, 20), dt.date(2020, 4, 2),
         dt.date(2021, 7, 15)]
GRID = utm_grid(SIZE, SIZE)


def scar_mask(i: int, size: int = SIZE) -> np.ndarray:
    """(H, W) bool: an ellipse that grows downslope from date to date."""
    yy, xx = np.mgrid[0:size, 0:size]
    cx, cy = 24.0, 16.0 + 1.5 * i
    rx, ry = 6.0 + 0.8 * i, 7.0 + 2.0 * i
    return ((xx + 0.5 - cx) / rx) ** 2 + ((yy + 0.5 - cy) / ry) ** 2 <= 1.0


def scar_frames(n: int = len(DATES), seed: int = 3) -> Frames:
    """The first ``n`` dates: a bright noisy scar (``scar_mask``) on noisy green vegetation, on GRID."""
    rng = np.random.default_rng(seed)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for i in range(n):
        veg = np.stack([40 + rng.normal(0, 8, (SIZE, SIZE)), 110 + rng.normal(0, 10, (SIZE, SIZE)),
                        45 + rng.normal(0, 8, (SIZE, SIZE))], -1)
        scar = np.stack([200 + rng.normal(0, 6, (SIZE, SIZE)), 180 + rng.normal(0, 6, (SIZE, SIZE)),
                         160 + rng.normal(0, 6, (SIZE, SIZE))], -1)
        img = np.where(scar_mask(i)[..., None], scar, veg)
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    return make_frames(images=images, grid=GRID, dates=DATES[:n], names=[f"scene_{d:%Y%m%d}.tif" for d in DATES[:n]])


def tracked_project(base: Path) -> Project:
    """A project under ``base`` with frames, a box prompt on the first date and a baseline track."""
    project = Project.create(base, name="Test slide")
    frames = scar_frames()
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    rows, cols = np.nonzero(scar_mask(0))
    workflow.set_prompts(project, [Prompt(0, 1, box=(cols.min(), rows.min(), cols.max() + 1, rows.max() + 1))])
    result = runs.run_tracking(project, engine_kind="baseline")
    assert result.completed and result.engine == "baseline"
    return Project.open(base, project.id)


def write_truth(folder: Path, n: int = len(DATES)) -> Path:
    """One GeoTIFF mask per date named YYYY-MM-DD.tif on ``GRID``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        profile = dict(driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="uint8", crs=GRID.crs,
                       transform=GRID.transform)
        with rasterio.open(folder / f"{DATES[i].isoformat()}.tif", "w", **profile) as dst:
            dst.write(scar_mask(i).astype(np.uint8), 1)
    return folder
