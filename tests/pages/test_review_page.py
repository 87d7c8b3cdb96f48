"""The Review page (AppTest): dates, badges, review order, corrections, re-propagation, undo.

AppTest does not run the canvas's JavaScript; a drawing is put where the canvas
component keeps its value (its key in session state), as the browser would send it.
"""

import numpy as np

from tests.helpers.apptest import no_errors, page, reopen
from tests.helpers.scar_project import DATES, SIZE, scar_mask
from tracking.core.frames import FrameQuality
from tracking.core.track import Provenance
from tracking.project import corrections
from tracking.render.canvas_geometry import NEGATIVE_COLOR, POSITIVE_COLOR, canvas_size
from tracking.ui import review

PAGE = "pages/4_review.py"
CANVAS_W, CANVAS_H = canvas_size((SIZE, SIZE), *review.VIEW_SIZES["medium"])


def canvas_key(at, tool="Scar click (+)"):
    return f"review:canvas:{at.session_state[review.FRAME_KEY]}:{tool}:{at.session_state['review:drawn']}"


def click(x, y, color=POSITIVE_COLOR):
    """A canvas point at grid pixel (x, y), as the canvas reports it."""
    return {"type": "Circle", "left": x * CANVAS_W / SIZE, "top": y * CANVAS_H / SIZE, "originX": "center",
            "originY": "center", "radius": 5, "fill": color, "stroke": color, "strokeWidth": 2}


def draw(at, objects, tool="Scar click (+)"):
    at.session_state[canvas_key(at, tool)] = {"drawing": {"raw": {"objects": objects}, "data": None},
                                              "backgroundFit": None}
    at.run()


def open_page(project, frame=None):
    at = page(PAGE, project)
    if frame is not None:
        at.session_state[review.FRAME_KEY] = frame
    at.run()
    no_errors(at)
    return at


def test_slider_has_real_dates_and_starts_on_the_weakest_frame(project):
    at = open_page(project)
    slider = at.select_slider(key=review.FRAME_KEY)
    assert slider.options == [d.isoformat() for d in DATES]
    track = project.load_track()
    assert slider.value == corrections.review_order(track)[0]
    assert track.objects[1].provenance[slider.value] == Provenance.PROPAGATED
    table = at.dataframe[0].value
    confs = list(table["confidence"])
    assert confs[-1] == 1.0 and list(table["how"])[-1] == "prompted"  # the prompted first date last
    assert confs[:-1] == sorted(confs[:-1])  # then by rising confidence
    assert any("propagated" in m.value and "confidence" in m.value for m in at.markdown)


def test_first_date_shows_no_previous_and_prompted_badge(project):
    at = open_page(project, frame=0)
    assert any("first date of the series" in i.value for i in at.info)
    assert any("prompted" in m.value for m in at.markdown)
    assert at.button(key="review:backward").disabled


def test_click_corrects_the_frame_and_carries_it_forward(project):
    before = project.load_track()
    # The click refines this mask (it goes in first as a mask prompt); were it empty, the click
    # would go in alone and the prompt list below would differ for an engine reason.
    assert before.objects[1].masks[2].any(), "the baseline lost the scar on frame 2 of the fixture"
    at = open_page(project, frame=2)
    cy, cx = np.argwhere(scar_mask(2)).mean(axis=0)
    draw(at, [click(cx, cy)])
    no_errors(at)
    at.run()  # the rerun a freshly mounted canvas triggers in a browser: nothing is applied twice
    no_errors(at)
    after = reopen(project).load_track()
    obj = after.objects[1]
    assert obj.provenance[2] == Provenance.CORRECTED
    prompts = reopen(project).load_prompts()
    assert [p.kind for p in prompts] == ["box", "mask", "points"]  # the click refines the frame's mask
    assert prompts[-1].frame == 2 and prompts[-1].labels.tolist() == [1]
    assert np.array_equal(prompts[1].mask, before.objects[1].masks[2])
    assert abs(prompts[-1].points[0][0] - cx) < 0.5 and abs(prompts[-1].points[0][1] - cy) < 0.5
    for f in (0, 1):  # forward only: earlier dates untouched
        assert np.array_equal(obj.masks[f], before.objects[1].masks[f])
        assert obj.provenance[f] == before.objects[1].provenance[f]
    assert review.JOB_KEY not in at.session_state  # the queued forward run has run
    assert at.session_state["review:drawn"] == 1  # a fresh canvas for the next correction
    assert any("badge[:material/edit: corrected]" in m.value for m in at.markdown)
    assert not at.button(key="review:undo").disabled


def test_without_auto_forward_later_dates_wait_for_the_button(project):
    at = open_page(project, frame=1)
    at.toggle(key="review:auto").set_value(False).run()
    token0 = corrections.state_token(project)
    cy, cx = np.argwhere(scar_mask(1)).mean(axis=0)
    draw(at, [click(cx, cy)])
    no_errors(at)
    saved = reopen(project).load_track()
    assert saved.objects[1].provenance[1] == Provenance.CORRECTED
    token1 = corrections.state_token(project)
    assert token1 != token0
    at.button(key="review:forward").click().run()
    no_errors(at)
    assert corrections.state_token(project) != token1  # the re-propagation saved the masks
    assert reopen(project).load_track().objects[1].provenance[1] == Provenance.CORRECTED


def test_backward_button_leaves_later_dates_alone(project):
    before = project.load_track()
    at = open_page(project, frame=3)
    at.button(key="review:backward").click().run()
    no_errors(at)
    after = reopen(project).load_track()
    assert np.array_equal(after.objects[1].masks[4], before.objects[1].masks[4])
    assert after.objects[1].provenance[0] == Provenance.PROMPTED


def test_undo_restores_the_track_before_the_correction(project):
    before = project.load_track()
    at = open_page(project, frame=2)
    at.toggle(key="review:auto").set_value(False).run()
    at.radio(key="review:tool").set_value("Not-scar click (−)").run()
    draw(at, [click(5, 5, NEGATIVE_COLOR)], tool="Not-scar click (−)")
    no_errors(at)
    assert reopen(project).load_prompts()[-1].labels.tolist() == [0]
    at.button(key="review:undo").click().run()
    no_errors(at)
    restored = reopen(project)
    assert len(restored.load_prompts()) == 1  # the click and the mask it refined are both gone
    assert np.array_equal(restored.load_track().objects[1].masks, before.objects[1].masks)
    assert restored.load_track().objects[1].provenance == before.objects[1].provenance


def test_click_on_a_skipped_frame_says_why_and_saves_nothing(project):
    frames = project.load_frames()
    frames.quality[3] = FrameQuality(0.8, 0.0, 0.0, True, ("cloud 80% > 30%",))
    project.save_frames(frames)
    at = open_page(project, frame=3)
    assert any("cloud 80%" in c.value for c in at.caption)
    draw(at, [click(20, 20)])
    assert at.error and "left out of tracking" in at.error[0].value
    assert len(reopen(project).load_prompts()) == 1
    assert at.session_state["review:drawn"] == 1  # the refused drawing is not applied again
    at.run()  # the fresh canvas's own rerun in a browser: the sentence stays, nothing is applied
    assert len(at.error) == 1 and "left out of tracking" in at.error[0].value
    assert len(reopen(project).load_prompts()) == 1
    at.select_slider(key=review.FRAME_KEY).set_value(2).run()  # another date: the message goes
    assert not at.error


def test_no_track_yet_points_to_the_track_page(tmp_path, monkeypatch):
    from tracking.project.folder import Project

    base = tmp_path / "projects"
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(base))
    empty = Project.create(base)
    at = page(PAGE, empty)
    at.run()
    assert not at.exception
    assert any("Track" in i.value for i in at.info)


def test_a_stopped_repropagation_is_said_and_stays_said(project):
    at = open_page(project, frame=1)
    at.session_state[review.CANCEL_KEY] = True  # what the Cancel button's callback leaves
    at.run()
    assert any("Re-propagation stopped" in i.value for i in at.info)
    at.run()
    assert any("Re-propagation stopped" in i.value for i in at.info)
    at.button(key="review:forward").click().run()  # the next action clears it
    no_errors(at)
    assert not any("Re-propagation stopped" in i.value for i in at.info)


def test_check_these_first_headers_share_one_case(project):
    import json

    at = open_page(project)
    config = json.loads(at.dataframe[0].proto.columns)
    labels = [config[c]["label"] for c in ("date", "how", "confidence")]
    assert all(label[:1].isupper() for label in labels), labels
