"""An engine failing in the middle of a run loses none of the analyst's work.

Through the dashboard's own operations (tracking.project.runs.run_tracking and the
Review page's tracking.project.corrections): the prompts, the corrections and every mask
made before the failure are on disk afterwards, and the project reloads.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.project import corrections, frames_store, runs, workflow
from tracking.project.folder import Project


class FailingEngine(GrowingEngine):
    """GrowingEngine that raises when propagation reaches engine frame ``fail_at`` (forward only)."""

    def __init__(self, fail_at: int | None):
        self.fail_at = fail_at

    def propagate(self, start, reverse=False):
        for step in super().propagate(start, reverse):
            if self.fail_at is not None and not reverse and step.frame == self.fail_at:
                raise RuntimeError("the accelerator fell over")
            yield step


@pytest.fixture
def project(tmp_path):
    project = Project.create(tmp_path / "projects")
    frames = make_frames(8, 32)
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    return project


def test_failed_run_keeps_prompts_and_the_masks_made_before_the_failure(project):
    prompts = [Prompt(2, 1, box=(8, 8, 16, 16)), Prompt(5, 1, points=[(20, 20)], labels=[1])]
    workflow.set_prompts(project, prompts)
    with pytest.raises(RuntimeError, match="fell over"):
        runs.run_tracking(project, "baseline", engine=FailingEngine(fail_at=4))
    again = Project.open(project.root.parent, project.id)
    kept = again.load_prompts()
    assert [(p.frame, p.box) for p in kept] == [(2, (8.0, 8.0, 16.0, 16.0)), (5, None)]
    assert np.array_equal(kept[1].points, [[20, 20]])
    track = again.load_track()
    prov = track.objects[1].provenance
    assert prov[2] == Provenance.PROMPTED and prov[3] == Provenance.PROPAGATED  # made before the failure
    # stage 1 died at frame 4, before the backward sweep
    assert prov[1] == Provenance.NONE and prov[4] == Provenance.NONE
    assert track.objects[1].masks[3].sum() > track.objects[1].masks[2].sum() > 0
    assert again.meta.run.completed is False and again.meta.run.key is None
    # and the next run (a working engine) is not served from a stale cache
    result = runs.run_tracking(again, "baseline", engine=FailingEngine(fail_at=None))
    assert result.completed and not result.cached
    assert all(p != Provenance.NONE for p in result.track.objects[1].provenance)


def test_failed_repropagation_keeps_the_correction_and_earlier_masks(project):
    workflow.set_prompts(project, [Prompt(0, 1, box=(8, 8, 16, 16))])
    runs.run_tracking(project, "baseline", engine=FailingEngine(fail_at=None))
    before = project.load_track()
    session = corrections.open_session(project, FailingEngine(fail_at=6))
    fix = np.zeros((32, 32), bool)
    fix[2:6, 2:6] = True
    corrections.apply_correction(project, session, Prompt(3, 1, mask=fix))
    with pytest.raises(RuntimeError):
        corrections.repropagate(project, session, 3, "forward")
    again = Project.open(project.root.parent, project.id)
    track = again.load_track()
    assert again.load_prompts()[-1].frame == 3 and np.array_equal(again.load_prompts()[-1].mask, fix)
    assert np.array_equal(track.objects[1].masks[3], fix) and track.objects[1].provenance[3] == Provenance.CORRECTED
    assert track.objects[1].masks[4].sum() > fix.sum()  # re-propagated before the failure
    assert np.array_equal(track.objects[1].masks[7], before.objects[1].masks[7])  # untouched after it
    assert corrections.undo(again)  # and the correction can still be undone
    assert np.array_equal(again.load_track().objects[1].masks[3], before.objects[1].masks[3])
