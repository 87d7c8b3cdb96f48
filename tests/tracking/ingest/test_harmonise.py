"""One shared stretch for all frames; histogram matching to a reference frame."""

from __future__ import annotations

import numpy as np
import pytest

from tracking.core.errors import InputError
from tracking.ingest.harmonise import (
    Radiometry,
    common_scale_maps,
    declared_radiometry,
    family_full_scales,
    full_scale,
    match_histograms,
    shared_percentiles,
    shared_stretch,
    with_value_range,
)


def _scene(seed: int, gain: float = 1.0, shape=(40, 50)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.stack([rng.uniform(300, 3000, shape) for _ in range(3)]).astype(np.float32)
    return base * gain


def test_uniformly_darker_frame_stays_darker():
    bright, dark = _scene(0), _scene(1, gain=0.5)
    stack = np.stack([bright, dark])
    valid = np.ones((2, 40, 50), bool)
    out = shared_stretch(stack, valid)
    assert out.shape == (2, 40, 50, 3) and out.dtype == np.uint8
    assert out[1].mean() < 0.7 * out[0].mean()
    # A per-frame min/max stretch would erase the difference; the shared one keeps it.
    per_frame = [(f - f.min()) / (f.max() - f.min()) * 255 for f in (bright, dark)]
    assert abs(per_frame[0].mean() - per_frame[1].mean()) < 10
    # the same value maps to the same grey in both frames
    ys, xs = np.nonzero(np.abs(dark[0] - 1200) < 15)
    yb, xb = np.nonzero(np.abs(bright[0] - 1200) < 15)
    assert abs(int(out[1, ys, xs, 0].mean()) - int(out[0, yb, xb, 0].mean())) <= 2


def test_percentiles_are_over_all_valid_pixels_and_nodata_is_black():
    stack = np.zeros((2, 3, 10, 10), np.float32)
    stack[0] = np.linspace(0, 99, 100).reshape(10, 10)
    stack[1] = np.linspace(100, 199, 100).reshape(10, 10)
    valid = np.ones((2, 10, 10), bool)
    valid[1, :5] = False
    stack[1, :, :5] = 1e6  # huge values under the nodata mask must not move the stretch
    limits = shared_percentiles(stack, valid, 2, 98)
    expected = np.percentile(np.concatenate([stack[0, 0].ravel(), stack[1, 0, 5:].ravel()]), [2, 98])
    assert np.allclose(limits[0], expected)
    out = shared_stretch(stack, valid, 2, 98)
    assert (out[1, :5] == 0).all()
    assert out[0, 0, 0, 0] == 0 and out[1, 9, 9, 0] == 255


def test_stretch_can_leave_clouds_out_of_the_percentiles():
    land = _scene(4)
    cloudy = land.copy()
    cloudy[:, :20] = 9000.0  # a bright cloud over 40 % of the second frame
    stack = np.stack([land, cloudy])
    valid = np.ones((2, 40, 50), bool)
    sample = valid.copy()
    sample[1, :20] = False
    plain = shared_stretch(stack, valid)
    clear = shared_stretch(stack, valid, sample=sample)
    assert clear[0].mean() > plain[0].mean() + 30  # land is no longer squeezed into the dark end
    assert (clear[1, :20] == 255).all()  # the cloud itself still shows, saturated


def test_constant_and_nan_input_do_not_break():
    stack = np.full((1, 3, 4, 4), 7.0, np.float32)
    stack[0, :, 0, 0] = np.nan
    valid = np.isfinite(stack).all(axis=1)
    out = shared_stretch(stack, valid)
    assert out[0, 0, 0].tolist() == [0, 0, 0] and np.isin(out, [0]).all()


def test_histogram_matching_moves_a_frame_to_the_reference():
    rng = np.random.default_rng(3)
    ref = rng.normal(150, 30, (60, 60, 3)).clip(0, 255).astype(np.uint8)
    other = rng.normal(80, 12, (60, 60, 3)).clip(0, 255).astype(np.uint8)
    frames = np.stack([ref, other])
    valid = np.ones((2, 60, 60), bool)
    valid[1, :10] = False
    frames[1, :10] = 0
    out = match_histograms(frames, valid, reference=0)
    assert np.array_equal(out[0], ref)
    matched = out[1][valid[1]]
    for b in range(3):
        assert abs(matched[:, b].mean() - ref[..., b].mean()) < 3
        assert abs(matched[:, b].std() - ref[..., b].std()) < 4
    assert (out[1, :10] == 0).all()
    # the mapping is monotone: pixel order is kept
    a, b = other[30:, :, 0].ravel(), out[1, 30:, :, 0].ravel()
    order = np.argsort(a, kind="stable")
    assert (np.diff(b[order].astype(int)) >= 0).all()


def test_histogram_reference_must_exist_and_have_data():
    frames = np.zeros((2, 4, 4, 3), np.uint8)
    with pytest.raises(InputError):
        match_histograms(frames, np.ones((2, 4, 4), bool), reference=5)
    with pytest.raises(InputError):
        match_histograms(frames, np.zeros((2, 4, 4), bool), reference=0)


# --- A common radiometric scale -------------------------------------------------------


@pytest.mark.parametrize("dtype, robust, top, nbits, declared, expected", [
    ("uint8", 40.0, 90.0, None, False, 255.0),  # a dark 8-bit scene is still out of 255
    ("uint16", 3000.0, 12000.0, None, False, 10000.0),  # reflectance x 10000 with a cloud
    ("uint16", 1200.0, 3900.0, None, False, 10000.0),  # dark reflectance: not taken for 12 bits
    ("uint16", 3000.0, 4095.0, None, False, 4095.0),  # 12-bit data filling its range
    ("uint16", 700.0, 1023.0, None, False, 1023.0),  # 10-bit data
    ("uint16", 41000.0, 65535.0, None, False, 65535.0),  # full 16-bit range
    ("int16", 20000.0, 32000.0, None, False, 32767.0),
    ("uint16", 900.0, 1500.0, 12, False, 4095.0),  # a declared bit depth wins
    ("float32", 0.6, 1.3, None, False, 1.0),  # float reflectance 0..1.x as is
    ("float32", 200.0, 255.0, None, False, 255.0),  # 8-bit values stored as float
    ("float32", 3500.0, 9000.0, None, False, 10000.0),
    ("uint16", 0.45, 0.9, None, True, 1.0),  # declared scale: already reflectance
    ("uint16", float("nan"), float("nan"), None, False, 10000.0),  # no valid pixels
])
def test_full_scale_by_what_the_data_is(dtype, robust, top, nbits, declared, expected):
    assert full_scale(dtype, robust, top, nbits=nbits, declared=declared) == expected


def test_one_family_gets_one_full_scale_decided_by_its_brightest_scene():
    bright = Radiometry("uint16", (1.0,) * 4, (0.0,) * 4, robust_max=3000.0, maximum=4095.0)
    dark = Radiometry("uint16", (1.0,) * 4, (0.0,) * 4, robust_max=900.0, maximum=1000.0)
    eight = Radiometry("uint8", (1.0,) * 3, (0.0,) * 3, robust_max=200.0, maximum=250.0)
    # alone the dark scene would look like 10-bit data; in its family it stays with the others
    assert family_full_scales([dark]) == [1023.0]
    assert family_full_scales([bright, dark, eight]) == [4095.0, 4095.0, 255.0]
    maps = common_scale_maps([bright, eight], [[3, 2, 1], [1, 2, 3]])
    assert maps[0][3] == (1 / 4095.0, 0.0) and maps[1][1] == (1 / 255.0, 0.0)


def test_declared_scale_offset_and_bit_depth_are_read_and_applied(tmp_path):
    import rasterio

    from tests.helpers.scenes import write_geotiff

    path = write_geotiff(tmp_path / "s.tif", np.full((2, 8, 8), 3000, np.uint16))
    with rasterio.open(path, "r+") as ds:
        ds.scales, ds.offsets = (1e-4, 2e-4), (-0.1, 0.0)
    r = declared_radiometry(path, "uint16")
    assert r.declared and r.scales == (1e-4, 2e-4) and r.offsets == (-0.1, 0.0)
    values = np.full((2, 8, 8), 3000, np.float32)
    valid = np.ones((8, 8), bool)
    valid[0] = False
    values[:, 0] = 60000.0  # outside the valid pixels: not part of the range
    ranged = with_value_range(r, values, valid, [1, 2])
    assert ranged.robust_max == pytest.approx(0.6) and ranged.maximum == pytest.approx(0.6)
    assert common_scale_maps([ranged], [[1, 2]])[0] == {1: (1e-4, -0.1), 2: (2e-4, 0.0)}
    with rasterio.open(tmp_path / "n.tif", "w", driver="GTiff", width=4, height=4, count=1,
                       dtype="uint16", crs="EPSG:32648", transform=rasterio.Affine(10, 0, 0, 0, -10, 0),
                       NBITS=12) as ds:
        ds.write(np.full((1, 4, 4), 100, np.uint16))
    plain = declared_radiometry(tmp_path / "n.tif", "uint16")
    assert plain.nbits == 12 and not plain.declared
    assert family_full_scales([plain]) == [4095.0]
