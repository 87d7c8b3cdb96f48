"""Scenes to harmonised frames: mixed grids, quality flags, problems for bad scenes, options."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from affine import Affine

from tests.tracking.grid_fixtures import marker_scene, world_xy, write_series
from tests.tracking.scene_fixtures import write_geotiff
from tracking.errors import InputError
from tracking.pipeline import FrameOptions, build_frames
from tracking.quality import QualityThresholds
from tracking.timeline import build_timeline


def test_mixed_grids_load_and_the_far_scene_is_reported(tmp_path):
    src = tmp_path / "in"
    marker_scene(src / "s_20190101.tif", "EPSG:32648", 10.0, offset=(13, -7))
    marker_scene(src / "s_20200101.tif", "EPSG:4326", 0.0001, offset=(-9, 11))
    marker_scene(src / "s_20210101.tif", "EPSG:32647", 20.0, size=80, offset=(5, 3))
    far = Affine(10.0, 0.0, 600000.0, 0.0, -10.0, 3300000.0)
    write_geotiff(src / "faraway_20220101.tif", np.full((4, 30, 30), 900, np.uint16), transform=far)
    timeline = build_timeline([src], tmp_path / "work")
    calls = []
    frames, problems = build_frames(timeline, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(frames) == 3 and frames.dates == [dt.date(2019, 1, 1), dt.date(2020, 1, 1), dt.date(2021, 1, 1)]
    assert frames.sources == ["s_20190101.tif", "s_20200101.tif", "s_20210101.tif"]
    assert len(problems) == 1 and "faraway_20220101.tif does not overlap" in problems[0]
    assert frames.images.dtype == np.uint8 and frames.images.shape == (3, 120, 120, 3)
    col, row = ~frames.grid.transform @ world_xy("EPSG:32648")
    for i in range(3):  # the marker is the bright spot of every harmonised frame
        grey = np.where(frames.valid[i], frames.images[i].astype(float).sum(axis=-1), 0.0)
        background = np.median(grey[frames.valid[i]])
        rows, cols = np.nonzero(grey > (grey.max() + background) / 2)
        r, c = rows.mean(), cols.mean()
        assert abs(r - (row - 0.5)) <= 1 and abs(c - (col - 0.5)) <= 1, (i, r, c, row, col)
    assert frames.quality[1].nodata > 0.1  # the geographic scene does not cover the whole grid


def test_cloudy_frame_is_flagged_in_the_frames(tmp_path):
    write_series(tmp_path / "in", n=5, clouds={2: 0.45})
    frames, problems = build_frames(build_timeline([tmp_path / "in"], tmp_path / "work"))
    assert problems == []
    assert list(frames.bad) == [False, False, True, False, False]
    assert frames.quality[2].reasons[0].startswith("cloud ")
    assert frames.good_indices == [0, 1, 3, 4]


def test_false_colour_display_is_still_judged_in_true_colour(tmp_path):
    write_series(tmp_path / "in", n=4, clouds={1: 0.45})
    timeline = build_timeline([tmp_path / "in"], tmp_path / "work")
    true, _ = build_frames(timeline)
    false, _ = build_frames(timeline, FrameOptions(composite="bgrn-false"))
    assert list(false.bad) == list(true.bad) == [False, True, False, False]
    # vegetation is bright red in NIR, R, G and dark in true colour
    assert false.images[0][..., 0].mean() > 2 * true.images[0][..., 0].mean() + 10


def test_histogram_matching_to_the_reference_frame(tmp_path):
    paths = write_series(tmp_path / "in", n=3)
    import rasterio
    with rasterio.open(paths[1], "r+") as ds:  # a darker, low-contrast date
        ds.write((ds.read().astype(float) * 0.5 + 100).astype("uint16"))
    timeline = build_timeline([tmp_path / "in"], tmp_path / "work")
    plain, _ = build_frames(timeline)
    matched, _ = build_frames(timeline, FrameOptions(histogram_match=True))
    assert np.array_equal(matched.images[0], plain.images[0])
    ref_mean = plain.images[0].mean()
    assert abs(matched.images[1].mean() - ref_mean) < abs(plain.images[1].mean() - ref_mean) / 3


def test_scene_missing_a_band_is_reported_and_the_rest_load(tmp_path):
    write_series(tmp_path / "in", n=3)
    write_geotiff(tmp_path / "in" / "three_20210101.tif", np.full((3, 20, 20), 500, np.uint16))
    timeline = build_timeline([tmp_path / "in"], tmp_path / "work")
    frames, problems = build_frames(timeline, FrameOptions(composite=(4, 3, 2)))
    assert len(frames) == 3 and len(problems) == 1 and "three_20210101.tif" in problems[0]


def test_nothing_on_the_grid_is_an_input_error(tmp_path):
    write_series(tmp_path / "in", n=2)
    timeline = build_timeline([tmp_path / "in"], tmp_path / "work")
    with pytest.raises(InputError, match="None of the 2 scenes"):
        build_frames(timeline, FrameOptions(aoi=(0, 0, 1000, 1000), aoi_crs="EPSG:32648"))
    with pytest.raises(InputError, match="reference"):
        build_frames(timeline, FrameOptions(reference=7))


def test_aoi_and_resolution_shape_the_frames(tmp_path):
    write_series(tmp_path / "in", n=2)
    timeline = build_timeline([tmp_path / "in"], tmp_path / "work")
    aoi = (400200.0, 3398800.0, 400800.0, 3399600.0)
    frames, _ = build_frames(timeline, FrameOptions(aoi=aoi, aoi_crs="EPSG:32648", resolution=20.0))
    assert frames.shape == (40, 30) and frames.grid.pixel_size == (20.0, 20.0)
    assert frames.grid.bounds == aoi


def test_options_round_trip_through_json():
    options = FrameOptions(composite=(4, 3, 2), resolution=12.5, reference=2, aoi=(1.0, 2.0, 3.0, 4.0),
                           aoi_crs="EPSG:4326", histogram_match=True,
                           thresholds=QualityThresholds(cloud=0.2, snow=0.5, nodata=0.4))
    assert FrameOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options
    assert FrameOptions.from_dict(FrameOptions().to_dict()) == FrameOptions()
    assert FrameOptions.from_dict({"composite": "s2-true"}).composite == "s2-true"


def test_plain_images_share_a_pixel_grid_and_a_georeferenced_one_is_left_out(tmp_path):
    from tests.tracking.scene_fixtures import write_png

    src = tmp_path / "in"
    rng = np.random.default_rng(0)
    for name in ("a_20190501.png", "b_20200501.png"):
        write_png(src / name, rng.integers(40, 120, (60, 80, 3)).astype(np.uint8))
    big = rng.integers(0, 20, (120, 160, 3)).astype(np.uint8)
    big[:, 80:] += np.array([210, 180, 140], np.uint8)  # right half bright bare soil
    write_png(src / "c_20210501.png", big)
    write_geotiff(src / "d_20220501.tif", np.full((3, 30, 30), 500, np.uint16))
    frames, problems = build_frames(build_timeline([src], tmp_path / "work"))
    assert frames.grid.crs is None and frames.shape == (60, 80) and len(frames) == 3
    assert len(problems) == 1 and problems[0].startswith("d_20220501.tif is georeferenced")
    assert "left out" in problems[0] and not frames.bad.any()
    resized = frames.images[2].astype(int)
    assert resized[:, :39].max() < 30 and resized[:, 41:].min() > 200
