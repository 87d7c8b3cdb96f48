"""The live tracking session of each project, kept between reruns of the Review page.

One ``TrackingSession`` per project and frames (keyed by project folder and
``corrections.frames_token``), shared by the tabs of this server process, so a
correction only runs the engine on one frame instead of reloading everything.
The project on disk stays the source of truth: when its prompts or masks were
rewritten by someone else (an undo, a new run on the Track page, another tab),
``corrections.state_token`` differs from the one the session last wrote and the
session is rebuilt from the saved files.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import streamlit as st

from tracking.project import corrections
from tracking.project.folder import Project
from tracking.project.state import RunRecord
from tracking.run.session import TrackingSession

MAX_SESSIONS = 4  # live sessions kept per server (each holds an engine and its frames)


@dataclass
class LiveSession:
    """A session, the project state it matches, and a lock for the engine (one job at a time)."""

    session: TrackingSession
    token: str
    engine_note: str
    lock: threading.RLock = field(default_factory=threading.RLock)

    def mark_saved(self, project: Project) -> None:
        """Record that the project's files now hold what this session made."""
        self.token = corrections.state_token(project)


@st.cache_resource(show_spinner=False)
def _registry() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def _make_engine(project: Project):
    """The engine the last run used (its requested kind, model and device), from the shared model pool."""
    from tracking.hosting.model_pool import pool

    run = project.meta.run or RunRecord()
    return pool().engine(run.engine_kind, model=run.model, device=run.device)


def live_session(project: Project) -> LiveSession:
    """The project's live session, rebuilt from disk when missing or out of date.

    Raises InputError when the project has no frames or no masks yet.
    """
    sessions, lock = _registry()
    key = (str(project.root), corrections.frames_token(project))
    token = corrections.state_token(project)
    with lock:
        live = sessions.get(key)
        if live is not None and live.token == token:
            sessions.move_to_end(key)
            return live
    with st.spinner("Loading the tracking engine and your corrections…"):
        engine, note = _make_engine(project)
        session = corrections.open_session(project, engine)
    live = LiveSession(session, token, note)
    with lock:
        for old in [k for k in sessions if k[0] == key[0]]:
            del sessions[old]
        sessions[key] = live
        while len(sessions) > MAX_SESSIONS:
            sessions.popitem(last=False)
    return live


def forget(project: Project) -> None:
    """Drop the project's live session (the next call rebuilds it from disk)."""
    sessions, lock = _registry()
    with lock:
        for old in [k for k in sessions if k[0] == str(project.root)]:
            del sessions[old]
