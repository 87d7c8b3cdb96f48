import math

import numpy as np
import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance, Track
from tracking.project import corrections
from tracking.project.folder import Project
from tracking.render.canvas_geometry import CanvasScale
from tracking.run.session import TrackingSession


def tracked_project(tmp_path, n=6, bad=()):
    """A project with saved frames, a box prompt on frame 0 and a full run."""
    project = Project.create(tmp_path)
    frames = make_frames(n, bad=bad)
    project.save_frames(frames)
    session = TrackingSession(GrowingEngine(), frames)
    session.add_prompt(Prompt(0, 1, box=(10, 10, 16, 16)))
    session.run()
    project.save_prompts(session.prompts)
    project.save_track(session.track)
    return project, session


def square(y0, x0, size=4, shape=(32, 32)):
    m = np.zeros(shape, bool)
    m[y0:y0 + size, x0:x0 + size] = True
    return m


def test_correction_updates_frame_at_once_and_is_saved(tmp_path):
    project, session = tracked_project(tmp_path)
    before = session.track.copy()
    fix = square(2, 2)
    mask = corrections.apply_correction(project, session, Prompt(3, 1, mask=fix))
    assert np.array_equal(mask, fix)
    saved = project.load_track()
    assert np.array_equal(saved.objects[1].masks[3], fix)
    assert saved.objects[1].provenance[3] == Provenance.CORRECTED
    # only the corrected frame changed before re-propagation
    for f in (0, 1, 2, 4, 5):
        assert np.array_equal(saved.objects[1].masks[f], before.objects[1].masks[f])
    prompts = project.load_prompts()
    assert len(prompts) == 2 and prompts[-1].frame == 3 and np.array_equal(prompts[-1].mask, fix)


def test_first_click_on_a_frame_carries_the_mask_it_refines(tmp_path):
    project, session = tracked_project(tmp_path)
    current = session.track.objects[1].masks[3].copy()
    click = Prompt(3, 1, points=[(12, 12)], labels=[1])
    base, same = corrections.with_base(session, click)
    assert same is click and base.frame == 3 and base.kind == "mask" and np.array_equal(base.mask, current)
    corrections.apply_correction(project, session, click)
    saved = project.load_prompts()
    assert [p.kind for p in saved] == ["box", "mask", "points"]
    again = Prompt(3, 1, points=[(14, 14)], labels=[0])
    assert corrections.with_base(session, again) == [again]  # the frame holds prompts already
    box = Prompt(4, 1, box=(1, 1, 5, 5))
    assert corrections.with_base(session, box) == [box]
    outside = Prompt(4, 1, points=[(99, 1)], labels=[1])
    with pytest.raises(InputError, match="outside the frame"):  # refused before its base goes in
        corrections.with_base(session, outside)
    session.track.objects[1].masks[5] = False
    lonely = Prompt(5, 1, points=[(3, 3)], labels=[1])
    assert corrections.with_base(session, lonely) == [lonely]  # nothing to refine


def test_a_click_beside_a_mask_that_lies_on_nodata_goes_in_alone(tmp_path):
    """The base mask would be refused as lying wholly on nodata; the click on data is still a correction."""
    project, session = tracked_project(tmp_path)
    session.frames.valid[3] = ~session.track.objects[1].masks[3]  # no data exactly under the tracked mask
    click = Prompt(3, 1, points=[(30, 30)], labels=[1])
    assert corrections.with_base(session, click) == [click]
    mask = corrections.apply_correction(project, session, click)
    assert mask[30, 30] and project.load_prompts()[-1].kind == "points"


def test_click_after_reopening_refines_instead_of_starting_over(tmp_path):
    """The baseline engine rebuilt from saved prompts: a click inside the scar keeps the scar."""
    from tests.helpers.scar_project import scar_mask
    from tests.helpers.scar_project import tracked_project as baseline_project
    from tracking.engines.baseline.engine import BaselineEngine

    project = baseline_project(tmp_path)
    session = corrections.open_session(project, BaselineEngine())
    current = session.track.objects[1].masks[3].copy()
    cy, cx = np.argwhere(scar_mask(3)).mean(axis=0)
    mask = corrections.apply_correction(project, session, Prompt(3, 1, points=[(cx, cy)], labels=[1]))
    truth = scar_mask(3)
    assert mask.sum() >= 0.8 * current.sum()
    assert (mask & truth).sum() / (mask | truth).sum() >= 0.8


def test_repropagate_forward_changes_later_frames_only_and_reports_progress(tmp_path):
    project, session = tracked_project(tmp_path)
    before = session.track.copy()
    corrections.apply_correction(project, session, Prompt(3, 1, mask=square(0, 0)))
    seen = []
    track = corrections.repropagate(project, session, 3, "forward", progress_cb=seen.append)
    assert [p.frame for p in seen] == [3, 4, 5]
    assert seen[-1].done == seen[-1].total == 3
    obj = track.objects[1]
    for f in range(3):
        assert np.array_equal(obj.masks[f], before.objects[1].masks[f])
    assert obj.masks[4][0, 0] and not before.objects[1].masks[4][0, 0]
    assert np.array_equal(project.load_track().objects[1].masks[5], obj.masks[5])


def test_repropagate_backward_changes_earlier_frames_only(tmp_path):
    project, session = tracked_project(tmp_path)
    before = session.track.copy()
    corrections.apply_correction(project, session, Prompt(3, 1, mask=square(0, 0)))
    seen = []
    corrections.repropagate(project, session, 3, "backward", progress_cb=lambda p: seen.append(p.frame))
    assert seen == [3, 2, 1, 0]
    saved = project.load_track().objects[1]
    for f in (4, 5):
        assert np.array_equal(saved.masks[f], before.objects[1].masks[f])
    assert saved.masks[2][0, 0]
    # frame 0 holds the first prompt: it keeps that prompt's mask and provenance
    assert saved.provenance[0] == Provenance.PROMPTED
    assert np.array_equal(saved.masks[0], before.objects[1].masks[0])


def test_cancel_keeps_and_saves_frames_done(tmp_path):
    project, session = tracked_project(tmp_path, n=8)
    before = session.track.copy()
    corrections.apply_correction(project, session, Prompt(2, 1, mask=square(0, 0)))
    done = []
    corrections.repropagate(project, session, 2, "forward", progress_cb=lambda p: done.append(p.frame),
                            should_cancel=lambda: len(done) >= 3)
    assert done == [2, 3, 4]
    saved = project.load_track().objects[1]
    assert saved.masks[4][0, 0]  # swept before the cancel
    assert np.array_equal(saved.masks[6], before.objects[1].masks[6])  # never reached


def test_interrupted_repropagation_still_saves(tmp_path):
    project, session = tracked_project(tmp_path)
    corrections.apply_correction(project, session, Prompt(3, 1, mask=square(0, 0)))

    def boom(progress):
        if progress.frame == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        corrections.repropagate(project, session, 3, "forward", progress_cb=boom)
    assert project.load_track().objects[1].masks[4][0, 0]


def test_undo_restores_state_before_last_correction(tmp_path):
    project, session = tracked_project(tmp_path)
    original = project.load_track()
    token0 = corrections.state_token(project)
    corrections.apply_correction(project, session, Prompt(3, 1, mask=square(0, 0)))
    corrections.repropagate(project, session, 3)
    assert corrections.state_token(project) != token0
    assert corrections.can_undo(project)
    assert corrections.undo(project) is True
    restored = project.load_track()
    assert np.array_equal(restored.objects[1].masks, original.objects[1].masks)
    assert restored.objects[1].provenance == original.objects[1].provenance
    assert len(project.load_prompts()) == 1
    assert corrections.undo(project) is False
    assert not corrections.can_undo(project)


def test_refused_correction_leaves_no_undo_step(tmp_path):
    project, session = tracked_project(tmp_path)
    with pytest.raises(InputError):
        corrections.apply_correction(project, session, Prompt(3, 1, points=[(99, 99)], labels=[1]))
    assert not corrections.can_undo(project)
    assert len(project.load_prompts()) == 1


def test_open_session_rebuilds_from_disk_and_corrects(tmp_path):
    project, session = tracked_project(tmp_path)
    corrections.apply_correction(project, session, Prompt(2, 1, points=[(5, 5)], labels=[1]))
    engine = GrowingEngine()
    rebuilt = corrections.open_session(project, engine)
    saved = project.load_track()
    assert np.array_equal(rebuilt.track.objects[1].masks, saved.objects[1].masks)
    assert len(rebuilt.prompts) == 3  # box, then the click with its frame's mask before it
    assert (2, 1) in engine.prompted  # the correction was replayed into the engine
    # a new click on the rebuilt session counts as a correction
    mask = corrections.apply_correction(project, rebuilt, Prompt(2, 1, points=[(20, 20)], labels=[1]))
    assert mask[20, 20]
    assert project.load_track().objects[1].provenance[2] == Provenance.CORRECTED


def test_open_session_needs_frames_and_track(tmp_path):
    project = Project.create(tmp_path)
    with pytest.raises(InputError, match="no frames"):
        corrections.open_session(project, GrowingEngine())
    project.save_frames(make_frames(3))
    with pytest.raises(InputError, match="not been tracked"):
        corrections.open_session(project, GrowingEngine())


def test_frames_token_changes_with_frames(tmp_path):
    project, _ = tracked_project(tmp_path)
    t0 = corrections.frames_token(project)
    assert corrections.frames_token(project) == t0
    project.save_frames(make_frames(4))
    assert corrections.frames_token(project) != t0


def manual_track(confidences, provenances):
    n = len(confidences)
    track = Track.empty(n, (4, 4))
    obj = track.obj(1)
    obj.confidence[:] = confidences
    obj.provenance = list(provenances)
    return track


def test_review_order_low_confidence_first_hand_made_last():
    P = Provenance
    track = manual_track([1.0, 0.9, 0.2, float("nan"), 0.5, 0.2],
                         [P.PROMPTED, P.PROPAGATED, P.PROPAGATED, P.NONE, P.CARRIED, P.CORRECTED])
    assert corrections.review_order(track) == [3, 2, 4, 1, 5, 0]


def test_review_order_takes_weakest_object():
    P = Provenance
    track = manual_track([0.9, 0.8, 0.7], [P.PROPAGATED] * 3)
    second = track.obj(2)
    second.confidence[:] = [0.1, 0.95, 0.95]
    second.provenance = [P.PROPAGATED] * 3
    assert corrections.review_order(track) == [0, 2, 1]
    prov, conf = corrections.frame_status(track, 0)
    assert prov == P.PROPAGATED and math.isclose(conf, 0.1, rel_tol=1e-6)


def test_review_rows_carry_dates_and_areas():
    P = Provenance
    track = manual_track([0.9, 0.3], [P.PROPAGATED, P.PROPAGATED])
    track.objects[1].masks[1, :2, :2] = True
    rows = corrections.review_rows(track, ["d0", "d1"])
    assert [r["frame"] for r in rows] == [1, 0]
    assert rows[0]["date"] == "d1" and rows[0]["area_px"] == 4 and rows[0]["provenance"] == "propagated"


# -- canvas drawings to corrections -------------------------------------------------
SCALE = CanvasScale(canvas=(64, 64), image=(32, 32))  # 2 canvas pixels per image pixel


def circle(x, y, color="#00e676"):
    return {"type": "Circle", "left": x, "top": y, "originX": "center", "originY": "center",
            "radius": 4, "fill": color, "stroke": color, "strokeWidth": 0}


def stroke(points, width=4):
    path = [["M", *points[0]]] + [["L", *p] for p in points[1:]]
    xs, ys = zip(*points)
    return {"type": "Path", "path": path, "left": (min(xs) + max(xs)) / 2, "top": (min(ys) + max(ys)) / 2,
            "originX": "center", "originY": "center", "strokeWidth": width, "width": max(xs) - min(xs),
            "height": max(ys) - min(ys)}


def test_click_tools_set_labels_whatever_the_colour():
    cur = np.zeros((32, 32), bool)
    drawing = {"objects": [circle(20, 30)]}
    pos = corrections.correction_prompt(drawing, SCALE, "scar", 4, cur)
    neg = corrections.correction_prompt(drawing, SCALE, "not_scar", 4, cur)
    assert pos.frame == 4 and pos.labels.tolist() == [1] and neg.labels.tolist() == [0]
    assert pos.points[0].tolist() == pytest.approx([10, 15])
    assert pos.mask is None and pos.box is None


def test_box_tool_takes_the_box_in_image_pixels():
    rect = {"type": "Rect", "left": 8, "top": 8, "width": 20, "height": 10, "originX": "left",
            "originY": "top", "strokeWidth": 0, "scaleX": 1, "scaleY": 1}
    p = corrections.correction_prompt({"objects": [rect]}, SCALE, "box", 2, np.zeros((32, 32), bool))
    assert p.box == pytest.approx((4, 4, 14, 9))
    assert corrections.correction_prompt({"objects": [circle(5, 5)]}, SCALE, "box", 2,
                                         np.zeros((32, 32), bool)) is None


def test_paint_adds_to_and_erase_removes_from_the_current_mask():
    cur = np.zeros((32, 32), bool)
    cur[0:10, 0:10] = True
    line = {"objects": [stroke([(2, 50), (60, 50)], width=4)]}  # image row 25, across
    painted = corrections.correction_prompt(line, SCALE, "paint", 1, cur)
    assert painted.mask is not None and painted.mask[0:10, 0:10].all()  # kept what was there
    assert painted.mask[25, 5:25].all() and not painted.mask[15, 15]
    wipe = {"objects": [stroke([(2, 10), (60, 10)], width=4)]}  # image row 5, through the square
    erased = corrections.correction_prompt(wipe, SCALE, "erase", 1, cur)
    assert not erased.mask[5, 2:8].any() and erased.mask[0, 0] and erased.mask[9, 9]
    assert corrections.correction_prompt({"objects": []}, SCALE, "paint", 1, cur) is None
    with pytest.raises(ValueError):
        corrections.correction_prompt(line, SCALE, "lasso", 1, cur)
