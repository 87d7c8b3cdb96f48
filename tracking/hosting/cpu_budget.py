"""The CPU time one visitor may use on a shared server, per rolling hour.

A hosted server runs every visitor's previews, frame building and tracking on the
same few cores. Each piece of heavy work is metered (:class:`tracking.core.work.Work`
charges the CPU seconds its thread used at every checkpoint) and the charges of the
last hour are added up per visitor (a browser session). Past ``visitor_cpu_s`` of
:class:`tracking.core.settings.Limits`, the work under way stops at its next
checkpoint and new work is refused, each with one sentence that says when more
is available. ``visitor_cpu_s = 0`` (the local default) meters nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

from tracking.core.errors import InputError
from tracking.core.settings import Limits

WINDOW_S = 3600.0
_BUCKET_S = 60.0  # charges within one minute are kept as one entry


class CpuLedger:
    """CPU seconds charged per visitor over the last ``window`` seconds (thread-safe).

    clock: seconds, monotonic (tests pass their own).
    """

    def __init__(self, window: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._charges: dict[str, deque[list[float]]] = {}  # visitor -> [[bucket start, seconds], ...]

    def used(self, visitor: str) -> float:
        with self._lock:
            return sum(s for _, s in self._recent(visitor))

    def charge(self, visitor: str, seconds: float, budget: float) -> None:
        """Add ``seconds`` to ``visitor``; InputError once the last window holds more than ``budget``."""
        with self._lock:
            recent = self._recent(visitor)
            now = self.clock()
            if recent and now - recent[-1][0] < _BUCKET_S:
                recent[-1][1] += seconds
            elif seconds > 0:
                recent.append([now, seconds])
            used = sum(s for _, s in recent)
            if used > budget:
                raise InputError(self._sentence(recent, used, budget, now))

    def _recent(self, visitor: str) -> deque[list[float]]:
        """The visitor's charges still in the window (older ones dropped; idle visitors forgotten)."""
        now = self.clock()
        if len(self._charges) > 1000:
            for key in [k for k, q in self._charges.items() if not q or now - q[-1][0] > self.window]:
                del self._charges[key]
        recent = self._charges.setdefault(visitor, deque())
        while recent and now - recent[0][0] > self.window:
            recent.popleft()
        return recent

    def _sentence(self, recent: deque[list[float]], used: float, budget: float, now: float) -> str:
        left = used
        wait = self.window
        for when, seconds in recent:  # oldest first: when enough has left the window
            left -= seconds
            if left <= budget:
                wait = when + self.window - now
                break
        minutes = max(1, int(round(wait / 60.0)))
        return (f"This session has used {used:,.0f} s of computing time in the last hour, more than the "
                f"{budget:,.0f} s one visitor may use on this shared server; the work stopped (what was done "
                f"is kept). Try again in about {minutes} minute{'s' if minutes > 1 else ''}.")


_LEDGER = CpuLedger()


def ledger() -> CpuLedger:
    """This server's ledger (one per process, shared by every session)."""
    return _LEDGER


def meter(visitor: str, limits: Limits) -> Callable[[float], None] | None:
    """The :attr:`tracking.core.work.Work.meter` that charges ``visitor`` under ``limits``
    (None when ``limits.visitor_cpu_s`` is 0: nothing to count)."""
    budget = float(limits.visitor_cpu_s)
    if budget <= 0:
        return None
    return lambda seconds: _LEDGER.charge(visitor, seconds, budget)
