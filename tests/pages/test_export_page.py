"""The Export page (AppTest): every export offered, made again only when the track changes."""

import json

import geopandas as gpd
import numpy as np

from tests.helpers.apptest import no_errors, page, reopen, run_clean
from tests.helpers.scar_project import DATES, write_truth
from tracking.core.prompts import Prompt
from tracking.engines.factory import make_engine
from tracking.project import downloads, references
from tracking.project.state import SamplePaths
from tracking.run import corrections

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
