"""The Prompt page's preview: a kept engine per frame gives the masks a fresh engine gives."""

from __future__ import annotations

import numpy as np

from tests.helpers.frames import make_frames, with_nir
from tracking.core.prompts import Prompt
from tracking.engines.factory import make_engine
from tracking.project import workflow
from tracking.project.folder import Project


def test_preview_reuses_the_frame_and_matches_a_fresh_engine(tmp_path):
    from tracking.project.uploads import add_uploads
    from tracking.sample.delivery import write_delivery

    d = write_delivery(tmp_path / "d", width=300, height=160, n_images=2, source_size=96)
    project = Project.create(tmp_path / "p")
    add_uploads(project, [(p.name, p.read_bytes()) for p in d.paths])
    workflow.rebuild_frames(project)
    x0, y0, x1, y1 = d.box
    prompts = [Prompt(0, 1, box=(x0, y0, x1, y1)), Prompt(0, 1, box=(x0 + 4, y0 + 2, x1 - 3, y1 + 5)),
               Prompt(0, 1, np.array([[(x0 + x1) / 2, (y0 + y1) / 2]], np.float32), np.array([1])),
               Prompt(1, 2, box=(x0, y0, x1, y1))]
    for prompt in prompts:
        kept = workflow.preview_mask(project, prompt)
        fresh = workflow.preview_mask(project, prompt, engine=make_engine("baseline")[0])
        assert kept.any() and np.array_equal(kept, fresh)  # earlier prompts leave no trace


def test_preview_of_a_frame_with_nir_uses_its_guidance(project):
    frames = with_nir(make_frames(2, 32, pattern="blob"))
    project.save_frames(frames)
    prompt = Prompt(1, 1, box=(4, 4, 20, 20))
    kept = workflow.preview_mask(project, prompt)
    fresh = make_engine("baseline")[0]
    assert np.array_equal(kept, workflow.preview_mask(project, prompt, engine=fresh))
    assert fresh.vegetation_guidance.startswith("NDVI from NIR on 1 of 1 frames")
