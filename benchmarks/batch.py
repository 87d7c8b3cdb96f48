"""Throughput of ``batch`` on the synthetic region: 1 vs 2 Dask workers, Dask vs a plain loop.

    nice -n 10 python benchmarks/batch.py [--landslides 12] [--dates 8] [--tile 150] [--repeat 2]
                                          [--engine baseline] [--checkpoint FILE] [--image-size N]

Every mode tracks the same landslides into its own fresh output folder, ``--repeat`` times
interleaved (the fastest run of each mode counts: the machine may be shared). Workers (and
the loop's own process, limited to one thread like a worker) are warmed first (modules
imported, engine made, one landslide tracked), so the timed part is the landslides;
cluster start-up is printed apart. Prints landslides per minute, the 2-to-1 worker ratio, the Dask overhead against
the loop, peak memory per worker, and an estimate of 500 landslides x 20 dates on a
16-worker cluster from the measured cost per landslide-date (cost taken as linear in dates).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits

from tracking.batch.inventory import read_inventory
from tracking.batch.job import BatchOptions, make_tasks
from tracking.batch.runner import dask_client, run_in_loop, run_on_dask
from tracking.batch.task import DONE, LandslideTask, run_landslide
from tracking.batch.worker import EngineSettings, peak_rss_mb
from tracking.ingest.timeline import build_timeline
from tracking.sample.region import generate_region


def warm(task: LandslideTask) -> float:
    """Track one landslide into a scratch folder of this process (imports, engine, first-use costs
    such as font caches, paid before the clock starts); return this process's peak memory (MiB)."""
    scratch = Path(task.out_dir) / f"warm-{os.getpid()}"
    run_landslide(dataclasses.replace(task, out_dir=str(scratch), overwrite=True))
    return peak_rss_mb()


def timed(label: str, run) -> tuple[list, float]:
    """(results of ``run()``, its wall seconds); stop the benchmark when a landslide failed."""
    t0 = time.perf_counter()
    results = run()
    wall = time.perf_counter() - t0
    failed = [r for r in results if r.status != DONE]
    if failed:
        raise SystemExit(f"{label}: {len(failed)} landslides failed, e.g. {failed[0].sentence}")
    return results, wall


def on_dask(tasks, workers: int) -> tuple[list, float, float]:
    """(results, timed wall seconds, start-up and warm-up seconds) on a LocalCluster of ``workers`` processes."""
    t0 = time.perf_counter()
    with dask_client(workers=workers) as client:
        client.wait_for_workers(workers)
        client.run(warm, tasks[0])
        startup = time.perf_counter() - t0
        results, wall = timed(f"{workers} workers", lambda: run_on_dask(client, tasks, show_progress=False))
    return results, wall, startup


def per_worker_peak(results) -> dict[str, float]:
    """{worker address: its peak resident memory in MiB}."""
    peaks: dict[str, float] = {}
    for r in results:
        peaks[r.worker] = max(peaks.get(r.worker, 0.0), r.peak_rss_mb)
    return peaks


def main() -> None:
    """Generate the region, time every mode, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landslides", type=int, default=12)
    ap.add_argument("--dates", type=int, default=8)
    ap.add_argument("--tile", type=int, default=150)
    ap.add_argument("--engine", default="baseline")
    ap.add_argument("--checkpoint")
    ap.add_argument("--image-size", type=int)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each mode; the fastest counts (default 2)")
    args = ap.parse_args()
    settings = EngineSettings(args.engine, checkpoint=args.checkpoint, image_size=args.image_size)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        region = generate_region(root / "region", n_landslides=args.landslides, n_dates=args.dates, tile=args.tile)
        inventory = read_inventory(region.inventory_path)
        timeline = build_timeline([region.scenes_dir], root / "work")

        def tasks_into(name: str):
            opts = BatchOptions(region.inventory_path, [region.scenes_dir], root / name, engine=settings)
            return make_tasks(inventory, timeline, opts)

        n = len(inventory.landslides)
        print(f"region: {n} landslides x {args.dates} dates, tile {args.tile} px, engine {args.engine}; "
              f"{os.cpu_count()} CPU cores on this machine (shared)")
        loop_peak = warm(tasks_into("warm")[0])
        runs: dict[str, list] = {"loop": [], "w1": [], "w2": []}
        for k in range(args.repeat):  # interleaved, so a burst of load elsewhere hits every mode alike
            with threadpool_limits(1):  # as on a Dask worker (its nanny sets OMP_NUM_THREADS=1)
                runs["loop"].append((*timed("loop", lambda: run_in_loop(tasks_into(f"loop{k}"))), 0.0))
            runs["w1"].append(on_dask(tasks_into(f"w1-{k}"), 1))
            runs["w2"].append(on_dask(tasks_into(f"w2-{k}"), 2))
        for mode, tries in runs.items():
            print(f"{mode}: " + ", ".join(f"{wall:.1f} s" for _, wall, _ in tries))
        best = {mode: min(tries, key=lambda t: t[1]) for mode, tries in runs.items()}
        loop, loop_s, _ = best["loop"]
        report(n, args.dates, loop, loop_s, loop_peak, *best["w1"], *best["w2"])


def report(n, n_dates, loop, loop_s, loop_peak, one, one_s, one_start, two, two_s, two_start) -> None:
    """Print the figures of the fastest run of each mode."""
    def rate(seconds: float) -> float:
        return n / seconds * 60

    print(f"plain loop (no Dask):   {rate(loop_s):6.1f} landslides/min  ({loop_s:.1f} s; "
          f"peak {max(r.peak_rss_mb for r in loop):.0f} MiB, {loop_peak:.0f} MiB after the warm-up landslide)")
    print(f"LocalCluster 1 worker:  {rate(one_s):6.1f} landslides/min  ({one_s:.1f} s; start-up and warm-up "
          f"{one_start:.1f} s)")
    print(f"LocalCluster 2 workers: {rate(two_s):6.1f} landslides/min  ({two_s:.1f} s; start-up and warm-up "
          f"{two_start:.1f} s)")
    print(f"2 workers / 1 worker:   {one_s / two_s:.2f}x")
    print(f"Dask overhead (1 worker vs loop): {100 * (one_s - loop_s) / loop_s:+.1f} %")
    peaks = {**{f"1w {k}": v for k, v in per_worker_peak(one).items()},
             **{f"2w {k}": v for k, v in per_worker_peak(two).items()}}
    print("peak memory per worker: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in sorted(peaks.items())))
    per_date = statistics.median(r.seconds / r.n_dates for r in one)
    per_slide = statistics.median(r.seconds for r in one)
    print(f"per landslide on one worker: median {per_slide:.2f} s for {n_dates} dates ({per_date:.3f} s per date)")
    overhead = max(0.0, (one_s - loop_s) / loop_s)
    estimate = 500 * 20 * per_date / 16 * (1 + overhead)
    print(f"estimate, 500 landslides x 20 dates on 16 workers (one core each, this engine): "
          f"{estimate / 60:.1f} min (+ {one_start:.0f} s start-up), from {per_date:.3f} s per landslide-date "
          f"and the measured overhead")


if __name__ == "__main__":
    main()
