import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames, with_nir
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.run.session import TrackingSession


def box_prompt(frame=0, oid=1):
    return Prompt(frame, oid, box=(10, 10, 16, 16))


def test_prompt_then_propagate_marks_provenance_and_grows():
    session = TrackingSession(GrowingEngine(), make_frames(5))
    first = session.add_prompt(box_prompt())
    assert first.sum() == 36
    track = session.run()
    prov = track.objects[1].provenance
    assert prov[0] == Provenance.PROMPTED
    assert prov[1:] == [Provenance.PROPAGATED] * 4
    areas = track.objects[1].masks.sum(axis=(1, 2))
    assert list(areas) == sorted(areas) and areas[-1] > areas[0]


def test_bad_frame_is_not_seen_by_engine_and_is_carried():
    engine = GrowingEngine()
    session = TrackingSession(engine, make_frames(5, bad=(2,)))
    assert engine.n == 4
    session.add_prompt(box_prompt())
    track = session.run()
    obj = track.objects[1]
    assert obj.provenance[2] == Provenance.CARRIED
    assert np.array_equal(obj.masks[2], obj.masks[1])  # nearest earlier good frame
    assert obj.provenance[3] == Provenance.PROPAGATED


def test_correction_repropagates_forward_only():
    session = TrackingSession(GrowingEngine(), make_frames(6))
    session.add_prompt(box_prompt())
    session.run()
    before = session.track.copy()
    fix = np.zeros((32, 32), bool)
    fix[0:4, 0:4] = True
    mask = session.add_prompt(Prompt(3, 1, mask=fix))
    assert np.array_equal(mask, fix)
    list(session.propagate(start=3, direction="forward"))
    obj = session.track.objects[1]
    for f in range(3):
        assert np.array_equal(obj.masks[f], before.objects[1].masks[f])
        assert obj.provenance[f] == before.objects[1].provenance[f]
    assert obj.provenance[3] == Provenance.CORRECTED
    assert obj.masks[4].sum() > fix.sum() and obj.masks[4][0, 0]


def test_backward_from_a_later_prompt():
    session = TrackingSession(GrowingEngine(), make_frames(5))
    session.add_prompt(box_prompt(frame=3))
    list(session.propagate(direction="both"))
    prov = session.track.objects[1].provenance
    assert prov[3] == Provenance.PROMPTED
    assert all(p == Provenance.PROPAGATED for i, p in enumerate(prov) if i != 3)


def test_cancel_keeps_frames_done_so_far():
    session = TrackingSession(GrowingEngine(), make_frames(6))
    session.add_prompt(box_prompt())
    gen = session.propagate(direction="forward")
    steps = [next(gen), next(gen), next(gen)]
    gen.close()
    prov = session.track.objects[1].provenance
    assert [s.frame for s in steps] == [0, 1, 2]
    assert prov[2] == Provenance.PROPAGATED and prov[3] == Provenance.NONE


def test_two_objects_tracked_separately():
    session = TrackingSession(GrowingEngine(), make_frames(4))
    session.add_prompt(Prompt(0, 1, box=(2, 2, 6, 6)))
    session.add_prompt(Prompt(0, 2, box=(20, 20, 26, 26)))
    track = session.run()
    assert set(track.objects) == {1, 2}
    label = track.label_image(3)
    assert label[4, 4] == 1 and label[22, 22] == 2


@pytest.mark.parametrize("prompt, words", [
    (Prompt(9, 1, box=(1, 1, 3, 3)), "series has 5 frames"),
    (Prompt(0, 1, points=[(50, 5)], labels=[1]), "outside the frame"),
    (Prompt(0, 1, box=(40, 40, 50, 50)), "outside the frame"),
    (Prompt(0, 1), "empty"),
])
def test_bad_prompts_are_refused_with_one_sentence(prompt, words):
    session = TrackingSession(GrowingEngine(), make_frames(5))
    with pytest.raises(InputError, match=words):
        session.add_prompt(prompt)


def test_points_on_a_bad_frame_are_refused_but_a_mask_is_set():
    session = TrackingSession(GrowingEngine(), make_frames(4, bad=(1,)))
    with pytest.raises(InputError, match="left out of tracking"):
        session.add_prompt(Prompt(1, 1, points=[(5, 5)], labels=[1]))
    m = np.zeros((32, 32), bool)
    m[1:3, 1:3] = True
    assert np.array_equal(session.add_prompt(Prompt(1, 1, mask=m)), m)


def test_all_frames_bad_is_an_input_error():
    with pytest.raises(InputError, match="Every frame"):
        TrackingSession(GrowingEngine(), make_frames(3, bad=(0, 1, 2)))


def test_the_engine_gets_the_good_frames_vegetation_guidance():
    frames = with_nir(make_frames(5, bad=(2,)), missing=[3])
    engine = GrowingEngine()
    TrackingSession(engine, frames)
    assert engine.guidance.shape == (4, 32, 32, 1)
    expected = frames.spectral.ndvi()[[0, 1, 3, 4]]
    assert np.array_equal(engine.guidance[..., 0], expected, equal_nan=True)
    assert np.isnan(engine.guidance[2]).all()  # frame 3 carries no NIR
    rgb = GrowingEngine()
    TrackingSession(rgb, make_frames(5))
    assert rgb.guidance is None
