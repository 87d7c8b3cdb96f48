"""Heavy work that can be told to stop: a cooperative cancel token and a CPU meter.

A page that starts heavy work (a preview, building frames, a tracking run) wraps it
in :func:`working` with a :class:`Work`; the loops of that work call
:func:`checkpoint` between steps (frames, scenes, stages). A checkpoint charges the
CPU time the thread used since the last one to ``Work.meter`` (which raises
InputError when the visitor's budget is spent, see :mod:`tracking.hosting.cpu_budget`)
and raises :class:`WorkStopped` once ``Work.should_stop()`` is true (the browser tab
closed, or a newer run of the page started). Outside :func:`working`, a checkpoint
does nothing, so the library and the command line run as before.

The token lives in a context variable: every thread (a Streamlit script run is one)
has its own, and nothing has to pass it through the call chain.
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from tracking.core.errors import InputError


class WorkStopped(InputError):
    """The work was asked to stop (its page closed or ran again); what was done is kept."""


@dataclass
class Work:
    """One piece of heavy work of one visitor.

    should_stop: True once the work should end at its next checkpoint.
    meter: charged with the CPU seconds used since the previous checkpoint; raises
        InputError (one sentence) when the visitor may not use more.
    """

    should_stop: Callable[[], bool] = lambda: False
    meter: Callable[[float], None] | None = None
    _cpu: float = field(default_factory=time.thread_time)

    def charge(self) -> None:
        """Charge the CPU time used since the last charge to ``meter``."""
        now = time.thread_time()
        used, self._cpu = max(0.0, now - self._cpu), now
        if self.meter is not None:
            self.meter(used)

    def checkpoint(self) -> None:
        self.charge()
        if self.should_stop():
            raise WorkStopped("The work was stopped because the page was closed or run again; "
                              "what was done so far is kept.")


_CURRENT: contextvars.ContextVar[Work | None] = contextvars.ContextVar("tracking_work", default=None)


@contextmanager
def working(work: Work) -> Iterator[Work]:
    """Make ``work`` the current work of this thread for the ``with`` block (checked on entry,
    charged on exit, also after an error)."""
    token = _CURRENT.set(work)
    try:
        work.checkpoint()
        yield work
    finally:
        _CURRENT.reset(token)
        try:  # the last stretch is charged; a budget it overdraws refuses the next work, not this one
            work.charge()
        except InputError:
            pass


def checkpoint() -> None:
    """Between two steps of heavy work: charge its CPU time and stop it when asked (no-op outside
    :func:`working`)."""
    work = _CURRENT.get()
    if work is not None:
        work.checkpoint()
