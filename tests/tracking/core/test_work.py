"""Cooperative stop and CPU metering of heavy work (tracking.core.work)."""

from __future__ import annotations

import threading
import time

import pytest

from tracking.core.errors import InputError
from tracking.core.work import Work, WorkStopped, checkpoint, working


def test_checkpoints_charge_cpu_and_stop_when_asked():
    charged: list[float] = []
    stop = threading.Event()
    with pytest.raises(WorkStopped):
        with working(Work(should_stop=stop.is_set, meter=charged.append)):
            end = time.thread_time() + 0.05
            while time.thread_time() < end:
                pass
            checkpoint()
            stop.set()
            checkpoint()
    assert sum(charged) >= 0.05


def test_the_work_is_per_thread_and_ends_with_the_block():
    seen = []
    with working(Work()):
        t = threading.Thread(target=lambda: seen.append(checkpoint()))  # another thread: no work there
        t.start()
        t.join()
    checkpoint()  # after the block: nothing current
    assert seen == [None]


def test_a_budget_overdrawn_by_the_last_stretch_refuses_the_next_work_not_this_one():
    def meter(seconds: float) -> None:
        raise InputError("over")

    with working(Work(meter=lambda s: None)) as work:
        work.meter = meter  # spent during the block: its result is kept, the exit does not raise
    with pytest.raises(InputError, match="over"):
        with working(Work(meter=meter)):
            pass
