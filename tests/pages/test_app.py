"""app.py: the first visit gets the sample, the URL names the project, the sidebar says where things stand."""

from tests.helpers.apptest import ROOT, app_test, sample_project, texts
from tracking.project.folder import Project


def test_first_visit_creates_a_project_with_the_sample(app_env):
    at = app_test()
    assert not at.exception
    created = [p for p in app_env.iterdir() if p.is_dir()]
    assert len(created) == 1
    pid = created[0].name
    assert at.query_params["project"] == [pid] or at.query_params["project"] == pid
    project = Project.open(app_env, pid)
    assert project.meta.name == "Sample landslide" and len(project.load_frames()) == 12
    body = texts(at)
    assert "Timeline: 12 dates" in body
    assert "Scenes: 12 frames" in body and "Prompt: not drawn yet" in body
    assert "baseline (no SAM2 checkpoint)" in body
    table = at.data_editor[0].value
    assert len(table) == 12 and table["image"].str.startswith("data:image/png;base64,").all()


def test_a_project_in_the_url_is_opened_not_created(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    assert not at.exception
    assert [p.name for p in app_env.iterdir() if p.is_dir()] == [project.id]
    assert at.text_input(key=f"scenes:name:{project.id}").value == "Sample landslide"


def test_a_bad_link_says_so_in_one_sentence(app_env):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["project"] = "../../etc/passwd"
    at.run()
    assert not at.exception
    assert any("not valid" in e.value for e in at.error)
    assert "No project is open" in texts(at)
    assert not app_env.exists() or not any(app_env.iterdir())


def test_new_project_button_keeps_the_old_one(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    at = app_test(project)
    at.button(key="shell:new").click().run()
    assert not at.exception
    ids = sorted(p.name for p in app_env.iterdir() if p.is_dir())
    assert len(ids) == 2 and project.id in ids
    new_id = next(i for i in ids if i != project.id)
    assert at.session_state["project_id"] == new_id
    assert set(at.session_state["my_projects"]) == {project.id, new_id}
    assert Project.open(app_env, new_id).load_frames() is None
    assert "Upload scene files above" in texts(at)


def test_a_refresh_keeps_the_sample_in_the_project_switcher(app_env):
    from streamlit.testing.v1 import AppTest

    at = app_test()  # first visit: the sample project
    sample_id = at.session_state["project_id"]
    at.button(key="shell:new").click().run()  # then an empty one
    new_id = at.session_state["project_id"]
    params = {k: at.query_params[k] for k in ("project", "mine")}
    # a refresh: a new browser session with the same URL
    again = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        again.query_params[k] = v[0] if isinstance(v, list) else v
    again.run()
    assert not again.exception
    assert again.session_state["project_id"] == new_id
    assert set(again.session_state["my_projects"]) == {sample_id, new_id}
    links = " ".join(str(getattr(e, "proto", "")) for e in again.get("page_link"))
    assert sample_id[:8] in links  # the switcher still offers the sample


def test_a_hosted_link_carries_only_its_own_project(app_env, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    at = app_test()
    at.button(key="shell:new").click().run()
    assert "mine" not in at.query_params
