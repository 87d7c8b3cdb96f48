"""One loaded model shared across sessions behind a first-come first-served gate."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tests.helpers.sam2_weights import SAM2_IMAGE_SIZE
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.settings import Limits
from tracking.hosting.model_pool import QUEUED, Gate, GatedEngine, ModelPool
from tracking.run.session import TrackingSession


# -- the gate ---------------------------------------------------------------------------
def test_gate_serves_waiters_in_arrival_order_and_tells_them_they_wait():
    gate = Gate()
    order, messages = [], []
    gate.acquire()
    threads = []
    for i in range(4):
        t = threading.Thread(target=lambda i=i: (gate.acquire(lambda m, i=i: messages.append((i, m))),
                                                 order.append(i), gate.release()))
        t.start()
        threads.append(t)
        while gate.queued < i + 1:  # each waiter is queued before the next one starts
            time.sleep(0.001)
    assert gate.busy and gate.queued == 4
    gate.release()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3]
    assert [m for i, m in messages if i == 2] == [QUEUED, None]
    assert not gate.busy and gate.queued == 0 and gate.waits == 4


def test_a_gate_with_slots_lets_that_many_in_and_queues_the_rest():
    gate = Gate(slots=2)
    gate.acquire()
    gate.acquire()  # a second holder fits
    assert gate.busy
    heard, got = [], threading.Event()
    t = threading.Thread(target=lambda: (gate.acquire(heard.append), got.set()))
    t.start()
    while not heard:
        time.sleep(0.001)
    assert heard == [QUEUED] and not got.is_set()
    gate.release()
    assert got.wait(5) and heard == [QUEUED, None]
    t.join(5)
    gate.release()
    gate.release()
    assert not gate.busy and gate.queued == 0


def test_a_waiter_that_gives_up_does_not_block_the_queue():
    gate = Gate()
    gate.acquire()

    def impatient(message):
        if message == QUEUED:
            raise KeyboardInterrupt  # e.g. Streamlit stopping a rerun

    with pytest.raises(KeyboardInterrupt):
        gate.acquire(impatient)
    assert gate.queued == 0
    done = threading.Event()
    t = threading.Thread(target=lambda: (gate.acquire(), done.set(), gate.release()))
    t.start()
    gate.release()
    assert done.wait(5)
    t.join(5)


# -- gated engines ----------------------------------------------------------------------
def test_gated_engine_checks_frame_and_grid_limits_before_loading():
    inner = GrowingEngine()
    engine = GatedEngine(inner, Gate(), limits=Limits(max_frames=3, max_grid_pixels=100))
    with pytest.raises(InputError, match="4 frames, more than the 3"):
        engine.load(np.zeros((4, 8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="11 x 10 pixels"):
        engine.load(np.zeros((2, 10, 11, 3), np.uint8))
    assert not hasattr(inner, "n")  # the inner engine never saw either
    engine.load(np.zeros((3, 10, 10, 3), np.uint8))
    assert inner.n == 3 and engine.name == "test" and engine.prompted == {}


def test_propagation_releases_the_gate_between_frames():
    gate = Gate()
    engine = GatedEngine(GrowingEngine(), gate)
    engine.load(np.zeros((4, 8, 8, 3), np.uint8))
    engine.add_prompt(Prompt(0, 1, box=(1, 1, 3, 3)))
    steps = engine.propagate(0)
    next(steps)
    assert not gate.busy  # the other session may run now
    steps.close()
    assert not gate.busy


def test_baseline_sessions_get_their_own_engine_with_the_limits():
    pool = ModelPool()
    (a, note), (b, _) = (pool.engine("baseline", limits=Limits(max_frames=2, parallel_runs=3)),
                         pool.engine("baseline", limits=Limits(parallel_runs=3)))
    assert a.inner is not b.inner and a.name == "baseline" and "baseline" in note
    assert a.gate is b.gate and a.gate.slots == 3  # their CPU work shares the cores' gate
    with pytest.raises(InputError, match="3 frames"):
        a.load(np.zeros((3, 8, 8, 3), np.uint8))
    assert pool.status() == []


def test_unknown_engine_kind_is_one_sentence():
    with pytest.raises(InputError, match="Unknown engine"):
        ModelPool().engine("yolo")


# -- SAM2: one model, several sessions --------------------------------------------------
@pytest.fixture
def sam2_pool(sam2_checkpoint):
    from tracking.engines.factory import make_engine

    built = []

    def factory(kind, **kw):
        built.append(kind)
        return make_engine(kind, **kw)

    pool = ModelPool(factory)
    pool.built = built
    return pool


def _track(engine, frames, box):
    session = TrackingSession(engine, frames)
    session.add_prompt(Prompt(0, 1, box=box))
    for _ in session.propagate(0, "forward"):
        pass
    return session.track.objects[1].masks


@pytest.mark.slow
def test_two_sessions_share_one_sam2_model_and_each_gets_its_own_results(sam2_pool, sam2_checkpoint):
    kw = dict(checkpoint=sam2_checkpoint, device="cpu", image_size=SAM2_IMAGE_SIZE)
    frames_a, frames_b = (make_frames(3, (40, 56), pattern="blob", seed=seed) for seed in (1, 2))
    box_a, box_b = (10, 6, 34, 30), (20, 10, 50, 36)
    solo_a = _track(sam2_pool.engine("sam2", **kw)[0], frames_a, box_a)
    solo_b = _track(sam2_pool.engine("sam2", **kw)[0], frames_b, box_b)

    (eng_a, note), (eng_b, _) = sam2_pool.engine("auto", **kw), sam2_pool.engine("sam2", **kw)
    assert sam2_pool.built == ["sam2"]  # loaded once for all four sessions
    assert eng_a.inner is not eng_b.inner and eng_a.inner.predictor is eng_b.inner.predictor
    assert eng_a.gate is eng_b.gate and "SAM2" in note
    waits = []
    eng_b.on_wait = waits.append
    results = {}
    go = threading.Barrier(2)

    def run(name, engine, frames, box):
        go.wait()
        results[name] = _track(engine, frames, box)

    threads = [threading.Thread(target=run, args=("a", eng_a, frames_a, box_a)),
               threading.Thread(target=run, args=("b", eng_b, frames_b, box_b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert np.array_equal(results["a"], solo_a) and np.array_equal(results["b"], solo_b)
    assert not np.array_equal(results["a"], results["b"])
    assert eng_a.gate.waits > 0  # they really did take turns
    status = sam2_pool.status()
    assert len(status) == 1 and status[0]["sessions"] == 4 and status[0]["busy"] is False


def test_sessions_asking_together_load_the_model_once(sam2_pool, sam2_checkpoint):
    kw = dict(checkpoint=sam2_checkpoint, device="cpu", image_size=SAM2_IMAGE_SIZE)
    engines = []
    threads = [threading.Thread(target=lambda: engines.append(sam2_pool.engine("sam2", **kw)[0]))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sam2_pool.built == ["sam2"] and len({id(e.inner) for e in engines}) == 3
    assert len({id(e.inner.predictor) for e in engines}) == 1


class ForkableEngine(GrowingEngine):
    """A stand-in for SAM2 in the pool (fast): fork gives a fresh engine."""

    def fork(self):
        return ForkableEngine()


def test_run_tracking_waits_in_the_queue_and_says_so(tmp_path, monkeypatch):
    from tracking.hosting import model_pool
    from tracking.project import frames_store, runs, workflow
    from tracking.project.folder import Project

    dummy = tmp_path / "sam2.1_hiera_tiny.pt"
    dummy.write_bytes(b"weights")
    monkeypatch.setenv("SAM2_CHECKPOINT", str(dummy))
    shared = ModelPool(lambda kind, **kw: (ForkableEngine(), "Engine: SAM2 stand-in."))
    monkeypatch.setattr(model_pool, "_POOL", shared)
    project = Project.create(tmp_path / "projects")
    frames = make_frames(4, 16)
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    workflow.set_prompts(project, [Prompt(0, 1, box=(4, 4, 8, 8))])

    other, _ = shared.engine("sam2", device="cpu")
    other.gate.acquire()  # another session is mid-frame on the shared model
    heard, results = [], []
    run = threading.Thread(target=lambda: results.append(
        runs.run_tracking(project, "sam2", device="cpu", on_wait=heard.append)))
    run.start()
    deadline = time.time() + 20
    while not heard and time.time() < deadline:
        time.sleep(0.01)
    assert heard == [QUEUED] and not results  # waiting, and told so
    other.gate.release()
    run.join(20)
    assert heard == [QUEUED, None] and results[0].completed and results[0].note == "Engine: SAM2 stand-in."
    assert len(shared.status()) == 1 and shared.status()[0]["sessions"] == 2


def test_the_gated_engine_hands_the_guidance_through():
    inner = GrowingEngine()
    engine = GatedEngine(inner, Gate())
    guidance = np.zeros((2, 6, 6, 1), np.float32)
    engine.load(np.zeros((2, 6, 6, 3), np.uint8), guidance=guidance)
    assert inner.guidance is guidance
    engine.load(np.zeros((2, 6, 6, 3), np.uint8))
    assert inner.guidance is None
