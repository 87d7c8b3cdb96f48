"""Run landslide tasks on Dask distributed: a LocalCluster of processes, or an existing scheduler.

Each landslide is one task (``task.run_landslide``); results come back as they finish
(``as_completed``) under a progress bar with the count of failures and an ETA. A task
that dies with its worker (killed, out of memory) still comes back as a failure.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

from tracking.batch.task import FAILED, LandslideResult, LandslideTask, run_landslide
from tracking.core.errors import InputError

#: memory one worker is given by default (a window of a few hundred pixels, 20 dates and SAM2 tiny fit)
WORKER_MEMORY_BYTES = 3 * 1024 ** 3


def default_workers() -> int:
    """Worker processes that fit this machine: one per CPU core, fewer when memory is short."""
    import psutil

    cores = os.cpu_count() or 1
    by_memory = int(psutil.virtual_memory().total // WORKER_MEMORY_BYTES)
    return max(1, min(cores, by_memory))


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: on ``scheduler`` (e.g. ``tcp://host:8786``) when given, else on a
    LocalCluster of ``workers`` single-threaded processes (default ``default_workers()``)."""
    from distributed import Client, LocalCluster

    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, not {workers}.")
    if scheduler:
        try:  # waits up to dask's distributed.comm.timeouts.connect (30 s unless configured)
            client = Client(scheduler)
        except (OSError, TimeoutError) as exc:
            raise InputError(f"Could not reach the Dask scheduler at {scheduler} ({exc}).") from None
        try:
            yield client
        finally:
            client.close()
        return
    n = workers or default_workers()
    import psutil

    memory = max(WORKER_MEMORY_BYTES, int(psutil.virtual_memory().total * 0.9 // n))
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, memory_limit=memory,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_on_dask(client, tasks: Sequence[LandslideTask], show_progress: bool = True,
                on_result: Callable[[LandslideResult], None] | None = None) -> list[LandslideResult]:
    """Submit every task, collect results as they finish (in finishing order)."""
    from distributed import as_completed
    from tqdm import tqdm

    futures = {client.submit(run_landslide, t, key=f"landslide-{t.landslide.folder}-{os.urandom(4).hex()}",
                             pure=False, retries=0): t for t in tasks}
    results: list[LandslideResult] = []
    failed = 0
    with tqdm(total=len(tasks), unit="landslide", desc="batch", disable=not show_progress) as bar:
        for future in as_completed(futures):
            result = _result(future, futures[future])
            failed += result.status == FAILED
            results.append(result)
            future.release()
            bar.update(1)
            bar.set_postfix_str(f"failed {failed}")
            if on_result is not None:
                on_result(result)
    return results


def run_in_loop(tasks: Sequence[LandslideTask], show_progress: bool = False) -> list[LandslideResult]:
    """The same tasks one after another in this process (no Dask): the benchmark's yardstick."""
    from tqdm import tqdm

    return [run_landslide(t) for t in tqdm(tasks, unit="landslide", desc="loop", disable=not show_progress)]


def _result(future, task: LandslideTask) -> LandslideResult:
    """The task's own result, or a failure naming why its worker gave none."""
    slide = task.landslide
    try:
        return future.result()
    except Exception as exc:  # KilledWorker, a worker lost mid-task, a result that could not travel
        name = type(exc).__name__
        why = ("its worker died while running it (often out of memory)" if name == "KilledWorker"
               else f"its worker gave no result ({name}: {exc})")
        return LandslideResult(slide.id, slide.folder, FAILED, sentence=f"Landslide {slide.id} failed: {why}.")
