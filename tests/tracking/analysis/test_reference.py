"""Reference outlines: dated mask rasters and vector files in any CRS, put on the grid."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from tests.helpers.frames import pixel_grid, utm_grid
from tests.helpers.scenes import write_geotiff, write_png
from tests.helpers.tracks import rect
from tracking.analysis.reference import load_reference
from tracking.core.errors import InputError

D0, D1 = dt.date(2020, 6, 1), dt.date(2021, 6, 14)


def _grid():
    return utm_grid(40, 30, pixel=10.0)  # x 400000..400400, y 3399700..3400000


def test_folder_of_dated_masks_reprojected_to_grid(tmp_path):
    grid = _grid()
    # The same rectangle as a 5 m mask (finer than the grid) and as a grid-sized mask.
    fine = np.zeros((60, 80), np.uint8)
    fine[10:30, 20:50] = 1  # rows 10..30 x 5 m = grid rows 5..15; cols 20..50 -> grid cols 10..25
    write_geotiff(tmp_path / "ref" / "mask_20200601.tif", fine,
                  transform=Affine(5.0, 0, 400000.0, 0, -5.0, 3400000.0))
    on_grid = rect(grid.shape, 2, 8, 3, 9).astype(np.uint8) * 3  # any value > 0 is scar
    write_geotiff(tmp_path / "ref" / "2021-06-14_outline.tif", on_grid, transform=grid.transform)
    (tmp_path / "ref" / "notes.txt").write_text("not a mask")
    ref = load_reference(tmp_path / "ref", grid)
    assert sorted(ref) == [D0, D1]
    np.testing.assert_array_equal(ref[D0], rect(grid.shape, 5, 15, 10, 25))
    np.testing.assert_array_equal(ref[D1], on_grid > 0)
    assert ref[D0].dtype == bool and ref[D0].shape == grid.shape


def test_geographic_mask_raster_lands_on_the_same_pixels(tmp_path):
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    grid = _grid()
    truth = rect(grid.shape, 8, 22, 10, 30)
    src = np.zeros(grid.shape, np.uint8)
    src[truth] = 1
    transform, w, h = calculate_default_transform(grid.crs, "EPSG:4326", grid.width, grid.height, *grid.bounds,
                                                  resolution=2e-5)
    ll = np.zeros((h, w), np.uint8)
    reproject(src, ll, src_transform=grid.transform, src_crs=grid.crs, dst_transform=transform,
              dst_crs="EPSG:4326", resampling=Resampling.nearest)
    write_geotiff(tmp_path / "ref" / "2020-06-01.tif", ll, crs="EPSG:4326", transform=transform)
    got = load_reference(tmp_path / "ref", grid)[D0]
    iou = (got & truth).sum() / (got | truth).sum()
    assert iou > 0.97


def test_mask_without_crs_must_match_grid_size(tmp_path):
    grid = _grid()
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[5:10, 5:20] = 255
    write_png(tmp_path / "ok" / "2020-06-01.png", rgb)
    np.testing.assert_array_equal(load_reference(tmp_path / "ok", grid)[D0], rect(grid.shape, 5, 10, 5, 20))
    write_png(tmp_path / "bad" / "2020-06-01.png", np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(InputError, match="2020-06-01.png"):
        load_reference(tmp_path / "bad", grid)


def test_mask_without_a_date_or_folder_without_masks_is_named(tmp_path):
    grid = _grid()
    write_geotiff(tmp_path / "ref" / "outline.tif", np.zeros(grid.shape, np.uint8), transform=grid.transform)
    with pytest.raises(InputError, match="outline.tif"):
        load_reference(tmp_path / "ref", grid)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty"):
        load_reference(tmp_path / "empty", grid)
    with pytest.raises(InputError, match="missing"):
        load_reference(tmp_path / "missing", grid)
    (tmp_path / "junk.tif").write_text("not a tiff")
    (tmp_path / "j").mkdir()
    (tmp_path / "junk.tif").rename(tmp_path / "j" / "2020-06-01.tif")
    with pytest.raises(InputError, match="2020-06-01.tif"):
        load_reference(tmp_path / "j", grid)


def test_mask_outside_the_grid_is_refused(tmp_path):
    grid = _grid()
    write_geotiff(tmp_path / "ref" / "2020-06-01.tif", np.ones((10, 10), np.uint8),
                  transform=Affine(10.0, 0, 900000.0, 0, -10.0, 3400000.0))
    with pytest.raises(InputError, match="overlap"):
        load_reference(tmp_path / "ref", grid)


def test_geojson_in_wgs84_with_date_column_is_rasterised(tmp_path):
    grid = _grid()
    # Rectangle on pixel edges: columns 10..25, rows 5..15 -> x 400100..400250, y 3399850..3399950.
    utm = gpd.GeoDataFrame({"date": ["2020-06-01", "2021-06-14", "2021-06-14"]},
                           geometry=[box(400100, 3399850, 400250, 3399950),
                                     box(400000, 3399900, 400050, 3400000),
                                     box(400300, 3399700, 400400, 3399750)], crs=grid.crs)
    path = tmp_path / "outlines.geojson"
    utm.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    ref = load_reference(path, grid)
    assert sorted(ref) == [D0, D1]
    np.testing.assert_array_equal(ref[D0], rect(grid.shape, 5, 15, 10, 25))
    np.testing.assert_array_equal(ref[D1], rect(grid.shape, 0, 10, 0, 5) | rect(grid.shape, 25, 30, 30, 40))


def test_gpkg_with_datetime_column_and_other_name(tmp_path):
    grid = _grid()
    gdf = gpd.GeoDataFrame({"Acquired": [dt.datetime(2020, 6, 1, 10, 30)]},
                           geometry=[box(400000, 3399700, 400100, 3399800)], crs=grid.crs)
    path = tmp_path / "ref.gpkg"
    gdf.to_file(path, driver="GPKG")
    ref = load_reference(path, grid)
    np.testing.assert_array_equal(ref[D0], rect(grid.shape, 20, 30, 0, 10))


def test_vector_on_pixel_grid_uses_pixel_coordinates(tmp_path):
    grid = pixel_grid(20, 10)
    gdf = gpd.GeoDataFrame({"date": ["2020-06-01"]}, geometry=[box(2, 3, 6, 5)])
    path = tmp_path / "ref.gpkg"
    gdf.to_file(path, driver="GPKG")
    np.testing.assert_array_equal(load_reference(path, grid)[D0], rect(grid.shape, 3, 5, 2, 6))


def test_bad_vector_files_give_one_sentence(tmp_path):
    grid = _grid()
    no_date = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(400000, 3399700, 400100, 3399800)], crs=grid.crs)
    no_date.to_file(tmp_path / "nodate.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="nodate.gpkg has no date column"):
        load_reference(tmp_path / "nodate.gpkg", grid)
    bad_date = no_date.assign(date=["someday"])
    bad_date.to_file(tmp_path / "baddate.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="baddate.gpkg has no valid date in row 1"):
        load_reference(tmp_path / "baddate.gpkg", grid)
    no_crs = gpd.GeoDataFrame({"date": ["2020-06-01"]}, geometry=[box(0, 0, 1, 1)])
    no_crs.to_file(tmp_path / "nocrs.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="nocrs.gpkg has no coordinate reference system"):
        load_reference(tmp_path / "nocrs.gpkg", grid)
    (tmp_path / "broken.geojson").write_text("{not json")
    with pytest.raises(InputError, match="broken.geojson"):
        load_reference(tmp_path / "broken.geojson", grid)
    far = no_date.assign(date=["2020-06-01"]).set_geometry([box(0, 0, 10, 10)])
    far.to_file(tmp_path / "far.gpkg", driver="GPKG")
    with pytest.raises(InputError, match="overlap"):
        load_reference(tmp_path / "far.gpkg", grid)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="notes.txt"):
        load_reference(tmp_path / "notes.txt", grid)
