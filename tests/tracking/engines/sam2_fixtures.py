"""A real SAM 2.1 tiny checkpoint with random weights, and small random frame series.

Meta's weights cannot be downloaded here, so the model is built from the official
sam2.1 tiny Hydra config at a small image size, its random weights are saved in
the official checkpoint format (``{"model": state_dict}``), and the engine loads
that file through the same code a user's checkpoint takes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from rasterio.crs import CRS

from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid

SAM2_IMAGE_SIZE = 128  # smallest size sam2.1 tiny accepts; encoder ~0.05 s per frame on a CPU


def save_random_checkpoint(path: Path, image_size: int = SAM2_IMAGE_SIZE, seed: int = 0) -> Path:
    """Build sam2.1 tiny from its official config with random weights and save it like Meta does."""
    import torch
    from sam2.build_sam import build_sam2_video_predictor

    torch.manual_seed(seed)
    model = build_sam2_video_predictor("configs/sam2.1/sam2.1_hiera_t.yaml", None, device="cpu",
                                       hydra_overrides_extra=[f"++model.image_size={image_size}"])
    torch.save({"model": model.state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def sam2_checkpoint(tmp_path_factory) -> Path:
    return save_random_checkpoint(tmp_path_factory.mktemp("sam2") / "sam2.1_hiera_tiny.pt")


def random_images(n: int = 6, height: int = 40, width: int = 56, seed: int = 0) -> np.ndarray:
    """(n, height, width, 3) uint8: a bright blob drifting over noise, different per seed."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 120, (n, height, width, 3), dtype=np.uint8)
    yy, xx = np.mgrid[:height, :width]
    for i in range(n):
        cy, cx = height / 2, width / 3 + i
        images[i][(yy - cy) ** 2 + (xx - cx) ** 2 < (height / 5) ** 2] = (200, 180, 150)
    return images


def make_frames(n: int = 6, height: int = 40, width: int = 56, bad: tuple[int, ...] = (), seed: int = 0) -> Frames:
    """A Frames series of random images on a 10 m UTM grid; frames in ``bad`` are flagged cloudy."""
    images = random_images(n, height, width, seed)
    grid = Grid(CRS.from_epsg(32645), Affine(10, 0, 500000, 0, -10, 3100000), width, height)
    quality = [FrameQuality(0.8 if i in bad else 0.0, 0.0, 0.0, i in bad, ("cloud 80% > 30%",) if i in bad else ())
               for i in range(n)]
    dates = [dt.date(2016, 6, 1) + dt.timedelta(days=365 * i) for i in range(n)]
    return Frames(images, np.ones((n, height, width), bool), dates, [f"scene_{i}.tif" for i in range(n)], grid, quality)
