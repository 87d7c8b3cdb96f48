"""One tracking run of a project: cached by content, saved as it goes, cancellable.

The run replays the project's prompts through :func:`tracking.run.stages.run_stages`:
the prompts on the earliest prompted frame start the track (propagated both ways),
and prompts on later frames act as corrections, each followed by forward
re-propagation. The masks are saved every few frames and at the end, so a cancel
or an error keeps what was made. A content hash of the frames, exclusions,
prompts and engine settings is kept in ``project.meta.run``; running again with
unchanged inputs returns the saved track at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.stamps import stamp_text
from tracking.core.track import Provenance, Track
from tracking.engines.base import Engine
from tracking.project.folder import Project
from tracking.project.frames_store import frames_hash, require_frames
from tracking.project.state import RunRecord, now_iso
from tracking.run.session import TrackingSession
from tracking.run.stages import StageStep, prompt_stages, run_stages


@dataclass
class _Active:
    """A run in progress in this process: ``cancel`` asks it to stop, ``done`` says it has."""

    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


# One run per project at a time (keyed by the project folder). A Streamlit rerun starts the
# new script before the old one has stopped, so the page asks the old run to stop and waits.
_ACTIVE: dict[str, _Active] = {}
_ACTIVE_LOCK = threading.Lock()


def is_running(project: Project) -> bool:
    """True while a run of this project is going on in this process."""
    with _ACTIVE_LOCK:
        return str(project.root) in _ACTIVE


def request_cancel(project: Project) -> bool:
    """Ask the project's run (if any) to stop after its current frame; True when one was running."""
    with _ACTIVE_LOCK:
        active = _ACTIVE.get(str(project.root))
    if active is None:
        return False
    active.cancel.set()
    return True


def wait_until_stopped(project: Project, timeout: float = 120.0) -> bool:
    """Wait for the project's run to end (its masks saved); False when it is still going."""
    with _ACTIVE_LOCK:
        active = _ACTIVE.get(str(project.root))
    return active is None or active.done.wait(timeout)


def _register(project: Project) -> _Active:
    with _ACTIVE_LOCK:
        if str(project.root) in _ACTIVE:
            raise InputError("This project is being tracked already; cancel that run or wait for it to end.")
        active = _ACTIVE[str(project.root)] = _Active()
    return active


def _unregister(project: Project, active: _Active) -> None:
    with _ACTIVE_LOCK:
        if _ACTIVE.get(str(project.root)) is active:
            del _ACTIVE[str(project.root)]
    active.done.set()


@dataclass
class RunProgress:
    """Where a run stands: ``done`` of ``total`` frames in stage ``stage`` of ``stages``.

    frame is the full-series index just tracked; ``fraction`` is the whole run's share done.
    """

    stage: int
    stages: int
    done: int
    total: int
    frame: int
    date: dt.date
    seconds: float

    @property
    def fraction(self) -> float:
        within = self.done / self.total if self.total else 1.0
        return min(1.0, (self.stage - 1 + within) / max(1, self.stages))


@dataclass
class RunResult:
    """The outcome of :func:`run_tracking`.

    cached: the saved track was returned because nothing changed since it was made.
    completed: False when the run was cancelled (the frames done so far are kept).
    """

    track: Track
    cached: bool
    completed: bool
    seconds: float
    frames_tracked: int
    carried: int
    engine: str
    note: str


def prompts_hash(prompts: list[Prompt]) -> str:
    """Content hash of prompts (frames, ids, points, labels, boxes, masks) for the run's cache key."""
    h = hashlib.sha256()
    for p in prompts:
        h.update(json.dumps([p.frame, p.object_id, p.points.tolist(), p.labels.tolist(),
                             list(p.box) if p.box else None]).encode())
        h.update(np.packbits(p.mask).tobytes() + str(p.mask.shape).encode() if p.mask is not None else b"-")
    return h.hexdigest()


def _checkpoint_stamp(engine_kind: str, model: str) -> str:
    """Which checkpoint an auto/sam2 run would load (path, size, time), or "" when none."""
    from tracking.engines.factory import checkpoint_for

    try:
        ckpt = checkpoint_for(engine_kind, model)
    except InputError:
        return "missing"
    if ckpt is None:
        return ""
    return f"{ckpt.resolve().parent}/{stamp_text(ckpt.resolve())}"


def run_key(project: Project, frames: Frames, prompts: list[Prompt], engine_kind: str, model: str,
            device: str) -> str:
    """The cache key of a run: frames, exclusions, prompts and engine settings."""
    parts = {"frames": project.meta.frames_hash or frames_hash(frames),
             "excluded": sorted(int(i) for i in frames.excluded), "prompts": prompts_hash(prompts),
             "engine": engine_kind, "model": model, "device": device,
             "checkpoint": _checkpoint_stamp(engine_kind, model)}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _summary(track: Track) -> tuple[int, int]:
    """(frames holding a mask of some object, frames carried over a bad frame)."""
    tracked = carried = 0
    for i in range(track.n_frames):
        provs = [obj.provenance[i] for obj in track.objects.values()]
        tracked += any(p != Provenance.NONE for p in provs)
        carried += any(p == Provenance.CARRIED for p in provs)
    return tracked, carried


def cached_run(project: Project, key: str) -> RunResult | None:
    """The saved result of a completed run with this key, or None."""
    run = project.meta.run
    if run is None or run.key != key or not run.completed:
        return None
    track = project.load_track()
    if track is None:
        return None
    tracked, carried = _summary(track)
    return RunResult(track, True, True, run.seconds, tracked, carried, run.engine, run.note)


def run_tracking(project: Project, engine_kind: str = "auto", model: str = "tiny", device: str = "auto",
                 progress_cb: Callable[[RunProgress], None] | None = None,
                 should_cancel: Callable[[], bool] | None = None,
                 engine: Engine | None = None,
                 on_wait: Callable[[str | None], None] | None = None) -> RunResult:
    """Track the project's saved frames from its saved prompts and save the masks.

    ``engine`` (optional) replaces the one the server's model pool would give
    (:mod:`tracking.hosting.model_pool`: one loaded SAM2 shared by every session); ``on_wait``
    hears "queued behind another analysis" while another session holds that model,
    and None when this run gets it. Raises InputError when the project lacks frames
    or prompts, or the engine cannot run; masks made before an error are saved first.
    """
    frames = require_frames(project)
    prompts = project.load_prompts()
    if not prompts:
        raise InputError("Draw and save a prompt on the Prompt page before tracking.")
    key = run_key(project, frames, prompts, engine_kind, model, device)
    hit = cached_run(project, key)
    if hit is not None:
        return hit
    active = _register(project)
    try:
        return _run(project, frames, prompts, key, (engine_kind, model, device), progress_cb,
                    lambda: active.cancel.is_set() or bool(should_cancel and should_cancel()), engine, on_wait)
    finally:
        _unregister(project, active)


def _run(project: Project, frames: Frames, prompts: list[Prompt], key: str, settings: tuple[str, str, str],
         progress_cb, should_cancel, engine: Engine | None, on_wait) -> RunResult:
    engine_kind, model, device = settings
    note = ""
    if engine is None:
        from tracking.hosting.model_pool import pool

        engine, note = pool().engine(engine_kind, model=model, device=device, on_wait=on_wait)
    t0 = time.perf_counter()
    project.push_history()
    # Until this run completes, the saved track matches no cache key.
    project.meta.run = RunRecord(engine=engine.name, note=note, requested=engine_kind, model=model,
                                 device=device, started=now_iso())
    project.save()
    session = TrackingSession(engine, frames)
    try:
        completed = _propagate_all(project, session, prompts, progress_cb, should_cancel, t0)
    except BaseException:  # an error, or the page stopped under us: say how far it got, then go on
        _record(project, None, session.track, time.perf_counter() - t0, engine, note, settings)
        raise
    seconds = time.perf_counter() - t0
    tracked, carried = _record(project, key if completed else None, session.track, seconds, engine, note,
                               settings)
    return RunResult(session.track, False, completed, seconds, tracked, carried, engine.name, note)


def _record(project: Project, key: str | None, track: Track, seconds: float, engine: Engine, note: str,
            settings: tuple[str, str, str]) -> tuple[int, int]:
    """Save the run's outcome in ``project.meta.run``; a run without ``key`` did not complete."""
    from tracking.engines.factory import engine_provenance

    tracked, carried = _summary(track)
    kind, model, device = settings
    started = project.meta.run.started if project.meta.run is not None else None
    project.meta.run = RunRecord(key=key, completed=key is not None, engine=engine.name,
                                 engine_info=engine_provenance(engine), note=note, requested=kind, model=model,
                                 device=device, seconds=seconds, frames_tracked=tracked, carried=carried,
                                 started=started, finished=now_iso())
    project.save()
    return tracked, carried


def _propagate_all(project: Project, session: TrackingSession, prompts: list[Prompt], progress_cb, should_cancel,
                   t0: float) -> bool:
    """Run every stage through the one stage runner, saving as it goes. False when cancelled."""
    stages = prompt_stages(prompts)

    def report(s: StageStep) -> None:
        p = s.progress
        progress_cb(RunProgress(s.stage, s.stages, p.done, p.total, p.frame, session.frames.dates[p.frame],
                                time.perf_counter() - t0))

    return run_stages(session, stages, report if progress_cb is not None else None, should_cancel,
                      save=project.save_track)
