"""Issue 13, the CPU side of the outside probe: clicks by the thousand, work nobody waits for.

A prompt file of 1,000 points took minutes and held the server's cores after its tab
closed. Here: the cap on clicks per object and frame (every engine and page validates it),
work that stops at its next checkpoint once its page is gone, and the per-visitor CPU
budget of a hosted server.
"""

from __future__ import annotations

import json
import time
import uuid

import numpy as np
import pytest
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from tests.helpers.scenes import ramp
from tracking.core.errors import InputError
from tracking.core.prompt_rules import MAX_POINTS
from tracking.core.prompts import Prompt
from tracking.core.settings import HOSTED_LIMITS, Limits
from tracking.core.work import Work, WorkStopped, checkpoint, working
from tracking.hosting.cpu_budget import meter
from tracking.project import runs, uploads, workflow
from tracking.ui.work import interrupted

from . import corpus
from .harness import one_sentence, refused, scene_bytes

# 64 x 64 scenes of 10 m pixels from x 400000 m, y 3400000 m down (EPSG:32648).
X0, Y_TOP, SIZE = 400000.0, 3400000.0, 64
DATES = ["20200101", "20200201", "20200301", "20200401", "20200501", "20200601"]


@pytest.fixture
def framed(hosted):
    hosted.upload(dict(scene_bytes(d, ramp(3, SIZE, SIZE)) for d in DATES))
    hosted.build()
    return hosted


def clicks(n: int, seed: int = 0) -> Prompt:
    xy = np.random.default_rng(seed).uniform(8, SIZE - 8, (n, 2)).astype(np.float32)
    return Prompt(0, 1, xy, np.ones(n, np.int32))


# -- the cap -------------------------------------------------------------------------------
def test_a_prompt_file_of_a_thousand_clicks_is_refused_with_the_cap(framed):
    data = corpus.many_points(1000, X0 + 50, Y_TOP - 600, 500, "EPSG:32648")
    path = uploads.save_prompt_file(framed.project, "clicks.geojson", data)
    t0 = time.perf_counter()
    message = refused(lambda: workflow.prompts_from_file(framed.project, path))
    assert time.perf_counter() - t0 < 10
    assert message == (f"Object 1 has 1,000 clicks on frame 1, more than the {MAX_POINTS} allowed per object "
                       f"and frame; outline or box the scar instead.")
    assert framed.project.load_prompts() == []


def test_clicks_at_the_cap_preview_within_seconds(framed):
    t0 = time.perf_counter()
    mask = workflow.preview_mask(framed.project, clicks(MAX_POINTS))
    assert time.perf_counter() - t0 < 15  # each click is one local edit of the mask
    assert mask.shape == (SIZE, SIZE) and mask.any()
    refused(lambda: workflow.preview_mask(framed.project, clicks(MAX_POINTS + 1)))


def test_corrections_add_up_against_the_cap():
    from tracking.core.prompt_rules import check_point_totals

    check_point_totals([clicks(30), clicks(20, seed=1)])
    with pytest.raises(InputError, match="Object 1 has 51 clicks on frame 1, more than the 50 allowed"):
        check_point_totals([clicks(30), clicks(21, seed=1)])
    check_point_totals([clicks(30), Prompt(1, 1, clicks(30).points, np.ones(30, np.int32))])  # another frame


@pytest.mark.parametrize("value, said", [
    ("Infinity", "'inf' that is not a whole number."),
    (-5, "'-5'; it must be a whole number from 1 to 255."),
    (1e300, "'1e+300'; it must be a whole number from 1 to 255."),
])
def test_odd_object_ids_are_one_sentence_at_upload(framed, value, said):
    doc = json.loads(corpus.geojson([corpus.feature(corpus.square(X0 + 50, Y_TOP - 300, 100))], "EPSG:32648"))
    doc["features"][0]["properties"]["object"] = float("inf") if value == "Infinity" else value
    path = uploads.save_prompt_file(framed.project, "odd.geojson", json.dumps(doc).encode())
    message = refused(lambda: workflow.prompts_from_file(framed.project, path))
    assert message == f"odd.geojson has a 'object' value {said}"


# -- work that stops -------------------------------------------------------------------------
def test_a_tracking_run_stops_at_the_next_frame_once_its_page_is_gone(framed):
    workflow.set_prompts(framed.project, [Prompt(0, 1, box=(10, 10, 40, 40))])
    asked = []

    def gone() -> bool:  # the tab closes while the second frame is being tracked
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(WorkStopped):
        with working(Work(should_stop=gone)):
            runs.run_tracking(framed.project, "baseline")
    assert len(asked) == 3  # entry, first frame, second frame: nothing after
    run = framed.project.meta.run
    assert run is not None and not run.completed and 0 < run.frames_tracked < len(DATES)


def test_a_long_preview_stops_between_clicks_once_its_page_is_gone(framed):
    asked = []

    def gone() -> bool:
        asked.append(1)
        return len(asked) > 3

    t0 = time.perf_counter()
    with pytest.raises(WorkStopped):
        with working(Work(should_stop=gone)):
            workflow.preview_mask(framed.project, clicks(MAX_POINTS))
    assert len(asked) == 4 and time.perf_counter() - t0 < 10


def test_streamlit_stop_and_rerun_requests_stop_the_work():
    class Ctx:
        script_requests = ScriptRequests()

    ctx = Ctx()
    assert not interrupted(ctx) and not interrupted(None)
    ctx.script_requests.request_rerun(RerunData())  # a newer run of the page
    assert interrupted(ctx)
    ctx.script_requests = ScriptRequests()
    ctx.script_requests.request_stop()  # the tab closed, the session ended
    assert interrupted(ctx)
    with pytest.raises(WorkStopped):
        with working(Work(should_stop=lambda: interrupted(ctx))):
            pass


def test_checkpoints_do_nothing_outside_heavy_work():
    checkpoint()  # the library and the command line run as before


# -- the per-visitor CPU budget -------------------------------------------------------------
def burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_visitor_past_the_cpu_budget_is_stopped_then_refused_and_others_are_not():
    limits = Limits(visitor_cpu_s=0.2)
    greedy, other = f"greedy-{uuid.uuid4()}", f"other-{uuid.uuid4()}"
    with pytest.raises(InputError) as info:
        with working(Work(meter=meter(greedy, limits))):
            for _ in range(20):
                burn(0.05)
                checkpoint()
    message = one_sentence(str(info.value))
    assert "more than the 0 s one visitor may use on this shared server" in message
    assert message.endswith("Try again in about 60 minutes.")
    with pytest.raises(InputError, match="more than the 0 s"):
        with working(Work(meter=meter(greedy, limits))):
            pass  # refused before any work starts
    with working(Work(meter=meter(other, limits))):
        burn(0.05)
        checkpoint()


def test_hosted_servers_have_a_cpu_budget_and_local_ones_none():
    assert HOSTED_LIMITS.visitor_cpu_s == 1200 and Limits().visitor_cpu_s == 0
    assert meter("anyone", Limits()) is None


def test_a_tracking_run_over_the_budget_stops_with_the_sentence_and_keeps_its_frames(framed):
    workflow.set_prompts(framed.project, [Prompt(0, 1, box=(10, 10, 40, 40))])
    with pytest.raises(InputError, match="one visitor may use on this shared server"):
        with working(Work(meter=meter(f"v-{uuid.uuid4()}", Limits(visitor_cpu_s=0.05)))):
            runs.run_tracking(framed.project, "baseline")
    run = framed.project.meta.run
    assert run is not None and not run.completed
