"""Time the analytics on a synthetic series: measures, every export, the report.

    python benchmarks/analytics.py [--frames 40] [--size 1000]

The scar is an irregular blob (smoothed noise, a few holes) that grows over the
series on a UTM grid with 10 m pixels. Prints seconds per step and per frame.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from affine import Affine
from rasterio.crs import CRS
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.track import Provenance, Track


def series(n: int, size: int) -> tuple[Frames, Track]:
    """n frames of size x size pixels on a 10 m UTM grid and a Track of a scar growing over them (seeded)."""
    rng = np.random.default_rng(0)
    grid = Grid(CRS.from_epsg(32648), Affine(10.0, 0, 400000.0, 0, -10.0, 3400000.0), size, size)
    dates = [dt.date(2015, 1, 1) + dt.timedelta(days=int(d)) for d in np.cumsum(rng.integers(20, 120, n))]
    field = ndimage.gaussian_filter(rng.standard_normal((size, size)), size / 40)
    field = (field - field.min()) / np.ptp(field)
    yy, xx = np.mgrid[0:size, 0:size]
    dist = np.hypot(xx - size / 2, (yy - size / 2) * 1.6) / size
    images = np.empty((n, size, size, 3), np.uint8)
    track = Track.empty(n, grid.shape)
    obj = track.obj(1)
    for i in range(n):
        reach = 0.08 + 0.25 * i / max(n - 1, 1)
        obj.masks[i] = dist + 0.15 * field < reach
        obj.provenance[i] = Provenance.PROPAGATED
        obj.confidence[i] = 0.9
        images[i] = (80 + 120 * obj.masks[i][..., None] + 40 * field[..., None]).astype(np.uint8)
    quality = [FrameQuality(0.0, 0.0, 0.0, False)] * n
    return Frames(images, np.ones((n, size, size), bool), dates, [f"s{i}.tif" for i in range(n)], grid,
                  quality), track


def main() -> None:
    """Time the measures and every export on a large generated series and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    from tracking.analysis.measures import scar_measures
    from tracking.exports.bundle import export_all

    frames, track = series(args.frames, args.size)
    n = args.frames
    t0 = time.perf_counter()
    scar_measures(track, frames.grid, frames.dates)
    t_measures = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        paths = export_all(out, frames, track, {"engine": "baseline"}, [], shapefile=True)
        t_all = time.perf_counter() - t0
        sizes = {k: p.stat().st_size / 1e6 for k, p in paths.items()}
    print(f"{n} frames of {args.size} x {args.size} px")
    print(f"scar_measures: {t_measures:.2f} s ({t_measures / n * 1000:.0f} ms per frame)")
    print(f"export_all (measures, gpkg, geojson, shapefile, masks, csv, evolution, gif, report): "
          f"{t_all:.2f} s ({t_all / n * 1000:.0f} ms per frame)")
    print("sizes MB: " + ", ".join(f"{k} {v:.2f}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
