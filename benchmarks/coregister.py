"""How well ingest lines the scenes of a series up: measured offsets against known ones.

    python benchmarks/coregister.py [--seeds 1-6] [--sizes 192 256]

The project's generator (``tracking.sample``) displaces every scene but the reference by a
random co-registration error of 0.1-0.8 px (recorded per scene as ``jitter_px`` in
``sample.json``; the true masks are not displaced). Each series is ingested by
``build_frames`` with co-registration on; for every frame the shift it applied
(``FrameQuality.shift``) is compared with the one that undoes the known displacement. Prints
the residual misregistration (median, p90, max, px) against the residual without the step
(the displacement itself), the frames left unmeasured (and whether quality flagged them), and
the ingest time with and without the step in the same process.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stress import seeds

from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.timeline import build_timeline
from tracking.sample.series import generate_sample


def main() -> None:
    """Ingest each generated series with and without co-registration; print the residuals."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=seeds, default=seeds("1-6"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[192, 256])
    args = ap.parse_args()
    print(time.strftime("run of %Y-%m-%d %H:%M UTC", time.gmtime()))
    after, before, unmeasured, seconds = [], [], [], {True: 0.0, False: 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for seed, size in itertools.product(args.seeds, args.sizes):
            series = generate_sample(Path(tmp) / f"s_{seed}_{size}", seed=seed, size=size)
            known = {s["file"]: s["jitter_px"] for s in json.loads((series.root / "sample.json").read_text())["scenes"]}
            timeline = build_timeline([series.scenes_dir], Path(tmp) / f"tl_{seed}_{size}")
            for on in (False, True):
                t0 = time.perf_counter()
                frames, _ = build_frames(timeline, FrameOptions(coregister=on))
                seconds[on] += time.perf_counter() - t0
            for source, q in zip(frames.sources, frames.quality):
                jx, jy = known[source]
                before.append(float(np.hypot(jx, jy)))
                if q.shift is None:
                    unmeasured.append(q.bad)
                    continue
                after.append(float(np.hypot(q.shift[0] + jx, q.shift[1] + jy)))
    n = len(args.seeds) * len(args.sizes)

    def stats(v: list[float]) -> str:
        return f"median {np.median(v):.3f}  p90 {np.percentile(v, 90):.3f}  max {np.max(v):.3f} px"

    print(f"{n} series, {len(before)} frames ({len(after)} measured and placed)")
    print(f"  misregistration without co-registration: {stats(before)}")
    print(f"  misregistration after co-registration:   {stats(after)}")
    print(f"  ratio of medians (after / without): {np.median(after) / np.median(before):.2f}")
    print(f"  frames left where they were (peak too weak): {len(unmeasured)}, "
          f"of which flagged bad by quality: {sum(unmeasured)}")
    print(f"  ingest time, all series: {seconds[False]:.1f} s without, {seconds[True]:.1f} s with "
          f"(ratio {seconds[True] / seconds[False]:.2f})")


if __name__ == "__main__":
    main()
