"""Series robustness of the baseline tracker over many generated landslide series.

    python benchmarks/stress.py [--seeds 1-25] [--sizes 192 256] [--dates 10 14] [--prompt mask] [--rgb-only]

Each configuration is one sample series from the project's generator
(``tracking.sample``): a seed (which draws the valley layout, the failure's timing and
magnitude, roads, villages, fields, outcrops, clouds, snow and the seasons), a frame size
and a number of dates. The series is tracked from its first-date prompt (the outline by
default; ``box`` or ``points`` for the sample's other prompts) through ``TrackingSession``;
the figure per series is the mean IoU over the good dates after the prompted one. Prints
one line per configuration and the min, 10th percentile and median over all of them.
The generator writes blue, green, red and NIR bands, so the tracker gets NDVI as
vegetation guidance; ``--rgb-only`` drops the NIR after ingest (the same frames
otherwise) to measure what the guidance brings, and ``--ndvi-features`` adds NDVI to
the appearance features too (``tracking.engines.baseline.guidance.IN_FEATURES``).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.engines.baseline import guidance
from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.shapes import iou
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.prompt_files import read_prompt_file
from tracking.ingest.timeline import build_timeline
from tracking.run.session import TrackingSession
from tracking.sample.series import generate_sample, truth_on_grid


def seeds(text: str) -> list[int]:
    """'1-25' or '1,4,9' -> a list of seeds."""
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(v) for v in text.split(",")]


def run_one(seed: int, size: int, n_dates: int, prompt: str, work: Path, rgb_only: bool = False) -> dict:
    """Track one generated series; the mean and min IoU over its good tracked dates.

    rgb_only: drop the spectral bands (NIR) after ingest, so the tracker sees the RGB alone.
    """
    series = generate_sample(work / f"s_{seed}_{size}_{n_dates}", seed=seed, size=size, n_dates=n_dates)
    frames, _ = build_frames(build_timeline([series.scenes_dir], work / f"tl_{seed}_{size}_{n_dates}"),
                             FrameOptions())
    if rgb_only:
        frames = dataclasses.replace(frames, spectral=None)
    truth = truth_on_grid(series, frames.grid)
    path = {"mask": series.prompt_path, "box": series.prompt_box_path, "points": series.prompt_points_path}[prompt]
    session = TrackingSession(BaselineEngine(), frames)
    prompts = read_prompt_file(path, frames.grid, frames.dates)
    for p in prompts:
        session.add_prompt(p)
    t0 = time.perf_counter()
    track = session.run()
    seconds = time.perf_counter() - t0
    first = min(p.frame for p in prompts)
    tracked = [i for i in frames.good_indices if i != first]
    ious = [iou(track.objects[1].masks[i], truth[frames.dates[i]]) for i in tracked]
    h, w = frames.images.shape[1:3]
    return {"seed": seed, "size": size, "dates": n_dates, "mean": float(np.mean(ious)), "min": float(np.min(ious)),
            "fps": len(frames.good_indices) / seconds, "seconds": seconds, "tracked": len(tracked),
            "shape": (w, h)}


def main() -> None:
    """Track the sample for every seed, size and date count asked for; print IoU and speed per run."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=seeds, default=seeds("1-25"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[192, 256])
    ap.add_argument("--dates", type=int, nargs="+", default=[14])
    ap.add_argument("--prompt", choices=["mask", "box", "points"], default="mask")
    ap.add_argument("--rgb-only", action="store_true", help="drop the NIR: the tracker sees the RGB alone")
    ap.add_argument("--ndvi-features", action="store_true", help="add NDVI to the appearance features too")
    args = ap.parse_args()
    guidance.IN_FEATURES = args.ndvi_features
    print(time.strftime("run of %Y-%m-%d %H:%M UTC", time.gmtime())
          + (", RGB only" if args.rgb_only else ", with NIR (NDVI guidance"
             + (" in the appearance features too)" if args.ndvi_features else ")")))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, size, n_dates in itertools.product(args.seeds, args.sizes, args.dates):
            r = run_one(seed, size, n_dates, args.prompt, Path(tmp), rgb_only=args.rgb_only)
            rows.append(r)
            print(f"  seed {seed:3d}  {size:4d} px  {n_dates:2d} dates: mean IoU {r['mean']:.3f}  "
                  f"worst date {r['min']:.3f}  {r['fps']:.1f} frames/s", flush=True)
    means = np.array([r["mean"] for r in rows])
    print(f"\n{len(rows)} series, {args.prompt} prompt on the first date: per-series mean IoU "
          f"min {means.min():.3f}  p10 {np.percentile(means, 10):.3f}  median {np.median(means):.3f}")
    worst = sorted(rows, key=lambda r: r["mean"])[:3]
    print("  weakest: " + "; ".join(f"seed {r['seed']} at {r['size']} px ({r['mean']:.3f})" for r in worst))


if __name__ == "__main__":
    main()
