"""Per-process worker state: one engine per settings, the allocator fix, name and memory."""

from __future__ import annotations

import sys

import pytest

from tracking.batch.worker import EngineSettings, cached_engine, peak_rss_mb, tune_allocator, worker_name


def test_the_engine_is_made_once_per_process_and_settings():
    cached_engine.cache_clear()
    first = cached_engine(EngineSettings("baseline"))
    assert cached_engine(EngineSettings("baseline")) is first
    assert cached_engine.cache_info().misses == 1
    assert cached_engine(EngineSettings("baseline", image_size=512)) is not first


def test_the_allocator_is_left_alone_unless_dask_fixed_its_threshold(monkeypatch):
    tune_allocator.cache_clear()
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert tune_allocator() is False
    tune_allocator.cache_clear()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert tune_allocator() is sys.platform.startswith("linux")
    tune_allocator.cache_clear()


def test_outside_dask_the_worker_is_local_and_memory_is_measured():
    assert worker_name() == "local"
    assert peak_rss_mb() > 10


FAULTS = """
import resource, numpy as np
from tracking.batch.worker import tune_allocator

def faults():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(100):
        np.ones(128 * 1024)  # 1 MiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

faults()
untuned = faults()
assert tune_allocator()
faults()
print(untuned, faults())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc allocator")
def test_arrays_allocate_without_page_faults_after_tuning():
    """The cost the fix removes, in a process started as a Dask worker is (MALLOC_TRIM_THRESHOLD_
    set): a 1 MiB array allocated and freed 100 times faults its 256 pages in every time;
    after tuning, (almost) never."""
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536", "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", FAULTS], env=env, capture_output=True, text=True, check=True)
    untuned, tuned = (int(v) for v in out.stdout.split())
    assert untuned > 100 * 200 and tuned < 100 * 10
