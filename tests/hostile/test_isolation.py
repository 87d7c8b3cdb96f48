"""Isolation between projects on one server: ids, caches, downloads, stored file names."""

from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tracking.core.prompts import Prompt
from tracking.project import downloads as export_cache
from tracking.project import frames_store, runs, workflow
from tracking.project.folder import Project, new_project_id


def tracked(base, seed_box) -> Project:
    project = Project.create(base)
    frames = make_frames(4, 32)
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    workflow.set_prompts(project, [Prompt(0, 1, box=seed_box)])
    runs.run_tracking(project, "baseline", engine=GrowingEngine())
    return project


def test_project_ids_are_unguessable_and_never_paths():
    ids = {new_project_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)  # 16 random bytes, URL-safe base64


def test_process_caches_never_serve_one_project_the_frames_of_another(tmp_path):
    a = Project.create(tmp_path)
    frames = make_frames(3, 16)
    a.save_frames(frames)
    b_root = tmp_path / new_project_id()
    shutil.copytree(a.root, b_root)
    b = Project.open(tmp_path, a.id)
    b.root = b_root  # the same files, byte for byte, in another project's folder
    other = make_frames(3, 16)
    other.images[:] = 255 - other.images  # same sizes, other pixels
    b.save_frames(other)
    for name in ("frames.npz", "frames.json"):  # and the very same file times as A's
        st = (a.root / name).stat()
        os.utime(b.root / name, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert np.array_equal(frames_store.load_frames(a).images, frames.images)
    assert np.array_equal(frames_store.load_frames(b).images, other.images)
    assert np.array_equal(frames_store.load_frames(a).images, frames.images)


@pytest.mark.slow
def test_downloads_come_from_the_projects_own_folder(tmp_path):
    a, b = tracked(tmp_path, (4, 4, 12, 12)), tracked(tmp_path, (16, 16, 28, 28))
    made = export_cache.ensure_exports(a).paths
    paths = [p.resolve() for p in made.values()]
    assert len(paths) >= 5 and all(a.root.resolve() in p.parents for p in paths)
    assert export_cache.current_exports(b) is None  # B's Export page finds nothing of A's
    assert not (b.root / "exports").exists() or not any((b.root / "exports").iterdir())


def test_hostile_upload_names_are_stored_flat_inside_the_project(hosted):
    names = ["../../etc/evil_20200101.tif", "C:\\Windows\\win_20200102.tif", "/abs/root_20200103.tif",
             "nul\x00byte_20200104.tif", "\u202egnp.exe_20200105.tif", "x" * 300 + "_20200106.tif",
             "..\\..\\back_20200107.tif"]
    saved, problems = hosted.upload({n: b"II*\x00" + bytes(16) for n in names})
    assert problems == [] and len(saved) == len(names)
    stored = sorted(p.name for p in hosted.project.uploads.iterdir())
    assert stored == sorted(saved)
    for name in stored:
        assert re.fullmatch(r"[A-Za-z0-9._ -]{1,120}", name) and not name.startswith(".")
    hosted.assert_nothing_outside()
