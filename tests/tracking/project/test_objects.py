"""Scars (objects) of a project: add, name, colour, delete; one starting prompt per scar; exports by name."""

from __future__ import annotations

import geopandas as gpd
import pytest

from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.project import objects
from tracking.project.folder import Project


@pytest.fixture
def project(tmp_path):
    from tracking.project import workflow
    from tracking.project.uploads import add_uploads
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=200, height=120, n_images=3, source_size=96)
    project = Project.create(tmp_path / "projects", name="Two scars")
    add_uploads(project, [(p.name, p.read_bytes()) for p in delivery.paths])
    workflow.rebuild_frames(project)
    return project


def test_a_new_project_has_one_scar_and_scars_keep_their_own_prompt(project):
    assert [(o.id, o.name) for o in objects.scar_objects(project)] == [(1, "Scar 1")]
    objects.save_object_prompt(project, Prompt(0, 1, box=(10, 10, 60, 50)))
    second = objects.add_object(project, "Toe")
    assert (second.id, second.name) == (2, "Toe") and second.color.startswith("#")
    objects.save_object_prompt(project, Prompt(1, 2, box=(100, 60, 150, 100)))
    objects.save_object_prompt(project, Prompt(0, 1, box=(12, 12, 62, 52)))  # scar 1 redrawn: scar 2 stays
    again = Project.open(project.root.parent, project.id)
    assert sorted((p.object_id, p.frame, tuple(p.box)) for p in again.load_prompts()) == [
        (1, 0, (12, 12, 62, 52)), (2, 1, (100, 60, 150, 100))]
    objects.update_object(again, 2, name="Toe slump", color="#00ff00")
    assert [(o.name, o.color) for o in objects.scar_objects(again)][1] == ("Toe slump", "#00ff00")
    objects.delete_object(again, 2)
    assert [p.object_id for p in again.load_prompts()] == [1]
    with pytest.raises(InputError, match="at least one scar"):
        objects.delete_object(again, 1)


def test_every_scar_is_tracked_and_exported_by_name(project):
    from tracking.project import downloads
    from tracking.project.runs import run_tracking

    objects.save_object_prompt(project, Prompt(0, 1, box=(10, 10, 60, 50)))
    objects.add_object(project, "Toe")
    objects.save_object_prompt(project, Prompt(0, 2, box=(120, 60, 170, 100)))
    assert run_tracking(project, engine_kind="baseline").completed
    track = Project.open(project.root.parent, project.id).load_track()
    assert sorted(track.objects) == [1, 2]
    exports = downloads.ensure_exports(Project.open(project.root.parent, project.id))
    gdf = gpd.read_file(exports.paths["gpkg"], layer="scars")
    assert set(zip(gdf["object"], gdf["scar"])) == {(1, "Scar 1"), (2, "Toe")}
    import csv

    with open(exports.paths["metrics"], newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["object"], r["scar"]) for r in rows} == {("1", "Scar 1"), ("2", "Toe")}
