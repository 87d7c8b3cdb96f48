"""``python -m tracking sample OUT_DIR``: write the synthetic sample series and say what it holds."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tracking.sample.series import DEFAULT_DATES, DEFAULT_SEED, DEFAULT_SIZE, generate_sample


def add_parser(sub) -> None:
    """Add the ``sample`` sub-command and its options to ``sub``."""
    p = sub.add_parser("sample", help="write the synthetic landslide sample series",
                       description="Write the project's synthetic landslide time series: dated scenes, "
                                   "a true scar mask per date and first-date prompt files.")
    p.add_argument("out_dir", type=Path, help="folder to write into (created if missing)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--size", type=int, default=DEFAULT_SIZE,
                   help=f"reference grid size in 10 m pixels (default {DEFAULT_SIZE})")
    p.add_argument("--dates", type=int, default=DEFAULT_DATES,
                   help=f"number of dates, 12 to 40 (default {DEFAULT_DATES})")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the sample series and print what it holds."""
    start = time.perf_counter()
    series = generate_sample(args.out_dir, seed=args.seed, size=args.size, n_dates=args.dates)
    manifest = json.loads((series.root / "sample.json").read_text())
    print(f"wrote {len(manifest['scenes'])} scenes to {series.scenes_dir}")
    for scene in manifest["scenes"]:
        flags = [f"{scene['pixel_size_m']:g} m"]
        if scene["grid"] != "reference":
            flags.append("other grid")
        if scene["cloud_fraction"] > 0:
            flags.append(f"cloud {scene['cloud_fraction']:.0%}")
        if scene["snow_fraction"] > 0:
            flags.append(f"snow {scene['snow_fraction']:.0%}")
        if scene["nodata_fraction"] > 0:
            flags.append(f"nodata {scene['nodata_fraction']:.0%}")
        print(f"  {scene['date']}  {scene['sensor']:<12} {scene['file']}  ({', '.join(flags)})")
    areas = ", ".join(f"{t['area_m2'] / 1e4:.1f}" for t in manifest["truth"])
    print(f"true masks in {series.truth_dir} (area, ha: {areas})")
    events = manifest["events"]
    print(f"the slope fails between {events['failure_between'][0]} and {events['failure_between'][1]}")
    for path in (series.prompt_path, series.prompt_points_path, series.prompt_box_path):
        print(f"prompt: {path}")
    print(f"description: {series.root / 'sample.json'}  ({time.perf_counter() - start:.1f} s)")
    return 0
