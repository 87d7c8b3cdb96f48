"""The synthetic region: several landslides in one scene stack, their truths and an inventory."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio

from tracking.core.errors import InputError
from tracking.sample.region import generate_region, read_region, tile_layout
from tracking.sample.series import load_truth


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return generate_region(tmp_path_factory.mktemp("region"), seed=5, n_landslides=3, n_dates=5, tile=96)


def test_one_scene_per_date_covers_every_tile(region):
    scenes = sorted(region.scenes_dir.iterdir())
    assert len(scenes) == len(region.dates) == 5
    for path in scenes:
        with rasterio.open(path) as src:
            assert (src.width, src.height, src.count, src.crs.to_epsg()) == (192, 192, 4, 32648)
            data = src.read(1)
        assert (data[:96, :] > 0).all() and (data[96:, :96] > 0).all()  # three tiles hold data
        assert (data[96:, 96:] == 0).all()  # the fourth tile is nodata


def test_each_landslide_has_its_own_truth_and_inventory_outline(region):
    inv = gpd.read_file(region.inventory_path)
    assert list(inv["id"]) == region.ids == ["LS-01", "LS-02", "LS-03"] and inv.crs.to_epsg() == 4326
    info = pyogrio.read_info(region.inventory_path)
    assert dict(zip(info["fields"], info["ogr_types"]))["date"] == "OFTDate"
    outlines = inv.to_crs(32648)
    for k, lid in enumerate(region.ids):
        truth = load_truth(region.series(lid))
        first = truth[region.dates[0]][0]
        r, c = divmod(k, tile_layout(3)[1])
        assert first[r * 96:(r + 1) * 96, c * 96:(c + 1) * 96].sum() == first.sum() > 50  # inside its tile
        areas = [truth[d][0].sum() for d in region.dates]
        assert areas[-1] > areas[0]  # the landslides grow
        mapped = inv["date"].iloc[k].date()
        mask, transform, _ = truth[mapped]
        assert outlines.geometry.iloc[k].area == pytest.approx(mask.sum() * 100, rel=0.1)
    assert {d.date() for d in inv["date"]} == {region.dates[0], region.dates[2]}  # some mapped mid-series


def test_the_same_seed_gives_the_same_region(region, tmp_path):
    again = generate_region(tmp_path, seed=5, n_landslides=3, n_dates=5, tile=96)
    for a, b in zip(sorted(region.scenes_dir.iterdir()), sorted(again.scenes_dir.iterdir())):
        with rasterio.open(a) as x, rasterio.open(b) as y:
            assert np.array_equal(x.read(), y.read())
    assert read_region(tmp_path).ids == region.ids and read_region(tmp_path).dates == region.dates


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(InputError, match="1 to 64 landslides"):
        generate_region(tmp_path, n_landslides=0)
