"""The one stage runner: the command line, the Track page's run and a correction share it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.engines.baseline.engine import BaselineEngine
from tracking.project import corrections, frames_store, runs
from tracking.run.session import TrackingSession
from tracking.run.stages import prompt_stages, run_stages, track_series

FIRST = Prompt(1, 1, box=(8, 8, 20, 18))  # starts the track on the second date
LATER = Prompt(4, 1, box=(10, 9, 24, 22))  # a correction three dates on


def blob_frames():
    return make_frames(7, 32, pattern="blob", seed=5)


def with_frames(project, frames):
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    return project


def test_prompt_stages_start_with_the_earliest_date_both_ways_then_correct_forward():
    stages = prompt_stages([LATER, FIRST])
    assert [(f, d) for f, _, d in stages] == [(1, "both"), (4, "forward")]
    assert stages[0][1] == [FIRST] and stages[1][1] == [LATER]


def test_command_line_project_run_and_correction_make_the_same_masks(project):
    frames = blob_frames()
    cli = track_series(BaselineEngine(), frames, [LATER, FIRST]).track

    with_frames(project, frames)
    from tracking.project import workflow

    workflow.set_prompts(project, [FIRST, LATER])
    page = runs.run_tracking(project, engine_kind="baseline", engine=BaselineEngine())
    assert page.completed and not page.cached

    # The Review page: the track made from the first prompt, then LATER drawn as a correction.
    live = TrackingSession(BaselineEngine(), frames)
    assert run_stages(live, prompt_stages([FIRST]))
    corrections.apply_correction(project, live, LATER)
    corrected = corrections.repropagate(project, live, LATER.frame, "forward")

    for track in (page.track, corrected, project.load_track()):
        for i in range(len(frames)):
            assert np.array_equal(track.objects[1].masks[i], cli.objects[1].masks[i]), i
            assert track.objects[1].provenance[i] == cli.objects[1].provenance[i], i
    assert cli.objects[1].provenance[1] == Provenance.PROMPTED
    assert cli.objects[1].provenance[4] == Provenance.CORRECTED
    assert cli.objects[1].masks[0].any() and cli.objects[1].masks[6].any()  # both ways from the first date


def test_progress_names_the_stage_and_saves_come_every_few_frames_and_at_the_end():
    session = TrackingSession(GrowingEngine(), make_frames(6, 32))
    steps, saves = [], []
    done = run_stages(session, prompt_stages([Prompt(3, 1, box=(4, 4, 9, 9)), Prompt(0, 1, box=(2, 2, 6, 6))]),
                      steps.append, save=lambda track: saves.append(track.objects[1].provenance.copy()),
                      save_every=(4, 1e9))
    assert done
    assert [(s.stage, s.stages, s.progress.frame) for s in steps] == (
        [(1, 2, f) for f in range(6)] + [(2, 2, f) for f in range(3, 6)])
    assert len(saves) == 2 + 1  # after frames 4 and 8 of 9, and at the end
    assert all(p != Provenance.NONE for p in saves[-1])


def test_cancel_stops_after_the_frame_under_way_and_still_saves():
    session = TrackingSession(GrowingEngine(), make_frames(6, 32))
    seen, saved = [], []
    done = run_stages(session, [(0, [Prompt(0, 1, box=(2, 2, 6, 6))], "forward")],
                      lambda s: seen.append(s.progress.frame), lambda: len(seen) == 2,
                      save=lambda track: saved.append(track.copy()), save_every=None)
    assert not done and seen == [0, 1]
    assert len(saved) == 1 and saved[0].objects[1].masks[1].any() and not saved[0].objects[1].masks[2].any()


def test_an_error_in_a_stage_still_saves_what_was_made():
    session = TrackingSession(GrowingEngine(), make_frames(6, 32))
    saved = []

    def boom(step):
        if step.progress.frame == 2:
            raise RuntimeError("the page went away")

    with pytest.raises(RuntimeError):
        run_stages(session, [(0, [Prompt(0, 1, box=(2, 2, 6, 6))], "forward")], boom,
                   save=lambda track: saved.append(track.copy()), save_every=None)
    assert len(saved) == 1 and saved[0].objects[1].masks[2].any() and not saved[0].objects[1].masks[3].any()
