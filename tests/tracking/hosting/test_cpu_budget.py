"""The per-visitor CPU ledger: a rolling hour, per visitor, one sentence that says when to come back."""

from __future__ import annotations

import pytest

from tracking.core.errors import InputError
from tracking.core.settings import Limits
from tracking.hosting.cpu_budget import WINDOW_S, CpuLedger, meter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_charges_add_up_per_visitor_and_leave_after_the_window():
    clock = Clock()
    ledger = CpuLedger(clock=clock)
    ledger.charge("a", 300, budget=600)
    clock.now += 30  # same minute: one entry
    ledger.charge("a", 200, budget=600)
    ledger.charge("b", 500, budget=600)
    assert ledger.used("a") == 500 and ledger.used("b") == 500
    clock.now += WINDOW_S + 1
    assert ledger.used("a") == 0


def test_the_sentence_says_when_enough_has_left_the_window():
    clock = Clock()
    ledger = CpuLedger(clock=clock)
    ledger.charge("a", 400, budget=600)
    clock.now += 20 * 60
    with pytest.raises(InputError) as info:
        ledger.charge("a", 300, budget=600)  # 700 s: back under once the first 400 s leave, in 40 minutes
    assert str(info.value) == ("This session has used 700 s of computing time in the last hour, more than the 600 s "
                               "one visitor may use on this shared server; the work stopped (what was done is "
                               "kept). Try again in about 40 minutes.")
    clock.now += 40 * 60 + 1
    ledger.charge("a", 0, budget=600)  # the first charge has left the window


def test_no_meter_without_a_budget():
    assert meter("a", Limits(visitor_cpu_s=0)) is None
    assert meter("a", Limits(visitor_cpu_s=10)) is not None
