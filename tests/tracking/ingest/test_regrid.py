"""One grid for mixed CRS and pixel sizes, windowed reading, pixel grids, non-overlap."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasterio.io
from affine import Affine

import tracking.ingest.regrid as gridding
from tests.helpers.landscape import LAT, LON, marker_scene, world_xy
from tests.helpers.scenes import write_geotiff, write_png
from tracking.core.errors import InputError
from tracking.core.grid import Grid
from tracking.ingest.regrid import choose_grid, read_onto_grid, source_window, utm_crs_for
from tracking.ingest.scenes import open_scene


def test_utm_zone_north_south_and_edges():
    assert utm_crs_for(LON, LAT).to_epsg() == 32648
    assert utm_crs_for(-70.6, -33.4).to_epsg() == 32719
    assert utm_crs_for(-180.0, 0.0).to_epsg() == 32601
    assert utm_crs_for(179.99, 10.0).to_epsg() == 32660
    assert utm_crs_for(3.0, -0.1).to_epsg() == 32731
    with pytest.raises(InputError):
        utm_crs_for(0.0, 95.0)


def _marker_pixel(values: np.ndarray, valid: np.ndarray) -> tuple[float, float]:
    """(col, row) centroid of the pixels brighter than half the marker's peak."""
    band = np.where(valid, values[0], 0.0)
    background = np.median(band[valid])
    peak = band.max()
    rows, cols = np.nonzero(band > background + (peak - background) / 2)
    weights = band[rows, cols] - background
    return float(np.average(cols, weights=weights)), float(np.average(rows, weights=weights))


def test_known_world_point_lands_on_same_grid_pixel_in_every_frame(tmp_path):
    scenes = [
        open_scene(marker_scene(tmp_path / "a_utm48_10m.tif", "EPSG:32648", 10.0, offset=(13, -7))),
        open_scene(marker_scene(tmp_path / "b_wgs84.tif", "EPSG:4326", 0.0001, offset=(-9, 11))),
        open_scene(marker_scene(tmp_path / "c_utm47_20m.tif", "EPSG:32647", 20.0, size=80, offset=(5, 3))),
        open_scene(marker_scene(tmp_path / "d_utm48_20m.tif", "EPSG:32648", 20.0, size=70, offset=(-4, 6))),
    ]
    grid = choose_grid(scenes)
    assert grid.crs.to_epsg() == 32648
    assert grid.pixel_size == (10.0, 10.0)
    col, row = ~grid.transform @ world_xy("EPSG:32648")
    expected = (col - 0.5, row - 0.5)  # pixel index whose centre is the point
    for scene in scenes:
        values, valid = read_onto_grid(scene, grid, [1, 2, 3])
        assert values.shape == (3, grid.height, grid.width) and values.dtype == np.float32
        got = _marker_pixel(values, valid)
        assert abs(got[0] - expected[0]) <= 1.0 and abs(got[1] - expected[1]) <= 1.0, (scene.name, got, expected)


def test_geographic_only_inputs_get_a_utm_grid_in_metres(tmp_path):
    scenes = [open_scene(marker_scene(tmp_path / f"g{i}.tif", "EPSG:4326", 0.0001 * (i + 1))) for i in range(2)]
    grid = choose_grid(scenes)
    assert grid.crs.to_epsg() == 32648 and grid.units == "m"
    # 0.0001 degree at 31 N is about 9.5 m east-west and 11.1 m north-south
    assert 9.0 < grid.pixel_size[0] < 11.5 and grid.pixel_size[0] == grid.pixel_size[1]
    left, bottom, right, top = grid.bounds
    x, y = world_xy("EPSG:32648")
    assert left < x < right and bottom < y < top
    assert abs((right - left) - 120 * 9.5) < 150  # the reference's extent, in metres


def test_resolution_aoi_in_another_crs_and_alignment(tmp_path):
    ref = open_scene(marker_scene(tmp_path / "ref.tif", "EPSG:32648", 10.0, size=200))
    x, y = world_xy("EPSG:32648")
    aoi_lonlat = (LON - 0.003, LAT - 0.002, LON + 0.003, LAT + 0.002)
    grid = choose_grid([ref], aoi=aoi_lonlat, aoi_crs="EPSG:4326", resolution=30.0)
    assert grid.pixel_size == (30.0, 30.0)
    left, bottom, right, top = grid.bounds
    assert left <= x - 280 and right >= x + 280 and bottom <= y - 210 and top >= y + 210
    assert right - left < 700 and top - bottom < 560
    # pixel-aligned with the reference scene's pixel edges
    assert abs(((left - ref.transform.c) / 30.0) % 1) < 1e-6
    assert abs(((top - ref.transform.f) / 30.0) % 1) < 1e-6
    # without aoi_crs a lon/lat box is recognised as such
    assert choose_grid([ref], aoi=aoi_lonlat, resolution=30.0) == grid


def test_bad_options_raise_input_error(tmp_path):
    ref = open_scene(marker_scene(tmp_path / "ref.tif", "EPSG:32648", 10.0))
    with pytest.raises(InputError, match="empty"):
        choose_grid([ref], aoi=(10, 0, 5, 1), aoi_crs="EPSG:32648")
    with pytest.raises(InputError, match="resolution"):
        choose_grid([ref], resolution=-5)
    with pytest.raises(InputError, match="reference"):
        choose_grid([ref], reference=3)
    with pytest.raises(InputError, match="more than"):
        choose_grid([ref], resolution=0.01)


def test_mixing_georeferenced_and_plain_images_is_refused(tmp_path):
    geo = open_scene(marker_scene(tmp_path / "geo.tif", "EPSG:32648", 10.0))
    plain = open_scene(write_png(tmp_path / "plain.png"))
    with pytest.raises(InputError, match="plain.png"):
        choose_grid([geo, plain])


def test_pixel_grid_scenes_are_resized_to_the_reference(tmp_path):
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, 30:] = 200
    small = open_scene(write_png(tmp_path / "small.png", rgb))
    big = open_scene(write_png(tmp_path / "big.png", np.repeat(np.repeat(rgb, 2, 0), 2, 1)))
    grid = choose_grid([small, big])
    assert grid.crs is None and grid.transform == Affine.identity() and grid.shape == (40, 60)
    values, valid = read_onto_grid(big, grid, [1, 2, 3])
    assert values.shape == (3, 40, 60) and valid.all()
    assert values[0, :, :29].max() < 20 and values[0, :, 31:].min() > 180


def test_nodata_nan_and_outside_are_invalid(tmp_path):
    data = np.full((1, 50, 50), 300, np.uint16)
    data[0, :10, :] = 0
    ref = open_scene(write_geotiff(tmp_path / "ref.tif", data, nodata=0))
    floats = np.full((1, 25, 25), 0.2, np.float32)
    floats[0, 20:, :] = np.nan
    half = Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 3400000.0)  # covers the grid's top-left quarter
    other = open_scene(write_geotiff(tmp_path / "float.tif", floats, transform=half))
    grid = choose_grid([ref, other])
    _, valid = read_onto_grid(ref, grid, [1])
    assert not valid[:10].any() and valid[11:].all()
    values, valid = read_onto_grid(other, grid, [1])
    assert valid[:19, :24].all() and not valid[21:].any() and not valid[:, 26:].any()
    assert np.isnan(values[0][~valid]).all()


def test_scene_outside_the_grid_is_named(tmp_path):
    ref = open_scene(marker_scene(tmp_path / "ref.tif", "EPSG:32648", 10.0))
    far = Affine(10.0, 0.0, 500000.0, 0.0, -10.0, 3300000.0)
    away = open_scene(write_geotiff(tmp_path / "far_away.tif", np.ones((1, 20, 20), np.uint16), transform=far))
    grid = choose_grid([ref, away])
    with pytest.raises(InputError, match="far_away.tif does not overlap"):
        read_onto_grid(away, grid, [1])


def test_bad_band_is_named(tmp_path):
    ref = open_scene(marker_scene(tmp_path / "four.tif", "EPSG:32648", 10.0))
    with pytest.raises(InputError, match="four.tif"):
        read_onto_grid(ref, choose_grid([ref]), [1, 5])


def _sparse_big_scene(path, size=10_000):
    """A 10,000 x 10,000 tiled GeoTIFF, tiny on disk (unwritten tiles are sparse), with a marker."""
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="uint8", crs="EPSG:32648",
                   transform=Affine(10.0, 0.0, 400000.0, 0.0, -10.0, 3500000.0), tiled=True,
                   blockxsize=256, blockysize=256, compress="deflate", sparse_ok=True)
    with rasterio.open(path, "w", **profile) as dst:
        block = np.full((1, 100, 100), 50, np.uint8)
        block[0, 40:43, 60:63] = 250  # marker at rows 5040..5042, cols 5060..5062
        dst.write(block, window=rasterio.windows.Window(5000, 5000, 100, 100))
    return path


def test_big_scene_is_read_only_in_the_window_it_contributes(tmp_path, monkeypatch):
    scene = open_scene(_sparse_big_scene(tmp_path / "big_20200101.tif"))
    read_pixels = []
    original_read, original_masks = rasterio.io.DatasetReader.read, rasterio.io.DatasetReader.read_masks

    def counting(original):
        def wrapper(self, *args, **kwargs):
            out = original(self, *args, **kwargs)
            read_pixels.append(int(np.asarray(out).shape[-1] * np.asarray(out).shape[-2]))
            return out
        return wrapper

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", counting(original_read))
    monkeypatch.setattr(rasterio.io.DatasetReader, "read_masks", counting(original_masks))
    x0, y0 = 400000.0 + 4500 * 10, 3500000.0 - 4500 * 10 - 10_000
    aoi = (x0, y0, x0 + 10_000, y0 + 10_000)  # 1,000 x 1,000 pixels around the marker
    grid = choose_grid([scene], aoi=aoi, aoi_crs="EPSG:32648")
    assert grid.shape == (1000, 1000)
    window, factor = source_window(scene, grid)
    assert factor == 1 and window.width <= 1010 and window.height <= 1010
    values, valid = read_onto_grid(scene, grid, [1])
    assert read_pixels and max(read_pixels) <= 1010 * 1010  # never the 100,000,000 pixels
    row, col = np.unravel_index(np.argmax(np.where(valid, values[0], 0)), grid.shape)
    assert abs(row - 541) <= 1 and abs(col - 561) <= 1

    # the same area half a pixel off the scene's lattice is resampled, still from the window only
    read_pixels.clear()
    shifted = Grid(grid.crs, grid.transform @ Affine.translation(0.5, 0.5), 1000, 1000)
    values, valid = read_onto_grid(scene, shifted, [1])
    assert max(read_pixels) <= 1010 * 1010 and valid.all()

    # a grid 10 times coarser over the whole scene is read decimated, never at full size
    read_pixels.clear()
    coarse = choose_grid([scene], resolution=100.0)
    assert coarse.shape == (1000, 1000)
    values, valid = read_onto_grid(scene, coarse, [1])
    assert max(read_pixels) <= 1010 * 1010 and valid.all()


def test_scene_on_the_grid_lattice_is_copied_exactly_like_a_warp_would(tmp_path, monkeypatch):
    data = (np.arange(3 * 30 * 40).reshape(3, 30, 40) % 997).astype(np.uint16)
    data[:, :3, :5] = 0
    scene = open_scene(write_geotiff(tmp_path / "lattice.tif", data, nodata=0))
    t = scene.transform
    grid = Grid(scene.crs, Affine(10.0, 0.0, t.c - 50.0, 0.0, -10.0, t.f - 20.0), 30, 20)  # 5 px left, 2 down
    copied, ok = read_onto_grid(scene, grid, [1, 2, 3])
    # grid columns 5.. are scene columns 0..24; grid rows 0..19 are scene rows 2..21
    assert not ok[:, :5].any() and not ok[0, 5:10].any() and ok[1:, 5:].all() and ok[0, 10:].all()
    expected = data[:, 2:22, 0:25].astype(np.float32)
    assert np.array_equal(copied[:, 1:, 5:], expected[:, 1:]) and np.isnan(copied[:, ~ok]).all()
    monkeypatch.setattr(gridding, "_pixel_offset", lambda scene, grid: None)
    warped, ok_warped = read_onto_grid(scene, grid, [1, 2, 3])
    inside = ok & ok_warped
    assert inside.sum() > 0.8 * ok.sum()
    assert np.allclose(copied[:, inside], warped[:, inside], atol=1e-3)
