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


def test_co_registration_is_shown_and_can_be_switched_off(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    frames = project.load_frames()
    moved = next(i for i, q in enumerate(frames.quality) if q.shift not in (None, (0.0, 0.0)))
    at = app_test(project)
    assert at.checkbox(key="scenes:coregister").value
    at.select_slider(key="scenes:preview").set_value(f"{frames.dates[moved]:%Y-%m-%d}").run()
    assert f"Moved onto the reference scene by {frames.quality[moved].shift_text()} px" in texts(at)
    at.checkbox(key="scenes:coregister").uncheck()
    at.button(key="scenes:apply").click().run()
    assert not at.exception
    again = Project.open(app_env, project.id)
    assert not again.meta.options.coregister
    assert all(q.shift is None for q in again.load_frames().quality)
    assert set(at.data_editor[0].value["shift px"]) == {"-"}


def test_sample_button_tooltip_counts_the_samples_own_dates(app_env, sample_template, small_sample):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    help_text = at.button(key="scenes:sample").help
    assert f"({len(small_sample.dates)} dates)" in help_text  # the test sample has 12, the default 14


def _new_project_with(app_env, files: list[tuple[str, bytes]]) -> Project:
    from tracking.project.uploads import add_uploads

    project = Project.create(app_env, name="Delivery")
    saved, refused = add_uploads(project, files)
    assert saved and not refused, refused
    return project


def test_month_names_become_month_dates_shown_as_such(app_env, tmp_path):
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=260, height=132, n_images=3, source_size=96)
    project = _new_project_with(app_env, [(p.name, p.read_bytes()) for p in delivery.paths])
    from tracking.project.workflow import rebuild_frames

    rebuild_frames(project)  # what the upload form does after saving the files
    at = app_test(project)
    assert not at.exception
    assert "Timeline: 3 dates" in texts(at)
    frames = Project.open(app_env, project.id).load_frames()
    assert [d.isoformat() for d in frames.dates] == [m.isoformat() for m in delivery.months]
    assert all(len(d.isoformat()) == 7 for d in frames.dates)  # "2017-06": the month, kept as such


def test_every_file_undated_gets_a_date_editor_that_takes_months(app_env, tmp_path):
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=200, height=100, n_images=2, source_size=96)
    names = ["shot_a.png", "shot_b.png"]
    project = _new_project_with(app_env, [(n, p.read_bytes()) for n, p in zip(names, delivery.paths)])
    at = app_test(project)
    assert not at.exception
    assert "fix dates below" in texts(at)
    assert "Scenes without a date" in texts(at)  # the editor is there, not only the promise of it
    at.text_input(key="scenes:undated:shot_a.png").set_value("1992-10")
    at.text_input(key="scenes:undated:shot_b.png").set_value("Oct 1994")
    at.button(key="FormSubmitter:scenes:undated-Use these dates").click().run()
    assert not at.exception and not at.error
    frames = Project.open(app_env, project.id).load_frames()
    assert [d.isoformat() for d in frames.dates] == ["1992-10", "1994-10"]
    assert "Timeline: 2 dates" in texts(at)


def test_a_bad_typed_date_is_one_sentence(app_env, tmp_path):
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=200, height=100, n_images=2, source_size=96)
    project = _new_project_with(app_env, [("shot_a.png", delivery.paths[0].read_bytes())])
    at = app_test(project)
    at.text_input(key="scenes:undated:shot_a.png").set_value("13/1992")
    at.button(key="FormSubmitter:scenes:undated-Use these dates").click().run()
    assert not at.exception and "is not a date for shot_a.png" in at.error[0].value


def test_a_ground_pixel_size_puts_plain_images_in_metres(app_env, tmp_path):
    from tracking.project.workflow import rebuild_frames
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=260, height=132, n_images=2, source_size=96)
    project = _new_project_with(app_env, [(p.name, p.read_bytes()) for p in delivery.paths])
    rebuild_frames(project)
    at = app_test(project)
    assert Project.open(app_env, project.id).load_frames().grid.units == "px"
    at.radio(key="scenes:georef-mode").set_value("pixel_size").run()
    at.number_input(key="scenes:georef-size").set_value(2.5).run()
    at.button(key="scenes:georef-apply").click().run()
    assert not at.exception and not at.error
    reopened = Project.open(app_env, project.id)
    grid = reopened.load_frames().grid
    assert grid.units == "m" and grid.pixel_area_m2 == 6.25 and grid.crs is None
    assert reopened.meta.options.georef.pixel_size_m == 2.5  # kept with the project


def test_corners_and_a_crs_give_a_georeferenced_grid(app_env, tmp_path):
    from tracking.project.workflow import rebuild_frames
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=260, height=132, n_images=2, source_size=96)
    project = _new_project_with(app_env, [(p.name, p.read_bytes()) for p in delivery.paths])
    rebuild_frames(project)
    at = app_test(project)
    at.radio(key="scenes:georef-mode").set_value("corners").run()
    at.text_input(key="scenes:georef-crs").set_value("4326").run()
    assert "not a projected CRS in metres" in at.error[0].value  # degrees are refused in one sentence
    at.text_input(key="scenes:georef-crs").set_value("32648").run()
    for name, value in zip(("Left", "Bottom", "Right", "Top"), (500000, 3400000, 500520, 3400264)):
        at.number_input(key=f"scenes:georef-{name}").set_value(float(value))
    at.run()
    at.button(key="scenes:georef-apply").click().run()
    assert not at.exception and not at.error
    grid = Project.open(app_env, project.id).load_frames().grid
    assert grid.crs.to_epsg() == 32648 and grid.pixel_size == (2.0, 2.0) and grid.bounds[0] == 500000


def test_world_files_upload_beside_their_images(app_env, tmp_path):
    from tracking.project.workflow import rebuild_frames
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=260, height=132, n_images=2, source_size=96)
    world = b"2\n0\n0\n-2\n500001\n3400263\n"
    files = [(p.name, p.read_bytes()) for p in delivery.paths] + [(p.stem + ".pgw", world) for p in delivery.paths]
    project = _new_project_with(app_env, files)
    rebuild_frames(project)
    at = app_test(project)
    at.radio(key="scenes:georef-mode").set_value("world").run()
    at.text_input(key="scenes:georef-crs").set_value("EPSG:32648").run()
    at.button(key="scenes:georef-apply").click().run()
    assert not at.exception and not at.error
    frames = Project.open(app_env, project.id).load_frames()
    assert frames.grid.crs.to_epsg() == 32648 and frames.grid.bounds == (500000.0, 3400000.0, 500520.0, 3400264.0)
    assert len(frames) == 2 and frames.valid.all()

