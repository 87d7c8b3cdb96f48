"""Heavy work a page starts: it stops when its browser tab closes or the page runs again,
and it counts against the visitor's CPU budget on a hosted server.

Streamlit stops a script run only at its next ``st.*`` call; a long computation in
between (a tracking run, a prompt preview) would go on for nothing. :func:`heavy_work`
gives that computation a :class:`tracking.core.work.Work` whose ``should_stop`` reads
Streamlit's pending request for this run, so the library's checkpoints end it
between two frames or scenes.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from tracking.core.work import Work, working

_LOCAL_VISITOR = "local"


def interrupted(ctx) -> bool:
    """True once Streamlit asked the script run ``ctx`` to stop (its tab closed or the session
    ended) or to run again (a newer run supersedes this one)."""
    requests = getattr(ctx, "script_requests", None)
    state = getattr(requests, "_state", None)  # read only: Streamlit keeps the request private
    return getattr(state, "name", "") in ("STOP", "RERUN")


@contextmanager
def heavy_work() -> Iterator[Work]:
    """Run the ``with`` block as this browser session's heavy work (see the module docstring)."""
    from tracking.core.settings import current
    from tracking.hosting.cpu_budget import meter

    ctx = get_script_run_ctx(suppress_warning=True)
    visitor = getattr(ctx, "session_id", None) or _LOCAL_VISITOR
    with working(Work(should_stop=lambda: interrupted(ctx), meter=meter(visitor, current().limits))) as work:
        yield work
