"""The Track page: engine settings, the run with progress, the cached rerun, the summary."""

import pytest

from tests.helpers.apptest import app_test, sample_project, texts
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance
from tracking.project import workflow
from tracking.project.folder import Project
from tracking.project.state import EngineChoice

PAGE = "pages/3_track.py"


@pytest.fixture
def prompted(app_env, sample_template, small_sample):
    project = sample_project(app_env, sample_template)
    workflow.prompts_from_file(project, small_sample.prompt_box_path)
    return project


def run_baseline(at):
    at.radio(key="track:engine").set_value("baseline")
    at.button(key="track:run").click().run()
    return at


def test_without_a_prompt_the_page_says_what_is_missing(app_env, sample_template):
    project = sample_project(app_env, sample_template)
    at = app_test(project, PAGE)
    assert not at.exception
    assert "Tracking needs a prompt (Prompt page) first." in texts(at)


def test_baseline_run_tracks_every_frame_and_saves(prompted):
    at = app_test(prompted, PAGE)
    assert "No SAM2 tiny checkpoint on this machine" in texts(at)
    run_baseline(at)
    assert not at.exception and not at.error
    project = Project.open(prompted.root.parent, prompted.id)
    assert project.meta.engine == EngineChoice(kind="baseline", model="tiny", device="auto")
    run = project.meta.run
    assert run.completed and run.engine == "baseline" and run.frames_tracked == 12
    track = project.load_track()
    prov = track.objects[1].provenance
    assert prov[0] == Provenance.PROMPTED and prov.count(Provenance.PROPAGATED) == 12 - 1 - run.carried
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Frames tracked"] == "12 of 12" and metrics["Engine"] == "baseline"
    assert "Up to date" in texts(at) or "up to date" in texts(at)


def test_per_frame_table_gives_areas_in_the_chosen_unit(prompted):
    at = app_test(prompted, PAGE)
    run_baseline(at)
    project = Project.open(prompted.root.parent, prompted.id)
    track, grid = project.load_track(), project.load_frames().grid
    table = at.dataframe[-1].value
    areas = [track.union(i).sum() * grid.pixel_area_m2 for i in range(track.n_frames)]
    assert list(table["area"]) == pytest.approx([a / 10_000 for a in areas])  # ha by default
    assert "units" not in table.columns
    at.session_state["units:area"] = "m2"
    at.run()
    assert list(at.dataframe[-1].value["area"]) == pytest.approx(areas)


def test_running_again_unchanged_returns_at_once(prompted):
    at = app_test(prompted, PAGE)
    run_baseline(at)
    first = Project.open(prompted.root.parent, prompted.id).meta.run.finished
    at.button(key="track:run").click().run()
    assert not at.exception
    assert "Nothing changed since the last run" in texts(at)
    assert Project.open(prompted.root.parent, prompted.id).meta.run.finished == first


def test_a_new_prompt_makes_the_results_outdated(prompted):
    at = app_test(prompted, PAGE)
    run_baseline(at)
    x0, y0, x1, y1 = prompted.load_prompts()[0].box
    workflow.set_prompts(prompted, [Prompt(0, 1, box=(x0 + 1, y0, x1 + 1, y1))])  # the box moved one pixel
    at.run()
    assert "Track: inputs changed since the run" in texts(at)
    at.button(key="track:run").click().run()
    assert "Nothing changed" not in texts(at)
    assert "Track: up to date" in texts(at)


def test_sam2_without_checkpoint_is_one_sentence_and_keeps_the_prompt(prompted):
    at = app_test(prompted, PAGE)
    at.radio(key="track:engine").set_value("sam2")
    at.button(key="track:run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "python -m tracking weights download tiny" in at.error[0].value
    assert len(Project.open(prompted.root.parent, prompted.id).load_prompts()) == 1


def test_download_offline_says_why(prompted, monkeypatch):
    from tracking.engines.sam2 import models as sam2_models

    monkeypatch.setitem(sam2_models.MODELS, "tiny", sam2_models.Sam2Model(
        "tiny", sam2_models.MODELS["tiny"].config, "sam2.1_hiera_tiny.pt", 10, "http://127.0.0.1:9/nothing.pt"))
    at = app_test(prompted, PAGE)
    at.button(key="track:download").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Could not download" in at.error[0].value


@pytest.mark.parametrize("engine", ["auto", "sam2"])
def test_hosted_page_names_the_operator_command_and_offers_no_download(prompted, monkeypatch, engine):
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    at = app_test(prompted, PAGE)
    at.radio(key="track:engine").set_value(engine).run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "track:download"]
    assert not any("Download the SAM2" in b.label for b in at.button)
    warning = " ".join(w.value for w in at.warning)
    assert "No SAM2 tiny checkpoint on this server" in warning
    assert "operator can install it with `python -m tracking weights download tiny`" in warning
    run_baseline(at)  # the page still tracks, with the baseline
    assert not at.exception and not at.error
    assert Project.open(prompted.root.parent, prompted.id).meta.run.completed


def test_local_page_offers_the_download_button(prompted, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_HOSTED", "0")
    at = app_test(prompted, PAGE)
    assert [b for b in at.button if b.key == "track:download"]
    assert "or with the button (needs internet)" in texts(at)


def test_long_lists_of_dates_are_summed_up():
    from tracking.ui.track_ui import date_list

    days = [f"2020-01-{d:02d}" for d in range(1, 31)]
    assert date_list(days[:3]) == "2020-01-01, 2020-01-02, 2020-01-03"
    assert date_list(days) == "30 dates from 2020-01-01 to 2020-01-30"


def test_per_frame_table_headers_share_one_case(prompted):
    import json

    at = app_test(prompted, PAGE)
    run_baseline(at)
    config = json.loads(at.dataframe[-1].proto.columns)
    labels = [config[c]["label"] for c in ("frame", "date", "made", "confidence", "area")]
    assert all(label[:1].isupper() for label in labels), labels  # not "frame, date, made, Confidence, Area"
