"""The batch job's own rules: failure rows, reserved output names (the full run is in
tests/tracking/cli/test_batch.py, on a LocalCluster)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from tracking.batch.job import BatchOptions, failure_rows, run_batch
from tracking.batch.task import DONE, FAILED, LandslideResult
from tracking.core.errors import InputError


def test_failure_rows_list_landslides_then_each_scene_problem_once():
    results = [LandslideResult("a", "a", DONE, problems=["x.tif is cut short; it was left out."]),
               LandslideResult("b", "b", FAILED, sentence="b lies outside every scene."),
               LandslideResult("c", "c", DONE, problems=["x.tif is cut short; it was left out."])]
    assert failure_rows(["y.tif could not be read."], results) == [
        ("b", "b lies outside every scene."), ("", "y.tif could not be read."),
        ("", "x.tif is cut short; it was left out.")]


def test_an_id_named_like_a_combined_output_is_refused(tmp_path):
    path = tmp_path / "inv.gpkg"
    gpd.GeoDataFrame({"id": ["ok", "metrics.csv"]}, geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10)],
                     crs="EPSG:32648").to_file(path)
    with pytest.raises(InputError, match="Landslide id metrics.csv would be the folder of a combined output"):
        run_batch(BatchOptions(path, [tmp_path], tmp_path / "out"))
    assert not (tmp_path / "out").exists()
