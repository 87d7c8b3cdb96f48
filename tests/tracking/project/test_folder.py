import numpy as np
import pytest

from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance, Track
from tracking.project.folder import Project


def test_create_open_roundtrip(tmp_path):
    p = Project.create(tmp_path, "Baige")
    q = Project.open(tmp_path, p.id)
    assert q.meta.name == "Baige" and q.root == p.root
    assert len(p.id) >= 20


@pytest.mark.parametrize("bad", ["../etc", "short", "a/b" * 10, "", None, "x" * 65])
def test_open_refuses_ids_that_are_not_ours(tmp_path, bad):
    with pytest.raises(InputError):
        Project.open(tmp_path, bad)


def test_unknown_or_damaged_project(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        Project.open(tmp_path, "A" * 22)
    p = Project.create(tmp_path)
    (p.root / "project.json").write_text("{not json")
    with pytest.raises(InputError, match="damaged"):
        Project.open(tmp_path, p.id)


def test_frames_prompts_track_roundtrip(tmp_path):
    p = Project.create(tmp_path)
    frames = make_frames(4, bad=(2,))
    frames.excluded.add(3)
    p.save_frames(frames)
    back = p.load_frames()
    assert np.array_equal(back.images, frames.images) and np.array_equal(back.valid, frames.valid)
    assert back.dates == frames.dates and back.grid == frames.grid
    assert list(back.bad) == [False, False, True, True]

    mask = np.zeros((32, 32), bool)
    mask[3:9, 4:7] = True
    prompts = [Prompt(0, 1, box=(1, 2, 8, 9)), Prompt(1, 2, points=[(3, 4)], labels=[0]), Prompt(2, 1, mask=mask)]
    p.save_prompts(prompts)
    got = p.load_prompts()
    assert got[0].box == (1, 2, 8, 9) and got[1].labels.tolist() == [0]
    assert np.array_equal(got[2].mask, mask) and got[1].object_id == 2

    track = Track.empty(4, (32, 32))
    track.obj(1).masks[1] = mask
    track.obj(1).provenance[1] = Provenance.CORRECTED
    p.save_track(track)
    t2 = p.load_track()
    assert np.array_equal(t2.objects[1].masks, track.objects[1].masks)
    assert t2.objects[1].provenance[1] == Provenance.CORRECTED


def test_undo_restores_previous_track(tmp_path):
    p = Project.create(tmp_path)
    t = Track.empty(2, (8, 8))
    t.obj(1).masks[0, 1, 1] = True
    p.save_track(t)
    p.push_history()
    t.obj(1).masks[0, 5, 5] = True
    p.save_track(t)
    assert p.undo() is True
    assert p.load_track().objects[1].masks[0].sum() == 1
    assert p.undo() is False


def test_save_is_atomic_no_temp_files_left(tmp_path):
    p = Project.create(tmp_path)
    for _ in range(3):
        p.save()
    assert [f.name for f in p.root.iterdir()] == ["project.json"]
