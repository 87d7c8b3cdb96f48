import json
import zipfile

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import Point, Polygon, box

from tests.helpers.frames import make_frames
from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.ingest.prompt_files import read_prompt_file

GRID = make_frames(3).grid  # EPSG:32648, 10 m, origin (400000, 3400000), 32 x 32
DATES = make_frames(3).dates


def world(col, row):
    return GRID.transform @ (col, row)


def test_polygon_becomes_mask_prompt_in_utm(tmp_path):
    poly = Polygon([world(4, 4), world(12, 4), world(12, 10), world(4, 10)])
    path = tmp_path / "scar.gpkg"
    gpd.GeoDataFrame({"object": [1]}, geometry=[poly], crs=32648).to_file(path)
    (p,) = read_prompt_file(path, GRID, DATES)
    assert p.frame == 0 and p.mask is not None
    assert p.mask.sum() == 8 * 6 and p.mask[5, 5] and not p.mask[11, 13]


def test_same_polygon_in_wgs84_lands_on_same_pixels(tmp_path):
    poly = Polygon([world(4, 4), world(12, 4), world(12, 10), world(4, 10)])
    path = tmp_path / "scar.geojson"
    gpd.GeoDataFrame(geometry=[poly], crs=32648).to_crs(4326).to_file(path, driver="GeoJSON")
    (p,) = read_prompt_file(path, GRID, DATES)
    assert abs(int(p.mask.sum()) - 48) <= 8


def test_points_labels_box_date_and_object(tmp_path):
    feats = gpd.GeoDataFrame(
        {"label": [1, 0, None], "kind": [None, None, "box"], "date": [str(DATES[1])] * 3, "object": [2, 2, 2]},
        geometry=[Point(world(5.5, 6.5)), Point(world(20.5, 20.5)), box(*world(2, 12), *world(9, 3))],
        crs=32648)
    path = tmp_path / "clicks.geojson"
    feats.to_file(path, driver="GeoJSON")
    (p,) = read_prompt_file(path, GRID, DATES)
    assert p.frame == 1 and p.object_id == 2
    assert p.labels.tolist() == [1, 0]
    np.testing.assert_allclose(p.points[0], (5.5, 6.5), atol=1e-6)
    np.testing.assert_allclose(p.box, (2, 3, 9, 12), atol=1e-6)


def test_crs_less_geojson_in_projected_numbers_is_read_in_grid_crs(tmp_path):
    x, y = world(7.5, 8.5)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"label": 1}, "geometry": {"type": "Point", "coordinates": [x, y]}}]}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(doc))
    (p,) = read_prompt_file(path, GRID, DATES)
    np.testing.assert_allclose(p.points[0], (7.5, 8.5), atol=1e-6)


def test_pixel_grid_takes_coordinates_as_pixels(tmp_path):
    grid = Grid(None, Affine.identity(), 40, 30)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
         "coordinates": [[[2, 3], [12, 3], [12, 8], [2, 8], [2, 3]]]}}]}
    path = tmp_path / "px.geojson"
    path.write_text(json.dumps(doc))
    (p,) = read_prompt_file(path, grid, DATES)
    assert p.mask.shape == (30, 40) and p.mask.sum() == 50 and p.mask[3, 2]


def test_zipped_shapefile(tmp_path):
    shp = tmp_path / "shp" / "outline.shp"
    shp.parent.mkdir()
    gpd.GeoDataFrame(geometry=[box(*world(3, 9), *world(8, 2))], crs=32648).to_file(shp)
    z = tmp_path / "outline.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp.parent.iterdir():
            zf.write(f, f"some/folder/{f.name}")
    (p,) = read_prompt_file(z, GRID, DATES)
    assert p.mask.sum() == 5 * 7


@pytest.mark.parametrize("content, suffix, words", [
    (b"not json at all", ".geojson", "could not be read"),
    (b"", ".gpkg", "could not be read"),
    (b"x", ".txt", "not a GeoJSON"),
])
def test_malformed_files(tmp_path, content, suffix, words):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        read_prompt_file(path, GRID, DATES)


def test_prompt_outside_scenes_and_unknown_date(tmp_path):
    far = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=32648)
    path = tmp_path / "far.gpkg"
    far.to_file(path)
    with pytest.raises(InputError, match="no prompt inside the scenes"):
        read_prompt_file(path, GRID, DATES)
    dated = gpd.GeoDataFrame({"date": ["1999-01-01"]}, geometry=[box(*world(3, 9), *world(8, 2))], crs=32648)
    path2 = tmp_path / "dated.gpkg"
    dated.to_file(path2)
    with pytest.raises(InputError, match="not a date of the series"):
        read_prompt_file(path2, GRID, DATES)
