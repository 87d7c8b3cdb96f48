"""Time and memory of ingest: scenes -> timeline -> one grid -> harmonised frames with quality.

    python benchmarks/ingest.py [--scenes 20] [--size 2000] [--aoi 1000] [--compress deflate]

Writes ``--scenes`` dated GeoTIFFs of ``--size`` x ``--size`` x 4 uint16 (B, G, R, NIR;
EPSG:32648, 10 m, tiled) into a temporary folder, in a child process so that the peak
memory measured here is the ingest's own. Each scene sits on a slightly different grid
(sub-pixel shifts), as real acquisitions do, so every one is resampled. The grid is an
area of interest of ``--aoi`` x ``--aoi`` pixels in the middle.

Prints the total and per-scene time, the peak memory (tracemalloc: Python and numpy
allocations; ru_maxrss: the whole process, GDAL's block cache included), and the time
against reading one scene whole with rasterio in the same process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORIGIN = (400000.0, 3400000.0)
PIXEL = 10.0


def generate(folder: Path, n: int, size: int, compress: str) -> None:
    """Write the scenes (run in a child process)."""
    import rasterio
    from affine import Affine

    rng = np.random.default_rng(0)
    coarse = rng.random((4, size // 50 + 2, size // 50 + 2))
    base = np.kron(coarse, np.ones((50, 50)))[:, :size, :size]
    gains = np.array([600, 900, 800, 3000])[:, None, None]
    profile = dict(driver="GTiff", width=size, height=size, count=4, dtype="uint16", crs="EPSG:32648",
                   tiled=True, blockxsize=256, blockysize=256, nodata=0)
    if compress != "none":
        profile.update(compress=compress, predictor=2)
    for i in range(n):
        shift = rng.uniform(-0.5, 0.5, 2) * PIXEL if i else np.zeros(2)  # the reference is on whole metres
        transform = Affine(PIXEL, 0, ORIGIN[0] + shift[0], 0, -PIXEL, ORIGIN[1] + shift[1])
        season = 0.8 + 0.4 * rng.random()
        data = (base * gains * season + rng.integers(1, 200, (4, size, size))).astype("uint16")
        with rasterio.open(folder / f"scene_{2005 + i}0601.tif", "w", transform=transform, **profile) as dst:
            dst.write(data)


def rss_mb() -> float:
    """Peak resident memory of this process so far, MB (Linux reports kB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 1024 ** 2


def read_whole(path: Path) -> float:
    """Seconds to read the whole of one scene into memory (the naive way, for comparison)."""
    import rasterio

    start = time.perf_counter()
    with rasterio.open(path) as src:
        data = src.read()
    seconds = time.perf_counter() - start
    del data
    return seconds


def ingest(folder: Path, aoi_px: int, size: int) -> dict:
    """Build frames of an aoi_px-pixel area from the scenes in folder; timings and per-scene read times."""
    from tracking.ingest.build import FrameOptions, build_frames
    from tracking.ingest.timeline import build_timeline

    half = (size - aoi_px) / 2 * PIXEL
    aoi = (ORIGIN[0] + half, ORIGIN[1] - half - aoi_px * PIXEL, ORIGIN[0] + half + aoi_px * PIXEL, ORIGIN[1] - half)
    stamps: list[float] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        timeline = build_timeline([folder], Path(work))
        opened = time.perf_counter()
        frames, problems = build_frames(timeline, FrameOptions(aoi=aoi, aoi_crs="EPSG:32648"),
                                        progress=lambda done, total: stamps.append(time.perf_counter()))
    end = time.perf_counter()
    reads = np.diff([opened] + stamps)
    return {"total": end - start, "timeline": opened - start, "reads": reads,
            "after": end - stamps[-1], "frames": frames, "problems": problems}


def main() -> None:
    """Write the scenes (in a child process: ``--generate``), ingest them, and print time and memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=20)
    parser.add_argument("--size", type=int, default=2000, help="scene width and height in pixels")
    parser.add_argument("--aoi", type=int, default=1000, help="grid width and height in pixels")
    parser.add_argument("--compress", default="deflate", choices=("deflate", "lzw", "none"))
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.scenes, args.size, args.compress)
        return
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        folder = Path(tmp) / "scenes"
        folder.mkdir()
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--generate", str(folder), "--scenes", str(args.scenes),
                        "--size", str(args.size), "--compress", args.compress], check=True)
        disk = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"wrote {args.scenes} scenes of {args.size} x {args.size} x 4 uint16 ({args.compress}, "
              f"{disk:.0f} MB on disk) in {time.perf_counter() - t0:.1f} s")
        import tracking.ingest.build  # noqa: F401  (imports out of the measured time and memory)
        scenes = sorted(folder.iterdir())
        read_whole(scenes[-1])  # warm the file system cache like the ingest below
        rss_before = rss_mb()
        whole = min(read_whole(scenes[0]) for _ in range(3))
        rss_whole = rss_mb()
        tracemalloc.start()
        result = ingest(folder, args.aoi, args.size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        report(args, result, whole, peak / 1e6, rss_before, rss_whole, rss_mb())


def report(args, r: dict, whole: float, traced_mb: float, rss_before: float, rss_whole: float,
           rss_after: float) -> None:
    """Print the ingest figures: steps, seconds, traced and resident memory against a whole read."""
    frames, reads = r["frames"], r["reads"]
    n = len(reads)
    print(f"grid {frames.grid.width} x {frames.grid.height} pixels, {len(frames)} frames, "
          f"{int(frames.bad.sum())} flagged bad, problems: {r['problems'] or 'none'}")
    print(f"{'step':<38}{'seconds':>10}")
    print(f"{'timeline (open + date every scene)':<38}{r['timeline']:>10.2f}")
    print(f"{'read + reproject, all scenes':<38}{reads.sum():>10.2f}")
    print(f"{'  per scene: mean / min / max':<38}{reads.mean():>10.3f} / {reads.min():.3f} / {reads.max():.3f}")
    print(f"{'quality + shared stretch':<38}{r['after']:>10.2f}")
    print(f"{'total':<38}{r['total']:>10.2f}   ({r['total'] / n:.3f} s per scene)")
    print(f"reference: one scene read whole with rasterio: {whole:.3f} s")
    print(f"ratio: per-scene ingest / whole-scene read = {r['total'] / n / whole:.2f}; "
          f"total / whole-scene read = {r['total'] / whole:.1f}")
    frames_mb = frames.images.nbytes / 1e6 + frames.valid.nbytes / 1e6
    print(f"peak memory: tracemalloc {traced_mb:.0f} MB; ru_maxrss {rss_after:.0f} MB "
          f"(after imports {rss_before:.0f} MB, after the whole-scene reads {rss_whole:.0f} MB); "
          f"the frames themselves hold {frames_mb:.0f} MB")


if __name__ == "__main__":
    main()
