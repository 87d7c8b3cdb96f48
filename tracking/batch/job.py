"""A whole batch: inventory + scenes -> one task per landslide on Dask -> the combined outputs.

``OUT/<folder>/`` per landslide (the ``track`` command's layout), then ``OUT/inventory.gpkg``,
``OUT/metrics.csv``, ``OUT/failures.csv``, ``OUT/report.html`` and the run log ``OUT/batch.json``
(seconds per landslide, and per worker the engines it loaded and its peak memory) beside them.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from tracking.batch.inventory import DEFAULT_DATE_FIELD, DEFAULT_ID_FIELD, Inventory, read_inventory
from tracking.batch.task import DONE, FAILED, SKIPPED, EngineSettings, LandslideResult, LandslideTask
from tracking.core.errors import InputError
from tracking.ingest.build import FrameOptions

DEFAULT_BUFFER_M = 200.0
SCENES_WORK = ".scenes-work"  # zips are unpacked here, beside the outputs, so every worker can read them
#: the combined outputs' names, which no landslide folder may take
OUTPUT_NAMES = ("inventory.gpkg", "metrics.csv", "failures.csv", "report.html", "batch.json")


@dataclass
class BatchOptions:
    """What the ``batch`` command was asked to do."""

    inventory: Path
    scenes: list[Path]
    out: Path
    buffer_m: float = DEFAULT_BUFFER_M
    scheduler: str | None = None
    workers: int | None = None
    id_field: str = DEFAULT_ID_FIELD
    date_field: str = DEFAULT_DATE_FIELD
    radius_m: float | None = None
    overwrite: bool = False
    shapefile: bool = False
    frames: FrameOptions = field(default_factory=FrameOptions)
    engine: EngineSettings = field(default_factory=EngineSettings)


@dataclass
class BatchSummary:
    """What a batch did: one result per landslide (inventory order), the failures.csv rows,
    the files written and the wall time."""

    results: list[LandslideResult]
    failures: list[tuple[str, str]]
    paths: dict[str, Path]
    seconds: float

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


def make_tasks(inventory: Inventory, timeline, opts: BatchOptions) -> list[LandslideTask]:
    """One task per landslide, in inventory order."""
    return [LandslideTask(s, timeline, str(opts.out.resolve()), opts.buffer_m, opts.frames, opts.engine,
                          overwrite=opts.overwrite, shapefile=opts.shapefile) for s in inventory.landslides]


def run_batch(opts: BatchOptions, show_progress: bool = True, client=None) -> BatchSummary:
    """Run every landslide of the inventory; ``client`` (a distributed.Client) overrides
    ``opts.scheduler``/``opts.workers``. Raises InputError only when nothing can start
    (bad inventory, no usable scene, unreachable scheduler)."""
    from tracking.batch.runner import dask_client, run_on_dask
    from tracking.core.atomic import remove_stale_temporaries
    from tracking.ingest.timeline import build_timeline

    t0 = time.perf_counter()
    if not opts.buffer_m >= 0:
        raise InputError(f"The buffer {opts.buffer_m} is not a non-negative number of metres.")
    inventory = read_inventory(opts.inventory, opts.id_field, opts.date_field, opts.radius_m)
    clash = [s.id for s in inventory.landslides if s.folder.lower() in OUTPUT_NAMES]
    if clash:
        raise InputError(f"Landslide id {clash[0]} would be the folder of a combined output "
                         f"({', '.join(OUTPUT_NAMES)}); rename it in the inventory.")
    opts.out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(opts.out)  # half-written landslide folders of a killed run
    work = opts.out / SCENES_WORK
    try:
        timeline = build_timeline(opts.scenes, work)
        tasks = make_tasks(inventory, timeline, opts)
        if client is not None:
            results = run_on_dask(client, tasks, show_progress)
        else:
            with dask_client(opts.scheduler, opts.workers) as own:
                results = run_on_dask(own, tasks, show_progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    order = {s.id: i for i, s in enumerate(inventory.landslides)}
    results.sort(key=lambda r: order[r.id])
    failures = failure_rows(timeline.problems, results)
    paths = write_outputs(opts.out, inventory, timeline, results, failures)
    return BatchSummary(results, failures, paths, time.perf_counter() - t0)


def failure_rows(scene_problems: list[str], results: list[LandslideResult]) -> list[tuple[str, str]]:
    """(id, sentence): each failed landslide, then each problem with the scenes once (empty id)."""
    rows = [(r.id, r.sentence) for r in results if r.status == FAILED]
    seen: set[str] = set()
    for sentence in [*scene_problems, *(p for r in results for p in r.problems)]:
        if sentence not in seen:
            seen.add(sentence)
            rows.append(("", sentence))
    return rows


def write_outputs(out: Path, inventory: Inventory, timeline, results: list[LandslideResult],
                  failures: list[tuple[str, str]]) -> dict[str, Path]:
    """The combined outputs, the run log, failures.csv and report.html; {kind: path}."""
    from tracking.batch.combine import growth_summary, write_combined, write_failures
    from tracking.batch.report import write_batch_report

    rows = [row for r in results for row in r.rows]
    paths = write_combined(out, rows, inventory.crs)
    paths["log"] = write_run_log(out / "batch.json", results)
    paths["failures"] = write_failures(out / "failures.csv", failures)
    paths["report"] = write_batch_report(out / "report.html", growth_summary(rows), results, failures,
                                         inventory, timeline.dates)
    return paths


def write_run_log(path: Path, results: list[LandslideResult]) -> Path:
    """``batch.json``: per landslide its status, seconds, dates and worker; per worker the landslides it
    ran, the engines it loaded and its peak memory."""
    from tracking.core.atomic import write_json

    workers: dict[str, dict] = {}
    for r in results:
        w = workers.setdefault(r.worker or "none", {"landslides": 0, "engine_loads": 0, "peak_rss_mb": 0.0})
        w["landslides"] += 1
        w["engine_loads"] = max(w["engine_loads"], r.engine_loads)
        w["peak_rss_mb"] = round(max(w["peak_rss_mb"], r.peak_rss_mb), 1)
    write_json(path, {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                      "landslides": [{"id": r.id, "folder": r.folder, "status": r.status, "sentence": r.sentence,
                                      "seconds": round(r.seconds, 3), "dates": r.n_dates, "worker": r.worker}
                                     for r in results],
                      "workers": workers})
    return path


def summary_line(summary: BatchSummary) -> str:
    """One line for the terminal: done, skipped, failed and the wall time."""
    return (f"{summary.count(DONE)} landslides tracked, {summary.count(SKIPPED)} already finished, "
            f"{summary.count(FAILED)} failed ({summary.seconds:.0f} s)")
