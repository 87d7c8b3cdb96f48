"""A project's saved frames as the library reads them: the process cache and the content hash."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.frames import make_frames, with_nir
from tracking.core.errors import InputError
from tracking.project import frames_store, workflow
from tracking.project.folder import Project


def test_load_frames_cache_sees_rewrites(project):
    frames = make_frames(3, 32)
    project.save_frames(frames)
    first = frames_store.load_frames(project)
    assert frames_store.load_frames(project) is first  # no second read
    workflow.set_excluded(project, 0, True)  # rewrites the frame files
    assert frames_store.load_frames(project).excluded == {0}
    assert len(first) == len(frames) and first.excluded == set()


def test_a_project_without_frames(project):
    other = Project.create(project.root.parent)
    assert frames_store.load_frames(other) is None
    with pytest.raises(InputError, match="This project has no frames yet"):
        frames_store.require_frames(other)


def test_frames_hash_follows_the_content_not_the_exclusions():
    frames = make_frames(3, 16)
    digest = frames_store.frames_hash(frames)
    frames.excluded = {1}
    assert frames_store.frames_hash(frames) == digest
    frames.images[2, 0, 0, 0] ^= 1
    assert frames_store.frames_hash(frames) != digest
    again = make_frames(3, 16)
    again.valid[0, 0, 0] = False
    assert frames_store.frames_hash(again) != frames_store.frames_hash(make_frames(3, 16))


def test_frames_hash_follows_the_nir_band():
    plain = make_frames(3, 16)
    nir = with_nir(plain)
    assert frames_store.frames_hash(nir) != frames_store.frames_hash(plain)
    digest = frames_store.frames_hash(nir)
    nir.spectral.bands["nir"][1, 2, 3] += 0.25
    assert frames_store.frames_hash(nir) != digest
    assert frames_store.frames_hash(with_nir(make_frames(3, 16))) == digest  # the same content, the same hash


def test_excluding_a_frame_keeps_its_spectral_bands(project):
    frames = with_nir(make_frames(3, 16))
    project.save_frames(frames)
    after = workflow.set_excluded(project, 1, True)
    assert after.excluded == {1}
    for kept in (after, project.load_frames()):
        assert np.array_equal(kept.spectral.bands["nir"], frames.spectral.bands["nir"])
