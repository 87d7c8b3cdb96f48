"""One landslide of a batch: window -> frames -> outline prompt -> track both ways -> OUT/<folder>/.

``run_landslide`` runs on a Dask worker (or in a plain loop). It never raises: a failure
comes back as a result with one sentence. The engine is made once per worker process
and settings (``worker.cached_engine``), so SAM2 loads its weights once, not per landslide.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracking.batch.inventory import Landslide
from tracking.batch.window import check_covered, landslide_window, outline_prompt
from tracking.batch.worker import EngineSettings, cached_engine, peak_rss_mb, tune_allocator, worker_name
from tracking.core.errors import InputError
from tracking.ingest.build import FrameOptions
from tracking.ingest.timeline import Timeline

log = logging.getLogger(__name__)

DONE, SKIPPED, FAILED = "done", "skipped", "failed"
#: the file whose presence marks a finished landslide folder (it is written last, and the
#: folder only appears under its final name once complete)
FINISHED_MARK = "manifest.json"


@dataclass(frozen=True)
class LandslideTask:
    """Everything a worker needs for one landslide (picklable; paths must be visible to the worker)."""

    landslide: Landslide
    timeline: Timeline
    out_dir: str
    buffer_m: float
    options: FrameOptions
    engine: EngineSettings
    overwrite: bool = False
    shapefile: bool = False


@dataclass
class LandslideResult:
    """What came of one landslide: status DONE, SKIPPED or FAILED, and for a failure one sentence.

    problems: the scenes left out of its window (one sentence each; the manifest has them too).
    rows: its measures (``combine.landslide_rows``), for the combined outputs.
    peak_rss_mb: the worker process's peak resident memory so far.
    worker: the Dask worker's address ("local" outside Dask).
    """

    id: str
    folder: str
    status: str
    sentence: str = ""
    seconds: float = 0.0
    n_dates: int = 0
    peak_rss_mb: float = 0.0
    worker: str = ""
    engine_loads: int = 0  # engines this worker process has made so far (1 when the cache works)
    problems: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def is_finished(folder: Path) -> bool:
    """Whether a landslide folder was completed by an earlier run."""
    return (Path(folder) / FINISHED_MARK).is_file()


def run_landslide(task: LandslideTask) -> LandslideResult:
    """Track one landslide into ``task.out_dir/<folder>``; skip it when finished (unless overwrite)."""
    from tracking.batch.combine import landslide_rows

    slide = task.landslide
    t0 = time.perf_counter()
    target = Path(task.out_dir) / slide.folder
    tune_allocator()
    result = LandslideResult(slide.id, slide.folder, DONE, worker=worker_name())
    try:
        if not task.overwrite and is_finished(target):
            result.status = SKIPPED
        else:
            result.n_dates, result.problems = _track(task, target)
        result.rows = landslide_rows(slide, target)
    except InputError as exc:
        result.status, result.sentence = FAILED, str(exc)
    except MemoryError:
        result.status = FAILED
        result.sentence = "The worker ran out of memory on this landslide; use a smaller --buffer or more memory."
    except Exception as exc:  # one landslide's bug must not stop the others; the log keeps the traceback
        log.exception("landslide %s failed", slide.id)
        result.status, result.sentence = FAILED, f"Unexpected error ({type(exc).__name__}: {exc})."
    result.seconds = time.perf_counter() - t0
    result.peak_rss_mb = peak_rss_mb()
    result.engine_loads = cached_engine.cache_info().misses
    return result


def _track(task: LandslideTask, target: Path) -> tuple[int, list[str]]:
    """Frames of the window, the outline prompt, tracking and every export, written atomically."""
    from tracking.core.atomic import atomic_folder
    from tracking.ingest.build import build_frames
    from tracking.run.stages import run_and_write

    slide = task.landslide
    t0 = time.perf_counter()
    window = landslide_window(slide, task.buffer_m)
    check_covered(slide, window, task.timeline.scenes)
    options = replace(task.options, aoi=window.bounds, aoi_crs=window.crs)
    frames, scene_problems = build_frames(task.timeline, options)
    problems = list(task.timeline.problems) + list(scene_problems)
    prompt, note = outline_prompt(slide, frames)
    if note:
        problems.append(note)
    timings = {"ingest_s": time.perf_counter() - t0}
    engine, _, lock = cached_engine(task.engine)
    with lock, atomic_folder(target) as tmp:
        run_and_write(tmp, frames, [prompt], engine, problems, timings, shapefile=task.shapefile,
                      show_progress=False)
    return len(frames), list(scene_problems)
