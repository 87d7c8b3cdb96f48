"""Scenes to harmonised frames: mixed grids, quality flags, problems for bad scenes, options."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from affine import Affine

from tests.helpers.landscape import marker_scene, world_xy, write_series
from tests.helpers.scenes import ramp, write_geotiff, write_png
from tracking.core.errors import InputError
from tracking.ingest.build import FrameOptions, build_frames
from tracking.ingest.quality import QualityThresholds
from tracking.ingest.timeline import build_timeline


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
    from tests.helpers.scenes import write_png

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


# --- Mixed radiometric scales ---------------------------------------------------------


def _ground(gain: float = 1.0) -> np.ndarray:
    """(4, H, W) float64 reflectance B, G, R, NIR of one textured ground with a scar."""
    from tests.helpers.landscape import landscape

    rgbn = landscape(shape=(60, 60), seed=5, road=False) * gain
    return np.stack([rgbn[2], rgbn[1], rgbn[0], rgbn[3]])


def _write_as(path, bgrn: np.ndarray, kind: str, scale=None, offset=None):
    """The reflectance ``bgrn`` stored as "uint16" (x 10000), "uint8" (R, G, B x 255) or
    "float32"; ``scale``/``offset`` are declared in the file (stored = (r - offset) / scale)."""
    import rasterio

    if scale is not None:
        data = np.rint((bgrn - offset) / scale).astype("uint16")
    elif kind == "uint16":
        data = np.rint(bgrn * 10000).astype("uint16")
    elif kind == "uint8":
        data = np.rint(bgrn[[2, 1, 0]] * 255).astype("uint8")  # a plain R, G, B 8-bit scene
    else:
        data = bgrn.astype("float32")
    write_geotiff(path, data)
    if scale is not None:
        with rasterio.open(path, "r+") as ds:
            ds.scales = (scale,) * ds.count
            ds.offsets = (offset,) * ds.count
    return path


def _frame_means(folder, tmp_path) -> list[float]:
    frames, problems = build_frames(build_timeline([folder], tmp_path / "work"))
    assert problems == [] and not frames.bad.any()
    return [float(frames.images[i][frames.valid[i]].mean()) for i in range(len(frames))]


def test_uint16_uint8_and_float_scenes_of_one_ground_look_alike(tmp_path):
    src = tmp_path / "in"
    ground = _ground()
    for year, kind in ((2019, "uint16"), (2020, "uint8"), (2021, "float32")):
        _write_as(src / f"{kind}_{year}0601.tif", ground, kind)
    means = _frame_means(src, tmp_path)
    assert means[0] > 20  # the shared stretch spreads the ground over the grey levels
    assert max(means) - min(means) < 3, means
    frames, _ = build_frames(build_timeline([src], tmp_path / "work"))
    for b in range(3):  # each colour too, not only the overall brightness
        band = [frames.images[i, ..., b].mean() for i in range(3)]
        assert max(band) - min(band) < 3, (b, band)


def test_a_darker_scene_of_a_family_stays_darker_among_mixed_scales(tmp_path):
    src = tmp_path / "in"
    _write_as(src / "a_20190601.tif", _ground(), "uint16")
    _write_as(src / "b_20200601.tif", _ground(gain=0.6), "uint16")  # a hazy-dark date
    _write_as(src / "c_20210601.tif", _ground(), "uint8")
    normal, darker, eight_bit = _frame_means(src, tmp_path)
    assert darker < 0.75 * normal  # one shared stretch: no per-frame rescue of the dark date
    assert abs(eight_bit - normal) < 3


def test_declared_scale_and_offset_are_honoured(tmp_path):
    ground = _ground()
    tagged, plain = tmp_path / "tagged", tmp_path / "plain"
    for folder in (tagged, plain):
        _write_as(folder / "f_20190601.tif", ground, "float32")
    # stored = (reflectance + 0.1) x 10000, as Sentinel-2 products with a radiometric offset
    _write_as(tagged / "o_20200601.tif", ground, "uint16", scale=1e-4, offset=-0.1)
    write_geotiff(plain / "o_20200601.tif", np.rint((ground + 0.1) * 10000).astype("uint16"))
    honoured = _frame_means(tagged, tmp_path / "a")
    ignored = _frame_means(plain, tmp_path / "b")
    assert abs(honoured[1] - honoured[0]) < 3, honoured
    assert ignored[1] > ignored[0] + 15  # without the tags the offset shows as a brighter date


def test_one_family_of_scenes_is_left_exactly_as_before(tmp_path):
    import rasterio

    paths = write_series(tmp_path / "in", n=3, clouds={1: 0.4})
    before, _ = build_frames(build_timeline([tmp_path / "in"], tmp_path / "w1"))
    for path in paths:  # the same declared scale on every scene: still one family
        with rasterio.open(path, "r+") as ds:
            ds.scales = (1e-4,) * ds.count
            ds.offsets = (0.0,) * ds.count
    after, _ = build_frames(build_timeline([tmp_path / "in"], tmp_path / "w2"))
    assert np.array_equal(before.images, after.images)
    assert [q.cloud for q in before.quality] == [q.cloud for q in after.quality]
    assert list(after.bad) == [False, True, False]


# --- Spectral bands beside the display RGB --------------------------------------------


def _close(a: np.ndarray, b: np.ndarray, valid: np.ndarray) -> bool:
    """Equal to float16 precision (the spectral bands' precision) over the valid pixels."""
    return bool(np.allclose(a[valid], b[valid], atol=2e-3, rtol=2e-3))


def test_red_and_nir_survive_ingest_on_one_reflectance_scale(tmp_path):
    src, ground = tmp_path / "in", _ground()
    _write_as(src / "a_20190601.tif", ground, "uint16")
    _write_as(src / "b_20200601.tif", ground, "float32")
    _write_as(src / "c_20210601.tif", ground, "uint16", scale=1e-4, offset=-0.1)
    _write_as(src / "d_20220601.tif", ground, "uint8")  # R, G, B only: no NIR
    frames, problems = build_frames(build_timeline([src], tmp_path / "work"))
    assert problems == [] and len(frames) == 4
    sp = frames.spectral
    assert list(sp.bands) == ["red", "nir"] and sp.bands["nir"].dtype == np.float16
    for i in range(3):  # every stored scale lands on the same reflectance
        assert _close(sp.bands["red"][i], ground[2].astype(np.float32), frames.valid[i])
        assert _close(sp.bands["nir"][i], ground[3].astype(np.float32), frames.valid[i])
    assert np.isnan(sp.bands["nir"][3]).all() and sp.carries("nir").tolist() == [True, True, True, False]
    ndvi = frames.guidance()[..., 0]
    expected = (ground[3] - ground[2]) / (ground[3] + ground[2])
    assert np.allclose(ndvi[0], expected, atol=5e-3) and np.isnan(ndvi[3]).all()


def test_one_family_of_scenes_keeps_its_bands_on_the_reflectance_scale(tmp_path):
    write_series(tmp_path / "in", n=3)  # uint16 x 10000, unnamed B, G, R, NIR: display left as stored
    frames, _ = build_frames(build_timeline([tmp_path / "in"], tmp_path / "work"))
    nir = frames.spectral.bands["nir"][frames.valid]
    assert 0.05 < float(np.median(nir)) < 1.0  # reflectance, not x 10000


def test_nodata_is_unknown_in_the_spectral_bands(tmp_path):
    src = tmp_path / "in"
    for year in (2019, 2020):
        data = np.full((4, 30, 30), 1200, np.uint16)
        data[3] = 3500
        data[3, :, 20:] = 6000  # above 12 bits: reflectance x 10000
        data[:, :, :5] = 0
        write_geotiff(src / f"s_{year}0601.tif", data, nodata=0, band_names=("blue", "green", "red", "nir"))
    frames, _ = build_frames(build_timeline([src], tmp_path / "work"))
    nir = frames.spectral.bands["nir"]
    assert np.isnan(nir[:, :, :5]).all() and np.allclose(nir[:, :, 5:20], 0.35, atol=1e-3)


def test_swir_bands_named_in_the_file_are_kept_and_give_ndmi_and_nbr(tmp_path):
    src = tmp_path / "in"
    names = ("blue", "green", "red", "nir", "swir1", "swir2")
    for year in (2019, 2020):
        values = np.array([500, 800, 600, 3000, 2000, 1000], np.uint16)[:, None, None]
        write_geotiff(src / f"s_{year}0601.tif", np.broadcast_to(values, (6, 20, 20)).copy(), band_names=names)
    frames, _ = build_frames(build_timeline([src], tmp_path / "work"))
    assert list(frames.spectral.bands) == ["red", "nir", "swir1", "swir2"]
    g = frames.guidance([1])
    assert g.shape == (1, 20, 20, 3)
    assert np.allclose(g[0, ..., 0], 2400 / 3600, atol=2e-3) and np.allclose(g[0, ..., 1], 1000 / 5000, atol=2e-3)
    assert np.allclose(g[0, ..., 2], 2000 / 4000, atol=2e-3)


def test_rgb_scenes_carry_no_spectral_bands(tmp_path):
    src = tmp_path / "in"
    write_png(src / "a_20190601.png")
    write_png(src / "b_20200601.png")
    frames, _ = build_frames(build_timeline([src], tmp_path / "work"))
    assert frames.spectral is None and frames.guidance() is None
    write_geotiff(tmp_path / "rgb" / "c_20190601.tif", ramp(3, 16, 20))
    write_geotiff(tmp_path / "rgb" / "d_20200601.tif", ramp(3, 16, 20))
    assert build_frames(build_timeline([tmp_path / "rgb"], tmp_path / "w2"))[0].spectral is None
