"""One loaded model per (engine, model, device, checkpoint), shared by every session.

The dashboard serves several people from one process. Loading SAM2 for each of
them would multiply its memory and start-up time, and two sessions driving one
model at once would corrupt each other's video state. So:

- the weights (SAM2's predictor and its feature caches) are loaded once per key
  and shared; each session gets its own engine object with its own video state
  (:meth:`tracking.engines.sam2.engine.Sam2Engine.fork`);
- every call into a shared model goes through that model's :class:`Gate`, a
  first-come first-served lock taken per call and per propagated frame, so two
  sessions tracking at once interleave frame by frame and neither page freezes
  for longer than one frame of the other's work; a session that has to wait is
  told so (``on_wait``), and the page can say "queued behind another analysis";
- the weights-free baseline has nothing to share: every session gets a fresh
  instance. Its frames are CPU work, though, so they pass a gate with
  ``parallel_runs`` slots (tracking.core.settings; by default the number of CPU
  cores): beyond that, sessions queue frame by frame instead of all sharing the
  cores at once, which keeps every page responsive at the same throughput
  (benchmarks/load.py).

Typical use, from a page::

    engine, note = pool().engine("auto", "tiny", device="auto", on_wait=show_queue)
    run_tracking(project, engine=engine, ...)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from tracking.core.frames import check_video
from tracking.core.prompts import Prompt
from tracking.core.stamps import file_stamp
from tracking.engines.base import Engine, PropagationStep

QUEUED = "Queued behind another analysis; it will start as soon as the model is free."
WaitCallback = Callable[[str | None], None]


class Gate:
    """A first-come first-served lock for ``slots`` holders at once, with a callback while a caller waits.

    ``hold(on_wait)`` calls ``on_wait(QUEUED)`` once if the caller has to wait, and
    ``on_wait(None)`` when it gets the gate. A waiter that gives up (an exception in
    its thread) leaves the queue, so it can never block those behind it.
    """

    def __init__(self, slots: int = 1) -> None:
        self.slots = max(1, int(slots))
        self._cond = threading.Condition()
        self._queue: deque = deque()
        self._held = 0
        self.waits = 0  # how many acquisitions had to wait (for status and tests)

    @property
    def busy(self) -> bool:
        """Every slot is taken."""
        return self._held >= self.slots

    @property
    def queued(self) -> int:
        """Callers waiting for the gate now."""
        return len(self._queue)

    def acquire(self, on_wait: WaitCallback | None = None) -> None:
        token = object()
        with self._cond:
            self._queue.append(token)
            waited = False
            try:
                while self._held >= self.slots or self._queue[0] is not token:
                    if not waited:
                        waited = True
                        self.waits += 1
                        if on_wait is not None:
                            self._cond.release()
                            try:
                                on_wait(QUEUED)
                            finally:
                                self._cond.acquire()
                        continue
                    self._cond.wait(0.5)
            except BaseException:
                self._queue.remove(token)
                self._cond.notify_all()
                raise
            self._queue.popleft()
            self._held += 1
            self._cond.notify_all()  # the next in line may fit in another slot
        if waited and on_wait is not None:
            on_wait(None)

    def release(self) -> None:
        with self._cond:
            self._held = max(0, self._held - 1)
            self._cond.notify_all()

    @contextmanager
    def hold(self, on_wait: WaitCallback | None = None) -> Iterator[None]:
        self.acquire(on_wait)
        try:
            yield
        finally:
            self.release()


class GatedEngine:
    """An engine whose every call into a shared model holds the model's gate.

    ``inner`` is this session's own engine (own video state, shared weights). The
    gate is taken for ``load``, ``add_prompt``, ``clear_frame`` and for each frame of
    ``propagate`` (so another session can run between two frames). Attributes the
    engine reports (``name``, ``model``, ``device``, ``checkpoint``, ...) read through.
    ``limits`` (:class:`tracking.core.settings.Limits`, or None for none) cap the frames and
    grid ``load`` accepts.
    """

    def __init__(self, inner: Engine, gate: Gate, on_wait: WaitCallback | None = None, limits=None) -> None:
        self.inner = inner
        self.gate = gate
        self.on_wait = on_wait
        self.limits = limits

    @property
    def name(self) -> str:
        return self.inner.name

    def __getattr__(self, attr: str):
        if attr == "inner":  # not set yet (during unpickling or a failed __init__)
            raise AttributeError(attr)
        return getattr(self.inner, attr)

    def load(self, images: np.ndarray, guidance: np.ndarray | None = None) -> None:
        """Start a new video (checked against the frame and grid limits before any model work);
        ``guidance`` (see the Engine contract) is handed through."""
        images = check_video(images)
        if self.limits is not None:
            from tracking.hosting.limits import check_frames
            from tracking.ingest.regrid import check_grid

            check_frames(len(images), self.limits)
            check_grid(images.shape[2], images.shape[1], self.limits)
        with self.gate.hold(self.on_wait):
            self.inner.load(images, guidance=guidance)

    def add_prompt(self, prompt: Prompt) -> PropagationStep:
        with self.gate.hold(self.on_wait):
            return self.inner.add_prompt(prompt)

    def clear_frame(self, frame: int, object_id: int | None = None) -> None:
        with self.gate.hold(self.on_wait):
            self.inner.clear_frame(frame, object_id)

    def propagate(self, start: int, reverse: bool = False) -> Iterator[PropagationStep]:
        inner = self.inner.propagate(start, reverse=reverse)
        try:
            while True:
                with self.gate.hold(self.on_wait):
                    try:
                        step = next(inner)
                    except StopIteration:
                        return
                yield step
        finally:
            with self.gate.hold():
                inner.close()


@dataclass
class _Shared:
    """One loaded model: the engine holding the weights, its gate, and how to reach it."""

    engine: Engine
    note: str
    gate: Gate = field(default_factory=Gate)
    sessions: int = 0
    loaded_s: float = 0.0


class ModelPool:
    """Loaded models shared across sessions (see the module docstring).

    ``factory`` builds an engine like :func:`tracking.engines.factory.make_engine`
    (tests pass their own).
    """

    def __init__(self, factory: Callable[..., tuple[Engine, str]] | None = None) -> None:
        self._factory = factory
        self._models: dict[tuple, _Shared] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}
        self._cpu_gates: dict[int, Gate] = {}

    def _cpu_gate(self, slots: int) -> Gate:
        """The gate weights-free engines share, with ``slots`` frames computed at once."""
        with self._lock:
            return self._cpu_gates.setdefault(slots, Gate(slots))

    def engine(self, kind: str = "auto", model: str = "tiny", checkpoint: str | Path | None = None,
               device: str = "auto", image_size: int | None = None, on_wait: WaitCallback | None = None,
               limits=None) -> tuple[Engine, str]:
        """(an engine for one session, the sentence saying which engine runs and why).

        The baseline comes fresh for every call. SAM2 (``kind`` "sam2", or "auto" with a
        checkpoint present) is loaded once per (model, device, checkpoint file, image
        size) and each call gets its own video state on the shared weights, behind the
        model's gate. ``limits`` (default the server's) cap the frames and grid a
        session may load into a shared model.
        """
        from tracking.engines.factory import check_kind

        check_kind(kind)
        if limits is None:
            from tracking.core.settings import current

            limits = current().limits
        key, ckpt = self._key(kind, model, checkpoint, device, image_size)
        if key is None:  # the baseline: no weights to share; its CPU work shares the cores' gate
            engine, note = self._make(kind, model, checkpoint, device, image_size)
            gate = self._cpu_gate(limits.runs_in_parallel)
            return GatedEngine(engine, gate, on_wait, limits), note
        shared = self._shared(key, lambda: self._make("sam2", model, ckpt, device, image_size))
        session = _fork(shared.engine)
        with self._lock:
            shared.sessions += 1
        return GatedEngine(session, shared.gate, on_wait, limits), shared.note

    def _make(self, kind, model, checkpoint, device, image_size) -> tuple[Engine, str]:
        if self._factory is not None:
            return self._factory(kind, model=model, checkpoint=checkpoint, device=device, image_size=image_size)
        from tracking.engines.factory import make_engine

        return make_engine(kind, model=model, checkpoint=checkpoint, device=device, image_size=image_size)

    def _key(self, kind, model, checkpoint, device, image_size) -> tuple[tuple | None, Path | None]:
        """The sharing key of a SAM2 model, or (None, None) when the baseline will run."""
        from tracking.engines.device import resolve_device
        from tracking.engines.factory import checkpoint_for
        from tracking.engines.sam2.models import get_model

        ckpt = checkpoint_for(kind, model, checkpoint)
        if ckpt is None:
            return None, None
        ckpt = Path(ckpt).resolve()
        key = ("sam2", get_model(model).name, str(resolve_device(device)), str(ckpt), file_stamp(ckpt), image_size)
        return key, ckpt

    def _shared(self, key: tuple, build: Callable[[], tuple[Engine, str]]) -> _Shared:
        """The loaded model for ``key``, loading it once even when sessions ask together."""
        with self._lock:
            shared = self._models.get(key)
            if shared is not None:
                return shared
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # one session loads; the others wait for it instead of loading again
            with self._lock:
                shared = self._models.get(key)
            if shared is None:
                t0 = time.perf_counter()
                engine, note = build()
                shared = _Shared(engine, note, loaded_s=time.perf_counter() - t0)
                with self._lock:
                    self._models[key] = shared
                    self._loading.pop(key, None)
        return shared

    def status(self) -> list[dict]:
        """One row per loaded model: which, busy or not, how many wait, sessions served."""
        with self._lock:
            items = list(self._models.items())
        return [{"engine": k[0], "model": k[1], "device": k[2], "checkpoint": Path(k[3]).name,
                 "busy": s.gate.busy, "queued": s.gate.queued, "sessions": s.sessions,
                 "load_s": round(s.loaded_s, 2)} for k, s in items]

    def clear(self) -> None:
        """Forget every loaded model (sessions holding an engine keep theirs)."""
        with self._lock:
            self._models.clear()


def _fork(engine: Engine) -> Engine:
    """A new engine sharing ``engine``'s weights with its own video state."""
    fork = getattr(engine, "fork", None)
    if fork is None:
        raise TypeError(f"the {engine.name} engine cannot be shared between sessions (it has no fork())")
    return fork()


_POOL: ModelPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> ModelPool:
    """The process's pool: every session of a dashboard server shares it."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ModelPool()
        return _POOL
