"""A small generated, tracked project for the Review, Analysis and Export page tests.

The series is made here (a bright scar growing on textured vegetation, on a
10 m UTM grid), then prompted and tracked through ``tracking.project.workflow`` with the
baseline engine, exactly as the dashboard does it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.crs import CRS
from streamlit.testing.v1 import AppTest

from tracking.project import workflow
from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.project.folder import Project
from tracking.core.prompts import Prompt

SIZE = 48
DATES = [dt.date(2018, 5, 1), dt.date(2018, 11, 3), dt.date(2019, 6, 20), dt.date(2020, 4, 2),
         dt.date(2021, 7, 15)]
GRID = Grid(CRS.from_epsg(32648), Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 3400000.0), SIZE, SIZE)


def scar_mask(i: int, size: int = SIZE) -> np.ndarray:
    """(H, W) bool: an ellipse that grows downslope from date to date."""
    yy, xx = np.mgrid[0:size, 0:size]
    cx, cy = 24.0, 16.0 + 1.5 * i
    rx, ry = 6.0 + 0.8 * i, 7.0 + 2.0 * i
    return ((xx + 0.5 - cx) / rx) ** 2 + ((yy + 0.5 - cy) / ry) ** 2 <= 1.0


def make_frames(n: int = len(DATES), seed: int = 3) -> Frames:
    rng = np.random.default_rng(seed)
    images = np.empty((n, SIZE, SIZE, 3), np.uint8)
    for i in range(n):
        veg = np.stack([40 + rng.normal(0, 8, (SIZE, SIZE)), 110 + rng.normal(0, 10, (SIZE, SIZE)),
                        45 + rng.normal(0, 8, (SIZE, SIZE))], -1)
        scar = np.stack([200 + rng.normal(0, 6, (SIZE, SIZE)), 180 + rng.normal(0, 6, (SIZE, SIZE)),
                         160 + rng.normal(0, 6, (SIZE, SIZE))], -1)
        img = np.where(scar_mask(i)[..., None], scar, veg)
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    quality = [FrameQuality(0.0, 0.0, 0.0, False) for _ in range(n)]
    return Frames(images, np.ones((n, SIZE, SIZE), bool), DATES[:n], [f"scene_{d:%Y%m%d}.tif" for d in DATES[:n]],
                  GRID, quality)


def tracked_project(base: Path) -> Project:
    """A project under ``base`` with frames, a box prompt on the first date and a baseline track."""
    project = Project.create(base, name="Test slide")
    frames = make_frames()
    project.save_frames(frames)
    project.meta.frames_hash = workflow.frames_hash(frames)
    project.save()
    rows, cols = np.nonzero(scar_mask(0))
    workflow.set_prompts(project, [Prompt(0, 1, box=(cols.min(), rows.min(), cols.max() + 1, rows.max() + 1))])
    result = workflow.run_tracking(project, engine_kind="baseline")
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


# -- pytest fixtures and AppTest helpers (import them into a test module) -------------
TIMEOUT = 90
ROOT = Path(__file__).resolve().parents[2]  # the repository: pages/ and app.py live here


@pytest.fixture(scope="session")
def tracked_template(tmp_path_factory) -> Project:
    """One tracked project, made once; tests work on copies of it."""
    return tracked_project(tmp_path_factory.mktemp("template"))


@pytest.fixture
def project(tracked_template, tmp_path, monkeypatch) -> Project:
    """A fresh copy of the tracked project in this test's own projects folder."""
    base = tmp_path / "projects"
    shutil.copytree(tracked_template.root, base / tracked_template.id)
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(base))
    monkeypatch.setenv("LANDSLIDE_SAMPLE_DIR", str(tmp_path / "sample"))
    return Project.open(base, tracked_template.id)


def page(path: str, project: Project | None) -> AppTest:
    """The app (app.py, with its navigation and sidebar) opened on ``path`` for ``project``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if project is not None:
        at.query_params["project"] = project.id
    at.switch_page(path)
    return at


def reopen(project: Project) -> Project:
    return Project.open(project.root.parent, project.id)


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def run_clean(path: str, project: Project) -> AppTest:
    """Run the page at ``path`` on ``project`` and check it showed no error or exception."""
    at = page(path, project)
    at.run()
    no_errors(at)
    return at
