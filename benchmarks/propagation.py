"""Propagation speed of the baseline tracker: frames per second on large frames.

    python benchmarks/propagation.py [--size 1024] [--dates 12] [--seed 3]

One sample series from the project's generator (``tracking.sample``) at ``--size`` px is
tracked from its first-date outline through ``TrackingSession``. The figure is the good
frames tracked after the prompted one over the wall time of ``session.run()`` (features,
edge weights and bareness of each frame computed once, inside that time); the mean IoU
against the generator's truth is printed beside it so a faster run that tracks worse shows.
The machine is shared, so wall times are pessimistic; run it with ``nice`` alone.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.engines.baseline.engine import BaselineEngine
from tracking.engines.baseline.shapes import iou
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.prompt_files import read_prompt_file
from tracking.ingest.timeline import build_timeline
from tracking.run.session import TrackingSession
from tracking.sample.series import generate_sample, truth_on_grid


def main() -> None:
    """Generate, track and print frames per second and the mean IoU."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--dates", type=int, default=12)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    print(time.strftime("run of %Y-%m-%d %H:%M UTC", time.gmtime()))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        series = generate_sample(work / "s", seed=args.seed, size=args.size, n_dates=args.dates)
        frames, _ = build_frames(build_timeline([series.scenes_dir], work / "tl"), FrameOptions())
        truth = truth_on_grid(series, frames.grid)
        session = TrackingSession(BaselineEngine(), frames)
        prompts = read_prompt_file(series.prompt_path, frames.grid, frames.dates)
        for p in prompts:
            session.add_prompt(p)
        t0 = time.perf_counter()
        track = session.run()
        seconds = time.perf_counter() - t0
    first = min(p.frame for p in prompts)
    tracked = [i for i in frames.good_indices if i != first]
    ious = [iou(track.objects[1].masks[i], truth[frames.dates[i]]) for i in tracked]
    h, w = frames.images.shape[1:3]
    print(f"seed {args.seed}, {w} x {h} px, {len(tracked)} frames tracked in {seconds:.1f} s: "
          f"{len(tracked) / seconds:.2f} frames/s (mean IoU {np.mean(ious):.3f})")


if __name__ == "__main__":
    main()
