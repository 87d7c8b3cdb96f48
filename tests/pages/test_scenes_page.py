"""The Scenes page: uploads, the timeline table and its edits, frame settings, preview."""

import datetime as dt
import io
import zipfile

from tests.helpers.apptest import app_test, sample_project, texts
from tracking.project.folder import Project


def test_upload_a_zip_of_scenes_builds_frames(app_env, small_sample):
    at = app_test()
    at.button(key="shell:new").click().run()
    pid = at.session_state["project_id"]
    buf = io.BytesIO()
    scenes = sorted(small_sample.scenes_dir.iterdir())[:4]
    with zipfile.ZipFile(buf, "w") as zf:
        for path in scenes:
            zf.write(path, f"inner/{path.name}")
    at.file_uploader(key="scenes:files").set_value(("scenes.zip", buf.getvalue(), "application/zip"))
    at.button(key="FormSubmitter:scenes:upload-Add to the project").click().run()
    assert not at.exception
    project = Project.open(app_env, pid)
    assert project.meta.sources == ["scenes.zip"]
    frames = project.load_frames()
    assert len(frames) == 4 and frames.dates == sorted(frames.dates)
    assert set(frames.sources) == {p.name for p in scenes}
    assert "Timeline: 4 dates" in texts(at)
    assert any("Added 1 file" in s.value for s in at.success)


def test_a_bad_upload_is_one_sentence_and_loses_nothing(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    at.file_uploader(key="scenes:files").set_value([("photo.png", b"hello", "image/png"),
                                                    ("broken.tif", b"not a tiff", "image/tiff")])
    at.button(key="FormSubmitter:scenes:upload-Add to the project").click().run()
    assert not at.exception
    body = texts(at)
    assert "photo.png" in body and "broken.tif" in body  # one problem line each; the rest still loads
    assert len(Project.open(app_env, project.id).load_frames()) == 12
    assert "Timeline: 12 dates" in body


def test_excluding_a_frame_in_the_table_is_saved(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    key = f"scenes:table:{project.id}:0"
    at.session_state[key] = {"edited_rows": {3: {"exclude": True}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    again = Project.open(app_env, project.id)
    frames = again.load_frames()
    assert frames.excluded == {3} and again.meta.excluded == [frames.sources[3]]
    table = at.data_editor[0].value
    assert table["exclude"].tolist()[3] and table["status"].tolist()[3] == "left out"


def test_fixing_a_date_reorders_the_frames(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    frames = project.load_frames()
    at = app_test(project)
    moved = frames.sources[0]
    at.session_state[f"scenes:table:{project.id}:0"] = {
        "edited_rows": {0: {"date": "2030-01-01"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    again = Project.open(app_env, project.id)
    assert again.meta.date_overrides == {moved: dt.date(2030, 1, 1)}
    after = again.load_frames()
    assert after.sources[-1] == moved and after.dates[-1] == dt.date(2030, 1, 1)


def test_frame_settings_rebuild_with_a_composite_and_an_area(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    grid = project.load_frames().grid
    at = app_test(project)
    at.selectbox(key="scenes:composite").set_value("bgrn-false")
    at.radio(key="scenes:aoi-mode").set_value("Box in the grid's CRS").run()
    left, bottom, right, top = grid.bounds
    at.number_input(key="scenes:aoi:Box in the grid's CRS:Right").set_value(left + (right - left) / 2)
    at.button(key="scenes:apply").click().run()
    assert not at.exception
    again = Project.open(app_env, project.id)
    assert again.meta.options.composite == "bgrn-false"
    frames = again.load_frames()
    assert frames.grid.width == grid.width // 2 and frames.grid.height == grid.height
    assert again.meta.options.aoi_crs == grid.crs.to_string()


def test_preview_slider_shows_each_date(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    frames = project.load_frames()
    at = app_test(project)
    last = f"{frames.dates[-1]:%Y-%m-%d}"
    at.select_slider(key="scenes:preview").set_value(last).run()
    assert not at.exception
    assert f"Frame {len(frames)} of {len(frames)}" in texts(at)


def test_sample_button_tooltip_counts_the_samples_own_dates(app_env, sample_template, small_sample):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    help_text = at.button(key="scenes:sample").help
    assert f"({len(small_sample.dates)} dates)" in help_text  # the test sample has 12, the default 14
