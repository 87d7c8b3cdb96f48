"""The Prompt page: the canvas's drawing becomes the saved prompt; outline files; undo and clear.

AppTest does not run the canvas's JavaScript: a drawing is put where the canvas
wrapper keeps it (its initial drawing in session state), which the component
hands back unchanged, exactly as after a page refresh.
"""

import pytest

from tests.helpers.apptest import app_test, sample_project, texts
from tracking.core.prompts import Prompt
from tracking.project import folder, frames_store, workflow
from tracking.project.folder import Project
from tracking.render.canvas_geometry import POSITIVE_COLOR, CanvasScale, prompt_canvas_size

PAGE = "pages/2_prompt.py"


def rect(x0, y0, x1, y1):
    return {"type": "Rect", "left": x0, "top": y0, "width": x1 - x0, "height": y1 - y0, "originX": "left",
            "originY": "top", "strokeWidth": 3, "strokeUniform": True, "scaleX": 1, "scaleY": 1}


def dot(x, y, color=POSITIVE_COLOR):
    return {"type": "Circle", "left": x, "top": y, "originX": "center", "originY": "center", "radius": 5,
            "strokeWidth": 2, "stroke": color, "fill": color}


def seed_canvas(at, project, frame, objects, version=1):
    """Mount the canvas afresh (a new version) with ``objects`` drawn, as after a remount."""
    at.session_state[f"canvas:prompt:{project.id}:{frame}"] = {"version": version,
                                                              "initial": {"objects": objects}, "last": None}


@pytest.fixture
def project(app_env, sample_template):
    return sample_project(app_env, sample_template)


def test_a_project_id_with_a_double_underscore_still_draws_the_canvas(app_env, project, monkeypatch):
    # Ids are random URL-safe tokens; Streamlit refuses a canvas key holding "__" (seen in CI).
    monkeypatch.setattr(folder, "new_project_id", lambda: "TW__Vgbf1JBX-YLzZPcecw")
    odd = Project.create(app_env)
    frames = project.load_frames()
    odd.save_frames(frames)
    odd.meta.frames_hash = frames_store.frames_hash(frames)
    odd.save()
    at = app_test(odd, PAGE)
    assert not at.exception, at.exception


def test_without_frames_the_page_points_to_scenes(app_env):
    empty = Project.create(app_env)
    at = app_test(empty, PAGE)
    assert not at.exception
    assert "no frames yet" in texts(at)


def test_a_drawn_box_is_previewed_and_saved_in_image_pixels(project):
    frames = project.load_frames()
    w, h = prompt_canvas_size(frames.shape)
    at = app_test(project, PAGE)
    seed_canvas(at, project, 0, [rect(w * 0.25, h * 0.5, w * 0.75, h * 0.75)])
    at.run()
    assert not at.exception
    assert "On the canvas: 1 box" in texts(at)
    preview = [k for k in at.session_state.keys() if str(k).startswith("prompt:preview:")]
    assert len(preview) == 1 and at.session_state[preview[0]].any()  # the baseline's mask of the box
    at.button(key="prompt:save").click().run()
    assert not at.exception
    saved = Project.open(project.root.parent, project.id).load_prompts()
    fh, fw = frames.shape
    assert len(saved) == 1 and saved[0].frame == 0 and saved[0].kind == "box"
    assert saved[0].box == pytest.approx((fw * 0.25, fh * 0.5, fw * 0.75, fh * 0.75), abs=0.01)
    assert "Saved: a box on" in texts(at)
    assert at.button(key="prompt:save").disabled


def test_the_saved_prompt_comes_back_on_the_canvas(project):
    frames = project.load_frames()
    workflow.set_prompts(project, [Prompt(2, 1, [[30.0, 40.0]], [1], (10.0, 12.0, 50.0, 60.0))])
    at = app_test(project, PAGE)
    assert not at.exception
    assert at.selectbox(key="prompt:frame").value == 2
    state = at.session_state[f"canvas:prompt:{project.id}:2"]
    kinds = sorted(o["type"] for o in state["initial"]["objects"])
    assert kinds == ["Circle", "Rect"]
    scale = CanvasScale(prompt_canvas_size(frames.shape), frames.shape)
    box = next(o for o in state["initial"]["objects"] if o["type"] == "Rect")
    assert box["left"] == pytest.approx(10.0 / scale.sx)
    assert "Saved: a box and 1 click(s)" in texts(at)


def test_undo_last_and_clear(project):
    at = app_test(project, PAGE)
    seed_canvas(at, project, 0, [rect(10, 10, 200, 200), dot(50, 50)])
    at.run()
    assert "1 scar point, 1 box" in texts(at)
    at.button(key=f"prompt:{project.id}:0:undo").click().run()
    assert not at.exception
    state = at.session_state[f"canvas:prompt:{project.id}:0"]
    assert [o["type"] for o in state["initial"]["objects"]] == ["Rect"] and state["version"] == 2
    assert "On the canvas: 1 box." in texts(at)
    at.button(key=f"prompt:{project.id}:0:clear").click().run()
    assert "nothing drawn" in texts(at)
    assert at.button(key="prompt:save").disabled


def test_the_sample_outline_button_saves_a_mask_prompt(project):
    at = app_test(project, PAGE)
    at.button(key="prompt:sample:outline").click().run()
    assert not at.exception
    saved = Project.open(project.root.parent, project.id).load_prompts()
    assert len(saved) == 1 and saved[0].kind == "mask" and saved[0].mask.any()
    assert "Saved prompt: an outline on" in texts(at)


def test_an_uploaded_outline_file_becomes_the_prompt(project, small_sample):
    at = app_test(project, PAGE)
    data = small_sample.prompt_box_path.read_bytes()
    at.file_uploader(key="prompt:upload").set_value(("my box.geojson", data, "application/geo+json"))
    at.button(key="FormSubmitter:prompt:file-Use this outline").click().run()
    assert not at.exception
    again = Project.open(project.root.parent, project.id)
    assert [p.kind for p in again.load_prompts()] == ["box"]
    assert (again.root / "prompt_files" / "my box.geojson").exists()


def test_a_broken_outline_file_is_one_sentence(project):
    at = app_test(project, PAGE)
    at.file_uploader(key="prompt:upload").set_value(("bad.geojson", b"{not json", "application/geo+json"))
    at.button(key="FormSubmitter:prompt:file-Use this outline").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "bad.geojson" in at.error[0].value
    assert project.load_prompts() == []


def test_a_second_box_is_not_silently_dropped(project):
    frames = project.load_frames()
    w, h = prompt_canvas_size(frames.shape)
    at = app_test(project, PAGE)
    seed_canvas(at, project, 0, [rect(w * 0.1, h * 0.1, w * 0.3, h * 0.3), rect(w * 0.6, h * 0.6, w * 0.9, h * 0.9)])
    at.run()
    assert not at.exception
    assert any("Only the last box counts" in m.value and "Add a scar" in m.value for m in at.warning)


def test_several_scars_each_keep_their_prompt(project):
    frames = project.load_frames()
    w, h = prompt_canvas_size(frames.shape)
    at = app_test(project, PAGE)
    seed_canvas(at, project, 0, [rect(w * 0.1, h * 0.1, w * 0.3, h * 0.3)])
    at.run()
    at.button(key="prompt:save").click().run()
    at.button(key="prompt:object-add").click().run()
    assert not at.exception and at.selectbox(key="prompt:object").value == 2
    at.text_input(key="prompt:object-name:2").set_value("Toe slump")
    at.button(key="FormSubmitter:prompt:object-form:2-Save name and colour").click().run()
    at.session_state[f"canvas:prompt:{project.id}:0:o2"] = {
        "version": 1, "initial": {"objects": [rect(w * 0.6, h * 0.6, w * 0.9, h * 0.9)]}, "last": None}
    at.run()
    at.button(key="prompt:save").click().run()
    assert not at.exception and not at.error
    again = Project.open(project.root.parent, project.id)
    saved = sorted(again.load_prompts(), key=lambda p: p.object_id)
    assert [(p.object_id, p.kind) for p in saved] == [(1, "box"), (2, "box")]  # the first box stays
    fh, fw = frames.shape
    assert saved[1].box == pytest.approx((fw * 0.6, fh * 0.6, fw * 0.9, fh * 0.9), abs=0.01)
    assert [o.name for o in again.meta.objects] == ["Scar 1", "Toe slump"]
    assert "Toe slump: a box on" in texts(at)
    # deleting the second scar takes its prompt with it and keeps the first
    at.button(key="prompt:object-delete:2").click().run()
    again = Project.open(project.root.parent, project.id)
    assert [p.object_id for p in again.load_prompts()] == [1] and [o.id for o in again.meta.objects] == [1]
