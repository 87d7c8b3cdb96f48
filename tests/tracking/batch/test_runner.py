"""The Dask runner's own rules: machine-sized defaults, a lost worker's task as a failure sentence."""

from __future__ import annotations

import os

import pytest
from shapely.geometry import box

from tracking.batch.inventory import Landslide
from tracking.batch.runner import _result, dask_client, default_workers
from tracking.batch.task import FAILED, EngineSettings, LandslideTask
from tracking.core.errors import InputError
from tracking.ingest.build import FrameOptions
from tracking.ingest.timeline import Timeline


class KilledWorker(Exception):
    """Named like distributed's: the runner tells the analyst the worker died."""


class DeadFuture:
    def __init__(self, exc):
        self.exc = exc

    def result(self):
        raise self.exc


def task() -> LandslideTask:
    slide = Landslide("LS 7", "LS_7", box(0, 0, 1, 1), "EPSG:32648", None)
    return LandslideTask(slide, Timeline([]), "/tmp/out", 200.0, FrameOptions(), EngineSettings("baseline"))


def test_a_task_whose_worker_died_is_a_failure_with_its_id():
    result = _result(DeadFuture(KilledWorker("boom")), task())
    assert (result.id, result.folder, result.status) == ("LS 7", "LS_7", FAILED)
    assert result.sentence == "Landslide LS 7 failed: its worker died while running it (often out of memory)."
    other = _result(DeadFuture(OSError("stream closed")), task())
    assert "its worker gave no result (OSError: stream closed)" in other.sentence


def test_default_workers_fit_the_machine():
    assert 1 <= default_workers() <= (os.cpu_count() or 1)


def test_zero_workers_is_refused():
    with pytest.raises(InputError, match="at least 1"):
        with dask_client(workers=0):
            pass
