"""A "real delivery" made from the sample: a few plain PNG/JPEG screenshots of one landslide.

What analysts actually receive is often not a stack of GeoTIFFs but a handful of
exported images: no georeferencing, landscape frames (e.g. 1300 x 662 px), and
only the year and month in the file names (``landslide-199210-ortho.png``).
:func:`write_delivery` makes such a set from the synthetic sample, with the true
scar of each image, for the tests and ``benchmarks/dashboard.py``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tracking.core.acqdate import PartialDate
from tracking.core.errors import InputError


@dataclass(frozen=True)
class Delivery:
    """The written images (in date order), their months, and the true scar of each image.

    truth: (N, height, width) bool, the scar in each image's pixels.
    box: (x0, y0, x1, y1) around the first image's scar, in its pixels (a box prompt).
    """

    paths: list[Path]
    months: list[PartialDate]  # each image's month, as its name gives it
    truth: np.ndarray
    box: tuple[float, float, float, float]


def _crop_band(shape: tuple[int, int], width: int, height: int) -> tuple[slice, slice]:
    """The central part of an image of ``shape`` with the aspect ratio width : height."""
    h, w = shape
    if width / height >= w / h:
        rows = max(1, round(w * height / width))
        top = (h - rows) // 2
        return slice(top, top + rows), slice(0, w)
    cols = max(1, round(h * width / height))
    left = (w - cols) // 2
    return slice(0, h), slice(left, left + cols)


def write_delivery(out_dir: str | Path, width: int = 1300, height: int = 662, n_images: int = 4,
                   fmt: str = "png", source_size: int = 256, seed: int | None = None) -> Delivery:
    """Write ``n_images`` plain images of ``width`` x ``height`` pixels named by year and month.

    The images are the sample's harmonised frames (generated at ``source_size`` px, the
    good dates spread over the series), cut to the aspect ratio and resized; no world
    file, no CRS. Raises InputError for a bad size, count or format.
    """
    from tracking.ingest.build import build_frames
    from tracking.ingest.timeline import build_timeline
    from tracking.sample.series import DEFAULT_SEED, generate_sample, true_masks

    if fmt not in ("png", "jpg") or not (32 <= width <= 8192 and 32 <= height <= 8192) or not 2 <= n_images <= 12:
        raise InputError("A delivery needs png or jpg, 32 to 8192 pixels a side and 2 to 12 images.")
    seed = DEFAULT_SEED if seed is None else seed
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sample = generate_sample(Path(tmp) / "sample", seed=seed, size=source_size, n_dates=12)
        frames, _ = build_frames(build_timeline([sample.scenes_dir], Path(tmp) / "work"))
        truth = true_masks(seed, source_size, 12)
    good = [i for i in frames.good_indices]
    picks = [good[round(k * (len(good) - 1) / (n_images - 1))] for k in range(n_images)]
    rows, cols = _crop_band(frames.shape, width, height)
    paths, months, masks = [], [], []
    for i in picks:
        day = frames.dates[i]
        image = Image.fromarray(frames.images[i][rows, cols]).resize((width, height), Image.Resampling.BICUBIC)
        path = out / f"landslide-{day:%Y%m}-ortho.{fmt}"
        image.save(path, quality=92) if fmt == "jpg" else image.save(path)
        mask = Image.fromarray(truth[day][rows, cols].astype(np.uint8) * 255)
        masks.append(np.asarray(mask.resize((width, height), Image.Resampling.BILINEAR)) >= 128)
        paths.append(path)
        months.append(PartialDate(day.year, day.month, precision="month"))
    ys, xs = np.nonzero(masks[0])
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    return Delivery(paths, months, np.stack(masks), box)
