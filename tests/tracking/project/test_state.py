"""The typed project state: project.json of today and of before versions, read and written."""

import datetime as dt
import json
from pathlib import Path
from string import Template

import pytest

from tests.helpers.engines import GrowingEngine
from tests.helpers.frames import make_frames
from tracking.core.acqdate import PartialDate
from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.ingest.build import FrameOptions
from tracking.ingest.quality import QualityThresholds
from tracking.project import downloads, frames_store, references, runs, workflow
from tracking.project.folder import Project
from tracking.project.state import SCHEMA_VERSION, EngineChoice, ProjectMeta, RunRecord, SamplePaths

# A project.json exactly as the code before ProjectMeta wrote it (no "version"): a sample
# project renamed, one date fixed, frames rebuilt with options, one scene excluded, an
# engine chosen on the Track page, the sample's truth as reference, one completed run.
# Only the id, the content hashes and the sample's folder are filled in by the test.
OLD_PROJECT_JSON = Template("""{
  "id": "$id",
  "name": "Baige 2017-2025",
  "created": "2026-11-30T05:48:44+00:00",
  "updated": "2026-11-30T05:48:46+00:00",
  "options": {
    "composite": "bgrn-true",
    "resolution": null,
    "reference": 1,
    "aoi": null,
    "aoi_crs": null,
    "histogram_match": true,
    "thresholds": {
      "cloud": 0.3,
      "snow": 0.3,
      "nodata": 0.5
    }
  },
  "date_overrides": {
    "s1.tif": "2020-01-07"
  },
  "excluded": [
    "s3.tif"
  ],
  "engine": {
    "kind": "baseline",
    "model": "small",
    "device": "cpu"
  },
  "sources": [
    "s0.tif",
    "s1.tif",
    "s2.tif",
    "s3.tif",
    "s4.tif",
    "s5.tif"
  ],
  "sample": {
    "root": "$sample",
    "truth_dir": "$sample/truth",
    "prompt_path": "$sample/prompt.geojson",
    "prompt_points_path": "$sample/prompt_points.geojson",
    "prompt_box_path": "$sample/prompt_box.geojson"
  },
  "frames_hash": "$frames_hash",
  "problems": [],
  "reference": "$sample/truth",
  "run": {
    "key": "$key",
    "completed": true,
    "seconds": 1.4517743800000176,
    "engine": "baseline",
    "engine_info": {
      "engine": "baseline"
    },
    "note": "Engine: weights-free baseline.",
    "model": "small",
    "device": "cpu",
    "requested": "baseline",
    "frames_tracked": 6,
    "carried": 1,
    "finished": "2026-11-30T05:48:46+00:00"
  }
}""")


@pytest.fixture
def old_project(tmp_path):
    """A tracked project whose project.json is then rewritten in the format before versions."""
    project = Project.create(tmp_path / "projects")
    frames = make_frames(6, 32, bad=(2,))
    frames.excluded = {3}
    project.save_frames(frames)
    project.meta.frames_hash = frames_store.frames_hash(frames)
    project.save()
    project.save_prompts([Prompt(0, 1, box=(8, 8, 16, 16))])
    result = runs.run_tracking(project, "baseline", "small", "cpu", engine=GrowingEngine())
    assert result.completed
    sample = tmp_path / "sample"
    (sample / "truth").mkdir(parents=True)
    text = OLD_PROJECT_JSON.substitute(id=project.id, frames_hash=project.meta.frames_hash,
                                       key=project.meta.run.key, sample=sample.as_posix())
    (project.root / "project.json").write_text(text)
    return project, sample


def test_a_project_saved_before_versions_opens_with_all_its_settings(old_project):
    project, sample = old_project
    meta = Project.open(project.root.parent, project.id).meta
    assert meta.version == 1 and meta.id == project.id and meta.name == "Baige 2017-2025"
    assert meta.created == "2026-11-30T05:48:44+00:00"
    # saved before co-registration: its frames were made without it, and a rebuild keeps that
    assert meta.options == FrameOptions(composite="bgrn-true", reference=1, histogram_match=True,
                                        thresholds=QualityThresholds(0.3, 0.3, 0.5), coregister=False)
    assert meta.date_overrides == {"s1.tif": dt.date(2020, 1, 7)}
    assert meta.excluded == ["s3.tif"] and meta.sources == [f"s{i}.tif" for i in range(6)]
    assert meta.engine == EngineChoice("baseline", "small", "cpu")
    assert meta.sample == SamplePaths(sample, sample / "truth", sample / "prompt.geojson",
                                      sample / "prompt_points.geojson", sample / "prompt_box.geojson")
    assert meta.frames_hash == project.meta.frames_hash and meta.problems == []
    assert meta.reference == f"{sample.as_posix()}/truth"
    assert meta.run == RunRecord(key=project.meta.run.key, completed=True, engine="baseline",
                                 engine_info={"engine": "baseline"}, note="Engine: weights-free baseline.",
                                 requested="baseline", model="small", device="cpu", seconds=1.4517743800000176,
                                 frames_tracked=6, carried=1, finished="2026-11-30T05:48:46+00:00")
    assert meta.extra == {}


def test_an_old_project_keeps_working_where_it_was_left(old_project):
    project, sample = old_project
    again = Project.open(project.root.parent, project.id)
    # The saved run still matches its frames, prompt and engine settings: nothing to redo.
    assert workflow.project_status(again)["track"] == "current"
    assert runs.run_tracking(again, "baseline", "small", "cpu", engine=GrowingEngine()).cached
    assert workflow.frame_options(again).composite == "bgrn-true"
    assert workflow.date_overrides(again) == {"s1.tif": dt.date(2020, 1, 7)}
    assert references.reference_path(again) == sample / "truth"
    assert references.sample_truth(again) == sample / "truth"
    assert downloads.recorded_engine_provenance(again) == {"engine": "baseline",
                                                           "note": "Engine: weights-free baseline."}


def test_saving_an_old_project_writes_the_current_version_and_loses_nothing(old_project):
    project, _ = old_project
    before = Project.open(project.root.parent, project.id)
    before.save()
    saved = json.loads((project.root / "project.json").read_text())
    assert saved["version"] == SCHEMA_VERSION and saved["date_overrides"] == {"s1.tif": "2020-01-07"}
    after = Project.open(project.root.parent, project.id).meta
    assert after.version == SCHEMA_VERSION
    after.version, after.updated = before.meta.version, before.meta.updated
    assert after == before.meta


def test_every_field_survives_a_round_trip():
    meta = ProjectMeta(id="x" * 22, name="Sela", created="2025-01-01T00:00:00+00:00",
                       updated="2025-01-02T00:00:00+00:00",
                       options=FrameOptions(composite=(4, 3, 2), resolution=5.0, aoi=(1.0, 2.0, 3.0, 4.0),
                                            aoi_crs="EPSG:32648"),
                       date_overrides={"a.tif": dt.date(2019, 6, 14)}, excluded=["b.tif"],
                       engine=EngineChoice("sam2", "large", "cuda"), sources=["a.tif", "b.tif"],
                       problems=["b.tif has no date."], frames_hash="f" * 64,
                       sample=SamplePaths(root=Path("/s"), truth_dir=Path("/s/truth")), reference="reference/r.gpkg",
                       run=RunRecord(key=None, completed=False, engine="sam2", requested="auto", model="large",
                                     device="cuda", seconds=3.5, frames_tracked=2, started="2025-01-02T00:00:00+00:00"))
    again = ProjectMeta.from_dict(json.loads(json.dumps(meta.to_dict())))
    assert again == meta


def test_unknown_keys_are_kept_at_the_top_and_dropped_inside_records():
    meta = ProjectMeta.from_dict({"id": "p", "gen": 7, "later_feature": {"a": 1},
                                  "run": {"completed": True, "engine": "baseline", "gpu_hours": 2}})
    assert meta.extra == {"gen": 7, "later_feature": {"a": 1}}
    written = meta.to_dict()
    assert written["gen"] == 7 and written["later_feature"] == {"a": 1} and "gpu_hours" not in written["run"]


def test_a_fresh_old_project_gets_the_defaults_the_dashboard_always_used():
    # What Project.create wrote before versions, and a run record as written when a run starts.
    meta = ProjectMeta.from_dict({"id": "p", "name": "Untitled landslide", "created": "t", "updated": "t",
                                  "options": {}, "date_overrides": {}, "excluded": [], "engine": {}, "sources": [],
                                  "run": {"key": None, "completed": False, "engine": "sam2", "note": "",
                                          "started": "t"}})
    assert meta.options == FrameOptions() and meta.engine == EngineChoice("auto", "tiny", "auto")
    assert meta.sample is None and meta.reference is None and meta.frames_hash is None
    assert meta.run.engine_kind == "sam2" and meta.run.model == "tiny" and not meta.run.completed


@pytest.mark.parametrize("bad", ['{"id": "p", "excluded": 5}', '{"id": "p", "date_overrides": {"a.tif": "soon"}}',
                                 '{"id": "p", "options": {"reference": "first"}}', '[1, 2]', '{"id": '])
def test_a_damaged_settings_file_is_refused_in_one_sentence(tmp_path, bad):
    project = Project.create(tmp_path)
    (project.root / "project.json").write_text(bad)
    with pytest.raises(InputError, match="settings file is damaged"):
        Project.open(tmp_path, project.id)


def test_a_settings_file_without_an_id_takes_its_folders(tmp_path):
    project = Project.create(tmp_path, "Baige")
    (project.root / "project.json").write_text('{"name": "Baige"}')
    again = Project.open(tmp_path, project.id)
    assert again.id == project.id and again.meta.name == "Baige"


def test_a_date_fixed_to_the_month_survives_saving(tmp_path):
    project = Project.create(tmp_path)
    project.meta.date_overrides = {"ortho_1992.tif": PartialDate(1992, 10, precision="month"),
                                   "b.tif": dt.date(2001, 2, 3)}
    project.save()
    assert json.loads((project.root / "project.json").read_text())["date_overrides"] == {
        "b.tif": "2001-02-03", "ortho_1992.tif": "1992-10"}
    fixes = Project.open(tmp_path, project.id).meta.date_overrides
    assert fixes == {"ortho_1992.tif": dt.date(1992, 10, 15), "b.tif": dt.date(2001, 2, 3)}
    assert fixes["ortho_1992.tif"].isoformat() == "1992-10"
