"""The Export page (AppTest): every export offered, made again only when the track changes."""

import json

import geopandas as gpd
import numpy as np

from tests.helpers.apptest import no_errors, page, reopen, run_clean
from tests.helpers.scar_project import DATES, write_truth
from tracking.core.prompts import Prompt
from tracking.engines.factory import make_engine
from tracking.project import corrections, downloads, references
from tracking.project.state import SamplePaths

PAGE = "pages/6_export.py"


def buttons(at) -> dict[str, object]:
    return {b.proto.label: b for b in at.get("download_button")}


def open_page(project):
    return run_clean(PAGE, project)


def test_every_export_is_offered_opens_and_is_made_once(project):
    at = open_page(project)
    labels = buttons(at)
    for kind in ("report", "gpkg", "geojson", "shapefile", "masks", "metrics", "gif", "evolution_png",
                 "evolution_tif"):
        assert downloads.EXPORTS[kind][0] in labels, (kind, list(labels))
    assert "accuracy.csv" not in labels  # no reference set
    gpkg = project.exports / "scars.gpkg"
    gdf = gpd.read_file(gpkg, layer="scars")
    assert len(gdf) == len(DATES) and gdf.crs.to_epsg() == 32648
    report = (project.exports / "report.html").read_text()
    assert "Landslide scar report" in report
    manifest = json.loads((project.exports / "exports.json").read_text())
    assert set(manifest["files"]) >= {"gpkg", "report", "shapefile"}
    # not made again while the track is unchanged: on a rerun, and in a new browser session
    stamp = (project.exports / "scars.gpkg").stat().st_mtime_ns
    at.run()
    no_errors(at)
    assert (project.exports / "scars.gpkg").stat().st_mtime_ns == stamp
    assert any("match the current masks" in c.value for c in at.caption)
    again = open_page(reopen(project))  # a new browser session too
    assert (project.exports / "scars.gpkg").stat().st_mtime_ns == stamp
    assert again.get("download_button")


def test_a_correction_makes_them_again(project):
    open_page(project)
    before = gpd.read_file(project.exports / "scars.gpkg", layer="scars")
    engine, _ = make_engine("baseline")
    session = corrections.open_session(project, engine)
    mask = np.zeros(project.load_frames().shape, bool)
    mask[2:10, 2:10] = True
    corrections.apply_correction(project, session, Prompt(4, 1, mask=mask))
    assert downloads.current_exports(project) is None  # stale now
    open_page(reopen(project))
    after = gpd.read_file(project.exports / "scars.gpkg", layer="scars")
    last = after.sort_values("date").iloc[-1]
    assert last["provenance"] == "corrected"
    assert abs(last["area_m2"] - 64 * 100.0) < 1e-6
    assert before.sort_values("date").iloc[-1]["area_m2"] != last["area_m2"]


def test_reference_adds_accuracy_csv(project, tmp_path):
    truth = write_truth(tmp_path / "truth")
    project.meta.sample = SamplePaths(truth_dir=truth)
    references.use_sample_truth(project)
    at = open_page(reopen(project))
    assert "accuracy.csv" in buttons(at)
    text = (project.exports / "accuracy.csv").read_text().splitlines()
    assert text[0].startswith("date,iou") and len(text) == 1 + len(DATES) + 1  # header, dates, mean


def test_an_unusable_reference_costs_only_the_accuracy(project, tmp_path):
    bad = project.folder("reference") / "ref.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    project.meta.reference = "reference/ref.geojson"
    project.save()
    at = page(PAGE, reopen(project))
    at.run()
    assert not at.exception and not at.error
    assert at.warning and "ref.geojson" in at.warning[0].value and "without accuracy" in at.warning[0].value
    labels = buttons(at)
    assert "GeoPackage" in labels and "accuracy.csv" not in labels
    stamp = (project.exports / "scars.gpkg").stat().st_mtime_ns
    at.run()  # made once, the warning kept
    assert (project.exports / "scars.gpkg").stat().st_mtime_ns == stamp and at.warning


def _plain_project(app_env, tmp_path, georef=None):
    """A tracked project of plain PNG screenshots (no map position), optionally with a ground position."""
    import dataclasses

    from tracking.project import workflow
    from tracking.project.folder import Project
    from tracking.project.runs import run_tracking
    from tracking.project.uploads import add_uploads
    from tracking.sample.delivery import write_delivery

    delivery = write_delivery(tmp_path / "d", width=260, height=132, n_images=3, source_size=96)
    project = Project.create(app_env, name="Screenshots")
    add_uploads(project, [(p.name, p.read_bytes()) for p in delivery.paths])
    workflow.rebuild_frames(project, dataclasses.replace(workflow.frame_options(project), georef=georef))
    workflow.set_prompts(project, [Prompt(0, 1, box=list(delivery.box))])
    assert run_tracking(project, engine_kind="baseline").completed
    return reopen(project)


def test_pixel_grid_exports_say_pixels_and_claim_no_crs(app_env, tmp_path):
    project = _plain_project(app_env, tmp_path)
    at = open_page(project)
    shown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "EPSG:4326" not in shown  # the GeoJSON holds pixel positions, not longitudes
    assert "pixel coordinates" in shown and "no CRS" in shown
    gdf = gpd.read_file(project.exports / "scars.gpkg", layer="scars")
    assert gdf.crs is None and "area_px2" in gdf.columns and "area_m2" not in gdf.columns


def test_a_ground_pixel_size_exports_metres(app_env, tmp_path):
    from tracking.ingest.georef import Georeference

    project = _plain_project(app_env, tmp_path, Georeference(pixel_size_m=2.0))
    at = open_page(project)
    shown = " ".join(c.value for c in at.caption)
    assert "metres from the bottom-left corner" in shown and "EPSG:4326" not in shown
    gdf = gpd.read_file(project.exports / "scars.gpkg", layer="scars")
    assert "area_m2" in gdf.columns and gdf.crs is None
    mask_px = project.load_track().objects[1].masks[0].sum()
    assert gdf.sort_values("date")["area_m2"].iloc[0] == mask_px * 4.0  # 2 m pixels
